"""Which FAQ retrieval, and which threshold: prints the figures that chose them.

No model is needed: retrieval runs on the catalogue alone (actions.faq_retrieval), the
procedure of each question is the one the conversation is about (as the slot holds it).

The held-out precise questions (tests/nlu/faq_questions.yml) are split in two: the questions
at even positions (dev) choose each method's threshold and margin, the questions at odd
positions (test) give the figures `make test` checks. The choice: the most right answers on dev
with a wrong entry for at most 4 % of the questions that have one and an entry given to at most
20 % of the questions that have none. Leave-one-out over the FAQ's own wordings is printed too:
it shows how far one wording is from the others of its entry.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import yaml  # noqa: E402

from actions.city_catalogue import load_catalogue  # noqa: E402
from actions.faq_retrieval import MARGINS, THRESHOLDS, FaqIndex, owner_words  # noqa: E402
from actions.procedure_answers import faq_candidates  # noqa: E402
from machine_info import describe_machine  # noqa: E402

MAX_WRONG = 0.04
MAX_GIVEN_WITHOUT_ENTRY = 0.20
THRESHOLD_GRID = [step / 100 for step in range(20, 90, 2)]
MARGIN_GRID = (0.0, 0.03, 0.06, 0.1, 0.15)
PROCEDURE_INTENTS = ("ask_procedure", "ask_price", "ask_documents", "ask_delay",
                     "ask_appointment", "ask_online")


def leave_one_out(index, catalogue):
    """(score, right?) for every wording of every entry, asked with its own text left out."""
    results = []
    for entry in catalogue.faq:
        procedure = catalogue.procedures.get(entry.owner)
        allowed = faq_candidates(catalogue, procedure, None if procedure else entry.owner)
        for text in entry.texts():
            match = index.best(text, allowed, exclude_text=text, owner=entry.owner)
            if match:
                results.append((match.score, match.entry.id == entry.id))
    return results


def best_matches(index, catalogue, questions):
    """(expected id or None, best id, score, runner-up score) per question."""
    rows = []
    for question in questions:
        procedure = catalogue.procedures.get(question.get("procedure"))
        allowed = faq_candidates(catalogue, procedure, question.get("service"))
        owner = question.get("procedure") or question.get("service")
        match = index.best(question["text"], allowed, owner=owner) if allowed else None
        rows.append((question.get("faq"), match.entry.id if match else None,
                     match.score if match else 0.0, match.runner_up if match else 0.0))
    return rows


def rates(rows, threshold, margin):
    """(right, wrong, given without entry) when answering above threshold and margin."""
    with_entry = [row for row in rows if row[0]]
    without = [row for row in rows if not row[0]]

    def answers(row):
        return row[2] >= threshold and row[2] - row[3] >= margin

    right = sum(row[0] == row[1] and answers(row) for row in with_entry)
    wrong = sum(row[0] != row[1] and answers(row) for row in with_entry)
    given = sum(answers(row) for row in without)
    return (right / max(len(with_entry), 1), wrong / max(len(with_entry), 1),
            given / max(len(without), 1))


def choose(rows):
    best = None
    for threshold in THRESHOLD_GRID:
        for margin in MARGIN_GRID:
            right, wrong, given = rates(rows, threshold, margin)
            if wrong <= MAX_WRONG and given <= MAX_GIVEN_WITHOUT_ENTRY \
                    and (best is None or right > best[0]):
                best = (right, threshold, margin)
    return best or (0.0, 1.0, 0.0)


def main() -> None:
    print(describe_machine())
    catalogue = load_catalogue()
    words = owner_words(catalogue)
    path = ROOT / "tests" / "nlu" / "faq_questions.yml"
    questions = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("questions", [])
    dev, test = questions[0::2], questions[1::2]
    print(f"FAQ entries: {len(catalogue.faq)}; wordings: "
          f"{sum(len(e.texts()) for e in catalogue.faq)}; held-out precise questions: "
          f"{len(questions)} (dev {len(dev)}, test {len(test)})")
    print(f"{'method':7} {'LOO top-1':>9} {'top-1':>6} {'threshold':>9} {'margin':>6} "
          f"{'dev right':>9} {'test right':>10} {'test wrong':>10} {'test no-entry hit':>17} "
          f"{'ms/query':>8}  configured")
    for method in THRESHOLDS:
        index = FaqIndex(list(catalogue.faq), method=method, owner_words=words)
        loo = leave_one_out(index, catalogue)
        started = time.perf_counter()
        rows = best_matches(index, catalogue, questions)
        per_query = (time.perf_counter() - started) * 1000 / max(len(questions), 1)
        top1 = statistics.mean(row[0] == row[1] for row in rows if row[0])
        dev_right, threshold, margin = choose(rows[0::2])
        right, wrong, given = rates(rows[1::2], threshold, margin)
        print(f"{method:7} {statistics.mean(ok for _, ok in loo):9.3f} {top1:6.3f} "
              f"{threshold:9.2f} {margin:6.2f} {dev_right:9.3f} {right:10.3f} {wrong:10.3f} "
              f"{given:17.3f} {per_query:8.2f}  {THRESHOLDS[method]:.2f}/{MARGINS[method]:.2f}")


if __name__ == "__main__":
    main()
