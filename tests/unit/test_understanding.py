"""Issue 10 without a model: canonical entities, several questions per message, FAQ entries.

The catalogue is the real one (catalogue/); FAQ loading errors use files written to tmp_path.
"""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from actions.aspect_detection import aspects_asked
from actions.city_catalogue import CatalogueError, load_catalogue
from actions.city_catalogue.errors import ProblemCollector
from actions.city_catalogue.faq import FaqEntry, load_faq
from actions.combined_answers import (
    answer_procedure_turn, extra_procedure_answers, find_faq,
)
from actions.entity_resolution import resolve_entities
from actions.faq_retrieval import FaqIndex, owner_words

NOW = dt.datetime(2026, 11, 26, 10, 0)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def entity(kind, value, text, span=None):
    span = span or value
    start = text.find(span)
    return {"entity": kind, "value": value, "start": start, "end": start + len(span),
            "extractor": "DIETClassifier"}


def values(entities):
    return [(e["entity"], e["value"]) for e in entities]


# --- only canonical ids reach the actions --------------------------------------------------


def test_canonical_values_are_kept(catalogue):
    text = "combien coute un passeport ?"
    assert values(resolve_entities([entity("procedure", "passeport", text)], text,
                                   catalogue)) == [("procedure", "passeport")]


def test_a_wording_the_synonyms_missed_is_resolved_against_the_catalogue(catalogue):
    text = "cb pour le pasport de ma fille"
    resolved = resolve_entities([entity("procedure", "pasport", text)], text, catalogue)
    assert values(resolved) == [("procedure", "passeport")]


@pytest.mark.parametrize("span", ["de", "et", "c", "la"])
def test_junk_spans_are_dropped(catalogue, span):
    text = f"c quoi les papiers {span} svp"
    assert resolve_entities([entity("procedure", span, text)], text, catalogue) == []


@pytest.mark.parametrize("word", ["permis", "carte", "le permis", "ma carte"])
def test_a_bare_generic_word_is_dropped(catalogue, word):
    text = f"je dois refaire {word}"
    assert resolve_entities([entity("procedure", word, text)], text, catalogue) == []


def test_an_unknown_value_is_dropped_never_passed_on(catalogue):
    text = "combien coute le permis de chasse"
    found = resolve_entities([entity("procedure", "permis de chasse", text)], text, catalogue)
    assert found == []


def test_a_repeated_value_is_kept_once(catalogue):
    text = "ma carte d'identité, oui ma carte d'identité"
    first = entity("procedure", "carte_identite", text, "carte d'identité")
    second = {**first, "start": text.rfind("carte"), "end": len(text)}
    assert values(resolve_entities([first, second], text, catalogue)) == [
        ("procedure", "carte_identite")]


@pytest.mark.parametrize("text", [
    "la mairie de Jupille est ouverte samedi ?",
    "adresse de la mairie de quartier de Bressoux",
    "c ou la mairie d angleur",
])
def test_a_district_town_hall_is_population(catalogue, text):
    wrong = entity("service", "hotel_de_ville", text, "mairie")
    assert values(resolve_entities([wrong], text, catalogue)) == [("service", "population")]
    assert values(resolve_entities([], text, catalogue)) == [("service", "population")]


def test_the_central_town_hall_stays_the_town_hall(catalogue):
    text = "l'hôtel de ville est ouvert ?"
    hall = entity("service", "hotel_de_ville", text, "hôtel de ville")
    assert values(resolve_entities([hall], text, catalogue)) == [("service", "hotel_de_ville")]


def test_another_service_named_beside_a_district_is_kept(catalogue):
    text = "la piscine de Jupille près de la mairie"
    pool = entity("service", "piscine", text)
    assert values(resolve_entities([pool], text, catalogue)) == [("service", "piscine")]


def test_a_procedure_at_a_district_town_hall_adds_no_service(catalogue):
    text = "ma carte d'identité à la mairie de Jupille"
    card = entity("procedure", "carte_identite", text, "carte d'identité")
    assert values(resolve_entities([card], text, catalogue)) == [
        ("procedure", "carte_identite")]


def test_the_pipeline_step_keeps_contract_ids_only_without_a_catalogue(monkeypatch):
    from rasa.shared.nlu.training_data.message import Message

    import rasa_extensions.canonical_entities as step

    def broken():
        raise CatalogueError([])

    monkeypatch.setattr(step, "get_catalogue", broken)
    message = Message(data={"text": "passeport et pasport", "entities": [
        {"entity": "procedure", "value": "passeport"},
        {"entity": "procedure", "value": "pasport"}]})
    step.CanonicalEntities({}).process([message])
    assert values(message.get("entities")) == [("procedure", "passeport")]


# --- several questions in one message ------------------------------------------------------


