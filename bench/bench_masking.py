"""What masking personal data adds to each stored turn (rasa_extensions/masking_tracker_store).

    .venv/bin/python bench/bench_masking.py [--repeat 5] [--no-prefilter]

For every held-out NLU sentence (tests/nlu/), a turn as rasa stores it: the citizen's message
with parse data as the pipeline leaves it (intent ranking of 10, entities), two slots, the
action, the answer echoing the entity with buttons and metadata, action_listen. One sentence in
four gets personal data appended (a phone number, an e-mail, an IBAN, a national number), so
the slow path is measured too. The figure is the time `stored_row` (mask, then JSON) takes per
turn minus the time rasa's own serialisation takes (JSON only): p50, p95, max.
Target (issue 15): ≤ 1 ms p95 per stored turn. `--no-prefilter` measures the masking without
its quick test (every string searched by the five patterns): the figure before it was added.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from machine_info import describe_machine  # noqa: E402  (bench/ is the script's folder)

PERSONAL = [" mon gsm : 0470 12 34 56", " écrivez-moi à jean.dupont@example.com",
            " IBAN BE68 5390 0754 7034", " NN 85.07.30-033.28"]


def turn(text: str, intent: str, number: int):
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    if number % 4 == 0:
        text += PERSONAL[(number // 4) % len(PERSONAL)]
    ranking = [{"name": f"{intent}_{rank}" if rank else intent, "confidence": 0.9 / (rank + 1)}
               for rank in range(10)]
    entities = [{"entity": "service", "start": 0, "end": 10, "value": "population",
                 "extractor": "DIETClassifier", "confidence_entity": 0.98},
                {"entity": "procedure", "start": 12, "end": 20, "value": "carte_identite",
                 "extractor": "DIETClassifier", "confidence_entity": 0.91}]
    parse = {"text": text, "intent": ranking[0], "entities": entities,
             "intent_ranking": ranking, "message_id": f"{number:032x}", "metadata": {}}
    return [UserUttered(text, parse_data=parse, input_channel="socketio",
                        message_id=f"{number:032x}", metadata={"page": "/fr/population"}),
            SlotSet("service", "population"), SlotSet("procedure", "carte_identite"),
            ActionExecuted("action_ask_hours"),
            BotUttered("Le service Population est ouvert du lundi au vendredi de 8h30 à 12h30.",
                       data={"buttons": [{"title": "Adresse", "payload": "/ask_contact"},
                                         {"title": "👍 Utile", "payload": "/feedback_positive"}]},
                       metadata={"topic": "population", "unknown_facts": []}),
            ActionExecuted("action_listen")]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-prefilter", action="store_true")
    args = parser.parse_args()

    from rasa_extensions import personal_data
    from rasa_extensions.masking_tracker_store import stored_row
    from trainers.training_data import HELD_OUT, nlu_examples

    if args.no_prefilter:
        personal_data._MAYBE_PERSONAL = type("Always", (), {"search": staticmethod(bool)})()
    turns = [turn(text, intent, number)
             for number, (intent, text) in enumerate(nlu_examples(HELD_OUT))]
    added = []
    for _ in range(args.repeat):
        for events in turns:
            start = time.perf_counter()
            for event in events:
                json.dumps(event.as_dict())
            plain = time.perf_counter() - start
            start = time.perf_counter()
            for event in events:
                stored_row(event)
            added.append((time.perf_counter() - start - plain) * 1000)
    print(describe_machine())
    print(f"{len(turns)} held-out sentences × {args.repeat}, one in four with personal data"
          + (" (no prefilter)" if args.no_prefilter else ""))
    print(f"masking added per stored turn: p50 {statistics.median(added):.3f} ms, "
          f"p95 {percentile(added, 0.95):.3f} ms, max {max(added):.3f} ms (target p95 ≤ 1 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
