"""Prints the held-out NLU figures of `rasa test nlu` and fails below the targets.

Intent: macro-averaged F1 over intents (intent_report.json). Entities: micro-averaged F1 of
the DIET entity extractor over the entity labels (DIETClassifier_report.json).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def f1(report: dict, key: str) -> float:
    return float(report[key]["f1-score"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", type=Path)
    parser.add_argument("--min-intent-f1", type=float, required=True)
    parser.add_argument("--min-entity-f1", type=float, required=True)
    args = parser.parse_args()

    intents = json.loads((args.results / "intent_report.json").read_text())
    entities = json.loads((args.results / "DIETClassifier_report.json").read_text())
    intent_f1 = f1(intents, "macro avg")
    entity_key = "micro avg" if "micro avg" in entities else "weighted avg"
    entity_f1 = f1(entities, entity_key)

    weak = sorted((name, f1(intents, name)) for name, value in intents.items()
                  if isinstance(value, dict) and "f1-score" in value and "avg" not in name
                  and value["f1-score"] < 0.9)
    print(f"Held-out NLU: intent macro-F1 {intent_f1:.3f} (target ≥ {args.min_intent_f1}), "
          f"entity {entity_key} F1 {entity_f1:.3f} (target ≥ {args.min_entity_f1})")
    for name, score in weak:
        print(f"  weak intent: {name} F1 {score:.3f}")
    ok = intent_f1 >= args.min_intent_f1 and entity_f1 >= args.min_entity_f1
    if not ok:
        print("FAILED: the held-out NLU figures are below target "
              f"(details: {args.results}/intent_errors.json)", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