@pytest.mark.parametrize("intent,text,expected", [
    ("ask_price", "combien ça coute un passeport et faut il un rdv ?", ["price", "appointment"]),
    ("ask_documents", "c quoi les papiers pour la kids id et c prêt en combien de temps",
     ["documents", "delay"]),
    ("ask_procedure", "j'ai perdu ma carte, je fais quoi? faut prendre rdv?",
     ["procedure", "appointment"]),
    ("ask_hours", "la mairie de jupille est ouverte samedi et c est où ?", ["hours", "contact"]),
    ("ask_price", "combien coûte un passeport ?", ["price"]),
    ("ask_delay", "combien de temps pour la kids id", ["delay"]),
    ("ask_price", '/ask_price{"procedure":"passeport"}', ["price"]),
])
def test_aspects_asked_in_order(intent, text, expected):
    assert aspects_asked(intent, text) == expected


def test_the_intent_comes_first_when_its_cue_is_missing():
    assert aspects_asked("ask_price", "pour mon passeport. faut un rdv ?") == [
        "price", "appointment"]


def test_two_questions_get_one_reply_in_the_order_asked(catalogue):
    answer = answer_procedure_turn("price", catalogue, ["passeport"], None,
                                   "combien ça coute un passeport et faut il un rdv ?", None, NOW)
    assert 0 <= answer.text.find("Passeport – prix") < answer.text.find(
        "Passeport – rendez-vous")
    assert answer.slots["procedure"] == "passeport"


def test_a_procedure_question_with_hours_adds_the_service_hours(catalogue):
    answer = answer_procedure_turn("documents", catalogue, ["kids_id"], None,
                                   "quels papiers pour la kids id et c'est ouvert quand ?",
                                   None, NOW)
    assert "Kids-ID – à prévoir" in answer.text and "Population" in answer.text
    assert answer.slots["service"] == "population"


def test_a_service_question_with_a_procedure_part_answers_both(catalogue):
    extra = extra_procedure_answers("ask_hours", catalogue, ["kids_id"], None,
                                    "c'est ouvert samedi et combien coûte la kids id ?")
    assert [a.text.split(" – ")[0] for a in extra] == ["Kids-ID"]


# --- FAQ entries ---------------------------------------------------------------------------


def test_the_real_faq_is_valid_and_covers_the_ten_most_asked_procedures(catalogue):
    owners = {entry.owner for entry in catalogue.faq}
    assert {"carte_identite", "kids_id", "passeport", "permis_conduire", "changement_adresse",
            "composition_menage", "casier_judiciaire", "mariage", "declaration_deces",
            "titre_sejour"} <= owners
    assert all(entry.source.startswith("http") for entry in catalogue.faq)


def test_a_precise_question_is_answered_from_its_entry_with_its_source(catalogue):
    procedure = catalogue.procedures.get("changement_adresse")
    match = find_faq(catalogue, procedure, None,
                     "je suis etudiant en kot a liege, je dois me domicilier la bas ?")
    assert match is not None and "kot" in match.entry.question.lower()
    answer = answer_procedure_turn("procedure", catalogue, ["changement_adresse"], None,
                                   "je suis etudiant en kot a liege, je dois me domicilier ?")
    assert f"Source : {match.entry.source}" in answer.text


def test_a_generic_question_gets_the_aspect_not_an_entry(catalogue):
    answer = answer_procedure_turn("price", catalogue, ["carte_identite"], None,
                                   "combien coute une carte d'identité ?")
    assert "39,70 €" in answer.text and "Source :" not in answer.text


def test_a_precise_point_without_entry_is_said_unknown_with_who_knows(catalogue):
    answer = answer_procedure_turn(
        "procedure", catalogue, ["carte_identite"], None,
        "est-ce que ma carte d'identité peut mentionner mon titre de docteur en médecine ?")
    assert "pas d'information vérifiée sur ce point précis" in answer.text
    assert "service Population" in answer.text


def test_a_plain_how_to_gets_the_summary_and_steps(catalogue):
    answer = answer_procedure_turn("procedure", catalogue, ["carte_identite"], None,
                                   "comment renouveler ma carte d'identité ?")
    assert "point précis" not in answer.text and "•" in answer.text


def entry(entry_id, owner, question, *wordings):
    return FaqEntry(entry_id, owner, "procedure", question, wordings, "Réponse.",
                    "https://www.liege.be", dt.date(2026, 1, 1))


def test_retrieval_stays_within_the_allowed_entries_and_ignores_the_name():
    a = entry("passeport.validite", "passeport", "combien de temps un passeport est valable ?")
    b = entry("kids_id.voyage", "kids_id", "ma fille peut voyager au maroc avec sa kids id ?")
    index = FaqIndex([a, b], owner_words={"passeport": frozenset({"passeport"})})
    assert index.best("le passeport reste valable combien de temps", [a]).entry is a
    assert index.answer("voyager au maroc avec la kids id", [a]) is None \
        or index.answer("voyager au maroc avec la kids id", [a]).entry is a
    assert index.answer("passeport", [a], owner="passeport") is None  # only the name


