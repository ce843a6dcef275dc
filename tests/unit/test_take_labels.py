"""trainers/take_labels.py: a reviewed to_label.yml into data/nlu/citizens.yml, leaving out
what must not train the assistant, each with its reason."""

from __future__ import annotations

import shutil

from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from trainers import report, take_labels
from trainers.report import InboxEntry

HELD_OUT = "bonjour chère madame"  # tests/nlu/test_nlu.yml
EXISTING = "c'est payant ?"  # data/nlu/aspects.yml


def project(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(report.PROJECT_ROOT / "data" / "nlu", root / "data" / "nlu")
    shutil.copytree(report.PROJECT_ROOT / "tests" / "nlu", root / "tests" / "nlu")
    shutil.copy(report.PROJECT_ROOT / "domain.yml", root / "domain.yml")
    return root


def entry(text, intent):
    return InboxEntry(text, intent, 0.5, "à traiter", 1, ["s"], 0.0)


def test_reviewed_examples_are_added_under_their_intent(tmp_path, capsys):
    root = project(tmp_path)
    reviewed = tmp_path / "to_label.yml"
    reviewed.write_text(report.to_label_yaml([
        entry("ça coute cmb la carte de riverain", "ask_price"),
        entry("et pr le passeport en urgence cb de temps", "ask_delay"),
        entry("rappelez moi au [téléphone]", "human_handoff"),
        entry(EXISTING.upper(), "ask_price"),
        entry("une intention qui n'existe pas", "ask_weather"),
        entry("ça coute cmb la carte de riverain", "ask_price"),
    ], held_out=set()) + f'- intent: greet\n  examples:\n  - text: "{HELD_OUT}"\n')
    assert take_labels.main([str(reviewed), "--project", str(root)]) == 0
    added = (root / "data" / "nlu" / "citizens.yml").read_text()
    data = RasaYAMLReader().reads(added)
    assert {(m.get("intent"), m.get("text")) for m in data.intent_examples} == {
        ("ask_price", "ça coute cmb la carte de riverain"),
        ("ask_delay", "et pr le passeport en urgence cb de temps")}
    printed = capsys.readouterr().out
    for why in ("donnée personnelle masquée", "déjà dans les exemples",
                "intention inconnue du domaine", "phrase des jeux de test"):
        assert why in printed

    # a second review appends to the same file; what is there already is not added twice
    assert take_labels.main([str(reviewed), "--project", str(root)]) == 0
    again = RasaYAMLReader().reads((root / "data" / "nlu" / "citizens.yml").read_text())
    assert len(again.intent_examples) == 2


def test_a_missing_file_says_how_to_call_it(tmp_path, capsys):
    assert take_labels.main([str(tmp_path / "none.yml")]) == 2
    assert "make take-labels FILE=" in capsys.readouterr().err


def test_the_two_question_and_faq_test_sets_are_held_out_too():
    from trainers.training_data import held_out_sentences, normalised

    held_out = held_out_sentences()
    assert normalised("la mairie de Jupille ferme a quelle heure et faut il un rdv ?") in held_out
    assert normalised("mon mari peut aller rechercher ma nouvelle carte d'id a ma place ? "
                      "jsuis coincee au boulot toute la semaine") in held_out
    assert normalised(HELD_OUT) in held_out
    assert not any(sentence.startswith(("text:", "intent:")) for sentence in held_out)
