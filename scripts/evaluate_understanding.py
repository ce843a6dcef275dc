"""How well the trained assistant understands the held-out messages, as the actions see them.

Parses every held-out message with the model in-process (the whole NLU pipeline, including the
canonical-id step), after the length bound every channel applies (connectors.message_bounds:
a message over 2,000 characters is cut to its beginning), then prints and checks:

- intent macro-F1 over the held-out intents of citizens' questions (the contract's); a
  prediction below the FallbackClassifier's threshold (`nlu_fallback`) counts as a miss of the
  expected intent. A message that asks two
  things is labelled with the first one, but the reply answers every aspect asked in the order
  asked whichever of them the intent names: predicting the intent of another aspect it asks is
  right ("as the actions see it"). The strict figure (first question only) is printed too.
  The intents the project added have their own macro-F1 and gate per group: the judgements
  of an answer ("pas utile"), the requests about the citizen's data ("supprimez mes
  données"), and messages in another language (`other_language`, as the language step
  routes a conversation's first message); their held-out sentences would otherwise weigh
  like whole question intents in the questions' figure;
- canonical-value entity F1: per message, the set of (entity, value) the actions receive
  compared with the annotated canonical ids;
- two-question messages (tests/nlu/two_questions.yml): share whose every aspect is answered
  (the intent's aspect plus `actions.aspect_detection`), and, over single-question messages,
  the share that would get an extra, unasked answer;
- precise questions (tests/nlu/faq_questions.yml, the test half: odd positions; the even ones
  chose the retrieval's threshold, see bench/bench_faq.py): share answered from the right FAQ
  entry, from a wrong one, and, for questions the FAQ does not hold, share given an entry;
  the same, printed and gated apart, for the later round tests/nlu/faq_questions_round3.yml
  (citizens telling a situation before the question; nothing was chosen on it).

`--min-*` options turn the figures into gates (exit status 1 below any of them). Misses are
written to <out>/understanding_errors.yml for trainers, the figures to <out>/understanding.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Sequence, Set, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from actions.aspect_detection import ASPECT_INTENT, aspects_asked  # noqa: E402
from actions.city_catalogue import load_catalogue  # noqa: E402
from actions.combined_answers import find_faq, find_service_faq  # noqa: E402
from actions.procedure_answers import resolve_procedure  # noqa: E402
from connectors.message_bounds import bound_text  # noqa: E402
from rasa_extensions.feedback_intents import OWN_INTENT_GROUPS  # noqa: E402

# Every intent the project added (its own classifier's, and other_language): not a question.
SCORED_APART = tuple(intent for intents in OWN_INTENT_GROUPS.values() for intent in intents)

DEFAULT_HELD_OUT = ("tests/nlu/test_nlu.yml", "tests/nlu/test_nlu_long.yml",
                    "tests/nlu/test_nlu_real.yml", "tests/nlu/test_nlu_round3.yml")
TWO_QUESTIONS = "tests/nlu/two_questions.yml"
FAQ_QUESTIONS = "tests/nlu/faq_questions.yml"
FAQ_QUESTIONS_ROUND3 = "tests/nlu/faq_questions_round3.yml"  # all test: nothing was tuned on it
CATALOGUE_ENTITIES = ("procedure", "service")


def held_out_examples(paths: Sequence[str]) -> List[Dict[str, Any]]:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for path in paths:
        for message in load_data(str(ROOT / path), language="fr").intent_examples:
            examples.append({
                "file": path, "text": message.get("text"), "intent": message.get("intent"),
                "response_key": message.get("intent_response_key"),
                "values": sorted({(e["entity"], str(e.get("value"))) for e in
                                  message.get("entities") or []
                                  if e["entity"] in CATALOGUE_ENTITIES}),
            })
    return examples


def read_yaml_list(path: str, key: str) -> List[Dict[str, Any]]:
    if not (ROOT / path).exists():
        print(f"missing: {path}")
        return []
    document = yaml.safe_load((ROOT / path).read_text(encoding="utf-8")) or {}
    return list(document.get(key) or [])


async def parse_all(model: str, texts: Sequence[str]) -> Dict[str, Dict[str, Any]]:
    from rasa.core.agent import Agent

    from rasa_extensions import conversation_language, rasa_fixes

    rasa_fixes.install()  # as in the rasa server (scripts/rasa_cli.py), a conversation's
    conversation_language.install()  # first message: one in another language is routed
    agent = Agent.load(model)
    parsed = {}
    for text in dict.fromkeys(texts):
        parsed[text] = await agent.parse_message(bound_text(text).text)
    return parsed


def predicted_values(parse: Dict[str, Any]) -> Set[Tuple[str, str]]:
    return {(e["entity"], str(e.get("value"))) for e in parse.get("entities") or []
            if e.get("entity") in CATALOGUE_ENTITIES}


def intent_scores(examples, parsed, asked: Dict[str, List[str]]) -> Dict[str, Any]:
    """`asked`: text -> aspects of each two-question message (tests/nlu/two_questions.yml)."""
    from sklearn.metrics import f1_score

    gold = [example["intent"] for example in examples]
    strict = [parsed[example["text"]]["intent"]["name"] for example in examples]
    predicted = []
    for example, intent in zip(examples, strict):
        also_asked = {ASPECT_INTENT.get(aspect) for aspect in asked.get(example["text"], [])}
        predicted.append(example["intent"] if intent in also_asked else intent)
    labels = sorted(set(gold))
    per_intent = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
    # Citizens' questions (the contract's intents) and each group of the intents the project
    # added (judgements of an answer, requests about their data) are scored apart: see
    # docs/nlu-pipelines.md. Each message counts in one figure: a question taken for a
    # judgement is a miss of the questions' figure; a judgement taken for a question, a miss
    # of the feedback figure.
    questions = [label for label in labels if label not in SCORED_APART]
    asked_ids = [i for i, label in enumerate(gold) if label not in SCORED_APART]

    def on_questions(values: List[str]) -> List[str]:
        return [values[i] for i in asked_ids]

    return {
        "intent_macro_f1": float(f1_score(on_questions(gold), on_questions(predicted),
                                          labels=questions, average="macro", zero_division=0)),
        "intent_macro_f1_strict": float(f1_score(on_questions(gold), on_questions(strict),
                                                 labels=questions, average="macro",
                                                 zero_division=0)),
        **{f"{group}_macro_f1": _group_f1(gold, predicted, labels, intents)
           for group, intents in OWN_INTENT_GROUPS.items()},
        "intent_accuracy": sum(g == p for g, p in zip(gold, predicted)) / len(gold),
        "fallback_rate": predicted.count("nlu_fallback") / len(gold),
        "accuracy_by_file": {
            path: round(statistics.mean(g == p for g, p, e in zip(gold, predicted, examples)
                                        if e["file"] == path), 3)
            for path in dict.fromkeys(e["file"] for e in examples)},
        "per_intent_f1": {label: round(float(f), 3) for label, f in zip(labels, per_intent)},
    }


def value_scores(examples, parsed) -> Dict[str, Any]:
    true_positives = false_positives = false_negatives = 0
    for example in examples:
        gold = set(map(tuple, example["values"]))
        predicted = predicted_values(parsed[example["text"]])
        true_positives += len(gold & predicted)
        false_positives += len(predicted - gold)
        false_negatives += len(gold - predicted)
    denominator = 2 * true_positives + false_positives + false_negatives
    return {"entity_value_f1": 2 * true_positives / denominator if denominator else 1.0,
            "entity_false_positives": false_positives,
            "entity_false_negatives": false_negatives}


def two_question_scores(messages, examples, parsed) -> Dict[str, Any]:
    answered, misses = 0, []
    for message in messages:
        intent = parsed[message["text"]]["intent"]["name"]
        asked = aspects_asked(intent, message["text"])
        if set(message["aspects"]) <= set(asked):
            answered += 1
        else:
            misses.append({"text": message["text"], "expected": message["aspects"],
                           "answered": asked})
    two = {message["text"] for message in messages}
    singles = [e for e in examples if e["text"] not in two and e["intent"] in (
        "ask_procedure", "ask_price", "ask_documents", "ask_delay", "ask_appointment",
        "ask_online", "ask_hours", "ask_contact")]
    extra = [e["text"] for e in singles
             if len(aspects_asked(parsed[e["text"]]["intent"]["name"], e["text"])) > 1]
    return {"two_questions": len(messages),
            "two_questions_all_answered": answered / len(messages) if messages else 1.0,
            "single_questions_with_extra_answer": len(extra) / len(singles) if singles else 0.0,
            "two_question_misses": misses, "extra_answer_examples": extra[:40]}


def faq_scores(questions, parsed, catalogue) -> Dict[str, Any]:
    with_entry = right = wrong = without_entry = wrongly_given = 0
    misses = []
    for question in questions:
        text, expected = question["text"], question.get("faq")
        parse = parsed[text]
        values = [str(e.get("value")) for e in parse.get("entities") or []
                  if e.get("entity") == "procedure"]
        services = [str(e.get("value")) for e in parse.get("entities") or []
                    if e.get("entity") == "service"]
        if question.get("procedure"):
            # The procedure of the conversation so far stands in for the slot.
            resolution = resolve_procedure(catalogue.procedures, values,
                                           question["procedure"], text,
                                           services[0] if services else None)
            match = find_faq(catalogue, resolution.procedure,
                             services[0] if services else None, text)
        else:  # a question about a service: its FAQ entries (ask_hours/ask_contact side)
            match = find_service_faq(catalogue, services[0] if services else
                                     question.get("service"), text)
        got = match.entry.id if match else None
        if expected:
            with_entry += 1
            right += got == expected
            wrong += got is not None and got != expected
        else:
            without_entry += 1
            wrongly_given += got is not None
        if got != expected:
            misses.append({"text": text, "expected": expected, "got": got,
                           "score": round(match.score, 3) if match else None})
    return {"faq_questions_with_entry": with_entry,
            "faq_right": right / with_entry if with_entry else 1.0,
            "faq_wrong": wrong / with_entry if with_entry else 0.0,
            "faq_questions_without_entry": without_entry,
            "faq_wrongly_given": wrongly_given / without_entry if without_entry else 0.0,
            "faq_misses": misses}


def response_scores(examples, parsed) -> Dict[str, Any]:
    """The ResponseSelector (chitchat answers): right sub-intent among the held-out messages
    of a retrieval intent whose intent DIET got right."""
    asked = [e for e in examples if e.get("response_key")
             and parsed[e["text"]]["intent"]["name"] == e["intent"]]
    right = 0
    for example in asked:
        selector = parsed[example["text"]].get("response_selector") or {}
        chosen = ((selector.get("default") or {}).get("response") or {}).get(
            "intent_response_key")
        right += chosen == example["response_key"]
    return {"response_accuracy": right / len(asked) if asked else 1.0,
            "response_messages": len(asked)}


def intent_confusion(examples, parsed) -> Dict[str, Dict[str, int]]:
    """{expected intent: {predicted intent: held-out messages}}, for `make nlu-report`."""
    table: Dict[str, Dict[str, int]] = {}
    for example in examples:
        predicted = parsed[example["text"]]["intent"]["name"]
        row = table.setdefault(example["intent"], {})
        row[predicted] = row.get(predicted, 0) + 1
    return table


def intent_misses(examples, parsed) -> List[Dict[str, Any]]:
    misses = []
    for example in examples:
        parse = parsed[example["text"]]
        predicted = parse["intent"]["name"]
        values = sorted(predicted_values(parse))
        gold = [tuple(v) for v in example["values"]]
        if predicted != example["intent"] or values != gold:
            misses.append({"text": example["text"], "file": example["file"],
                           "intent": example["intent"], "predicted": predicted,
                           "confidence": round(parse["intent"].get("confidence") or 0.0, 3),
                           "entities": [list(v) for v in gold],
                           "predicted_entities": [list(v) for v in values]})
    return misses


def _group_f1(gold: List[str], predicted: List[str], labels: List[str],
              intents: Tuple[str, ...]) -> float:
    """Macro-F1 over the held-out messages of one group of the project's own intents."""
    from sklearn.metrics import f1_score

    scored = [label for label in labels if label in intents]
    return float(f1_score(gold, predicted, labels=scored, average="macro",
                          zero_division=0)) if scored else 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--held-out", nargs="+", default=list(DEFAULT_HELD_OUT))
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "understanding")
    parser.add_argument("--min-intent-f1", type=float, default=0.0)
    parser.add_argument("--min-feedback-f1", type=float, default=0.0)
    parser.add_argument("--min-privacy-f1", type=float, default=0.0)
    parser.add_argument("--min-languages-f1", type=float, default=0.0)
    parser.add_argument("--min-entity-f1", type=float, default=0.0)
    parser.add_argument("--min-two-questions", type=float, default=0.0)
    parser.add_argument("--min-faq-right", type=float, default=0.0)
    parser.add_argument("--max-faq-wrong", type=float, default=1.0)
    parser.add_argument("--min-faq-right-round3", type=float, default=0.0)
    parser.add_argument("--max-faq-wrong-round3", type=float, default=1.0)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.getLogger().setLevel(logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)

    examples = held_out_examples(args.held_out)
    two_questions = read_yaml_list(TWO_QUESTIONS, "messages")
    faq_sets = {"test half": read_yaml_list(FAQ_QUESTIONS, "questions")[1::2],
                "round 3": read_yaml_list(FAQ_QUESTIONS_ROUND3, "questions")}
    texts = [e["text"] for e in examples] + [m["text"] for m in two_questions] \
        + [q["text"] for questions in faq_sets.values() for q in questions]
    parsed = asyncio.run(parse_all(args.model, texts))
    catalogue = load_catalogue()

    figures = {"held_out_messages": len(examples),
               "by_file": dict(Counter(e["file"] for e in examples)),
               "intent_confusion": intent_confusion(examples, parsed)}
    figures.update(intent_scores(examples, parsed,
                                 {m["text"]: m["aspects"] for m in two_questions}))
    figures.update(value_scores(examples, parsed))
    figures.update(response_scores(examples, parsed))
    two = two_question_scores(two_questions, examples, parsed)
    by_set = {name: faq_scores(questions, parsed, catalogue)
              for name, questions in faq_sets.items()}
    faq_misses = {name: scores.pop("faq_misses") for name, scores in by_set.items()}
    faq = dict(by_set["test half"], faq_by_set=by_set)
    errors = {"intent_or_entity_misses": intent_misses(examples, parsed),
              "two_question_misses": two.pop("two_question_misses"),
              "extra_answers": two.pop("extra_answer_examples"),
              "faq_misses": faq_misses}
    figures.update(two)
    figures.update(faq)

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "understanding.json").write_text(json.dumps(figures, indent=2,
                                                            ensure_ascii=False))
    (args.out / "understanding_errors.yml").write_text(
        yaml.safe_dump(errors, allow_unicode=True, sort_keys=False, width=100))

    print(f"held-out messages: {len(examples)} {figures['by_file']}")
    print(f"intent macro-F1      {figures['intent_macro_f1']:.3f}  (accuracy "
          f"{figures['intent_accuracy']:.3f}, fallback {figures['fallback_rate']:.3f}; "
          f"first question only {figures['intent_macro_f1_strict']:.3f})")
    print("intent accuracy by file " + ", ".join(
        f"{Path(k).name} {v:.3f}" for k, v in figures["accuracy_by_file"].items()))
    print(f"entity value F1      {figures['entity_value_f1']:.3f}  (false positives "
          f"{figures['entity_false_positives']}, false negatives "
          f"{figures['entity_false_negatives']})")
    print(f"chitchat answers     {figures['response_accuracy']:.3f} right sub-intent "
          f"({figures['response_messages']} messages)")
    print(f"two questions        {figures['two_questions_all_answered']:.3f} all answered "
          f"({figures['two_questions']} messages); single questions with an extra answer "
          f"{figures['single_questions_with_extra_answer']:.3f}")
    for name, scores in figures["faq_by_set"].items():
        print(f"FAQ, {name:<15} right {scores['faq_right']:.3f}, wrong {scores['faq_wrong']:.3f} "
              f"({scores['faq_questions_with_entry']} questions); no entry but one given "
              f"{scores['faq_wrongly_given']:.3f} ({scores['faq_questions_without_entry']} "
              f"questions)")
    for group, intents in OWN_INTENT_GROUPS.items():
        print(f"{group + ' intents F1':<20} {figures[group + '_macro_f1']:.3f}  (" + ", ".join(
            f"{k} {v:.2f}" for k, v in figures["per_intent_f1"].items() if k in intents) + ")")
    weakest = sorted(figures["per_intent_f1"].items(), key=lambda item: item[1])[:6]
    print("weakest intents      " + ", ".join(f"{k} {v:.2f}" for k, v in weakest))
    print(f"misses written to {args.out / 'understanding_errors.yml'}")

    failures = [
        name for name, ok in (
            ("intent macro-F1", figures["intent_macro_f1"] >= args.min_intent_f1),
            ("feedback intents F1", figures["feedback_macro_f1"] >= args.min_feedback_f1),
            ("privacy intents F1", figures["privacy_macro_f1"] >= args.min_privacy_f1),
            ("languages intent F1", figures["languages_macro_f1"] >= args.min_languages_f1),
            ("entity value F1", figures["entity_value_f1"] >= args.min_entity_f1),
            ("two questions", figures["two_questions_all_answered"] >= args.min_two_questions),
            ("FAQ right", figures["faq_right"] >= args.min_faq_right),
            ("FAQ wrong", figures["faq_wrong"] <= args.max_faq_wrong),
            ("FAQ right, round 3",
             figures["faq_by_set"]["round 3"]["faq_right"] >= args.min_faq_right_round3),
            ("FAQ wrong, round 3",
             figures["faq_by_set"]["round 3"]["faq_wrong"] <= args.max_faq_wrong_round3),
        ) if not ok]
    if failures:
        print("BELOW TARGET: " + ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