def test_owner_words_leave_out_names_not_synonyms(catalogue):
    words = owner_words(catalogue)
    assert {"carte", "identite"} <= words["carte_identite"]
    assert "pin" not in words["carte_identite"]


def write_faq(tmp_path, body):
    (tmp_path / "faq.yml").write_text(textwrap.dedent(body), encoding="utf-8")
    problems = ProblemCollector()
    faq = load_faq(tmp_path, ["passeport"], ["population"], problems)
    return faq, [str(problem) for problem in problems.problems]


def test_a_valid_faq_file_loads(tmp_path):
    faq, problems = write_faq(tmp_path, """
        procedures:
          passeport:
            - id: passeport.validite
              question: Combien de temps un passeport est-il valable ?
              wordings: ["mon passeport est valable combien de temps ?"]
              answer: Sept ans pour un adulte.
              source: https://www.liege.be/passeport
              checked_on: 2026-11-26
    """)
    assert problems == [] and faq.get("passeport.validite").wordings


@pytest.mark.parametrize("field,value,message", [
    ("id", "validite", "must be 'passeport.<slug>'"),
    ("source", "liege.be", "URL of the published page"),
    ("checked_on", "2999-01-01", "in the future"),
    ("checked_on", "hier", "the date the source was read"),
    ("answer", "x" * 800, "longer than 700"),
    ("question", "", "non-empty"),
])
def test_faq_problems_name_the_entry_and_field(tmp_path, field, value, message):
    fields = {"id": "passeport.validite", "question": "Valable combien de temps ?",
              "answer": "Sept ans.", "source": "https://www.liege.be", "checked_on": "2026-11-01"}
    fields[field] = value
    body = "procedures:\n  passeport:\n    - " + "\n      ".join(
        f"{key}: {val!r}" for key, val in fields.items()) + "\n"
    _, problems = write_faq(tmp_path, body)
    assert any(field in problem and message in problem for problem in problems), problems


def test_faq_unknown_owner_and_duplicate_ids_are_problems(tmp_path):
    _, problems = write_faq(tmp_path, """
        procedures:
          permis_de_chasse: []
          passeport:
            - {id: passeport.a, question: "Q ?", answer: R., source: "https://x.be", checked_on: 2026-01-01}
            - {id: passeport.a, question: "Q2 ?", answer: R., source: "https://x.be", checked_on: 2026-01-01}
    """)
    assert any("unknown procedure id" in p for p in problems)
    assert any("id used twice" in p for p in problems)


def test_a_precise_service_question_is_answered_from_the_service_entry(catalogue):
    from actions.combined_answers import service_faq_answer

    answer = service_faq_answer(
        catalogue, "objets_trouves", "j'ai trouvé un portefeuille dans la rue, je le dépose où ?")
    assert answer is not None and "Source : http" in answer.text
    assert answer.slots == {"service": "objets_trouves"}
    assert service_faq_answer(catalogue, "population",
                              "la mairie de Jupille est ouverte samedi matin ?") is None


def test_a_qualified_name_of_the_current_procedure_keeps_the_conversation(catalogue):
    from actions.procedure_answers import resolve_procedure

    resolution = resolve_procedure(catalogue.procedures, [], "permis_conduire",
                                   "j'ai encore le vieux permis rose, il est toujours bon ?")
    assert resolution.procedure.id == "permis_conduire"


def test_the_city_in_general_does_not_replace_the_conversation_procedure(catalogue):
    from actions.procedure_answers import resolve_procedure

    resolution = resolve_procedure(catalogue.procedures, [], "changement_adresse",
                                   "je pars au canada, faut prevenir la commune ?",
                                   "hotel_de_ville")
    assert resolution.procedure.id == "changement_adresse"


def test_another_kind_of_the_same_document_is_not_the_current_procedure(catalogue):
    from actions.procedure_answers import resolve_procedure

    resolution = resolve_procedure(catalogue.procedures, [], "permis_conduire",
                                   "combien coûte le permis de chasse ?")
    assert resolution.procedure is None


def test_a_generic_follow_up_is_not_taken_by_an_entry_sharing_only_everyday_words(catalogue):
    answer = answer_procedure_turn("documents", catalogue, [], "passeport",
                                   "et il faut quoi comme documents ?")
    assert answer.text.startswith("Passeport – à prévoir"), answer.text


def test_a_story_before_the_question_does_not_dilute_the_likeness_to_an_entry():
    a = entry("passeport.validite", "passeport", "combien de temps un passeport est valable ?")
    b = entry("kids_id.voyage", "kids_id", "ma fille peut voyager au maroc avec sa kids id ?")
    index = FaqIndex([a, b])
    question = "il reste valable combien de temps ?"
    story = ("Bonjour, j'ai fait faire mon passeport à Liège en mars, j'ai payé au guichet et "
             "on m'a donné un reçu. Je pars souvent en déplacement pour mon travail. ")
    alone, told = index.best(question), index.best(story + question)
    assert told.entry is alone.entry is a
    assert told.score >= alone.score  # the question alone is compared too
