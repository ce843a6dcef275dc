"""`make nlu-report` from a `make test-nlu` run: confused pairs with their sentences, intents
short of examples, the confusion matrix; a clear message without results."""

from __future__ import annotations

import json

import yaml

from trainers import nlu_report

CONFUSION = {"ask_price": {"ask_price": 40, "ask_procedure": 3, "nlu_fallback": 1},
             "ask_procedure": {"ask_procedure": 50, "ask_price": 1},
             "out_of_scope": {"out_of_scope": 9, "ask_price": 2}}
MISSES = [{"text": "c'est payant la compo ?", "intent": "ask_price", "predicted": "ask_procedure"},
          {"text": "prix kids id", "intent": "ask_price", "predicted": "ask_procedure"},
          {"text": "combien coûte une Playstation", "intent": "out_of_scope",
           "predicted": "ask_price"},
          {"text": "où est la mairie", "intent": "ask_contact", "predicted": "ask_contact"}]


def results(tmp_path, with_confusion=True):
    figures = {"held_out_messages": 106, "intent_macro_f1": 0.93, "fallback_rate": 0.01,
               "per_intent_f1": {"ask_price": 0.9, "ask_procedure": 0.95}}
    if with_confusion:
        figures["intent_confusion"] = CONFUSION
    (tmp_path / "understanding.json").write_text(json.dumps(figures))
    (tmp_path / "understanding_errors.yml").write_text(
        yaml.safe_dump({"intent_or_entity_misses": MISSES}, allow_unicode=True))
    return tmp_path


def test_pairs_most_confused_first_with_their_sentences():
    pairs = nlu_report.confused_pairs(CONFUSION, MISSES)
    assert pairs[0] == ("ask_price", "ask_procedure", 3,
                        ["c'est payant la compo ?", "prix kids id"])
    assert ("out_of_scope", "ask_price", 2, ["combien coûte une Playstation"]) in pairs
    assert all(expected != predicted for expected, predicted, _, _ in pairs)


def test_the_page_names_intents_short_of_examples(tmp_path):
    page = nlu_report.render({**json.loads((results(tmp_path) / "understanding.json")
                                           .read_text())},
                             nlu_report.confused_pairs(CONFUSION, MISSES),
                             {"ask_price": 80, "ask_procedure": 12, "out_of_scope": 25,
                              "chitchat/ask_name": 8, "chitchat/ask_weather": 9}, b"png")
    short = page.split("trop peu d'exemples")[1].split("</table>")[0]
    assert "ask_procedure" in short and "ask_price" not in short
    assert "chitchat</td><td>17" in short  # its sub-intents counted together
    assert "c&#x27;est payant la compo ?" in page


def test_the_report_is_written_from_the_results(tmp_path):
    out = tmp_path / "out"
    assert nlu_report.main(["--results", str(results(tmp_path)), "--out", str(out)]) == 0
    assert (out / "confusion.png").read_bytes().startswith(b"\x89PNG")
    assert "data:image/png;base64," in (out / "index.html").read_text()


def test_missing_or_old_results_say_what_to_run(tmp_path, capsys):
    assert nlu_report.main(["--results", str(tmp_path / "none")]) == 2
    assert "run `make test-nlu` first" in capsys.readouterr().err
    assert nlu_report.main(["--results", str(results(tmp_path, with_confusion=False))]) == 2
    assert "older `make test-nlu`" in capsys.readouterr().err
