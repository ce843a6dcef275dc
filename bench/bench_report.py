"""`make report` over a large tracker store: 100,000 citizens' messages (generated) in SQLite.

    .venv/bin/python bench/bench_report.py [--messages 100000]

Fills a temporary SQLite file in rasa 3.6's `events` schema (rasa's own table, created by its
SQLTrackerStore) with conversations of 1 to 6 messages over 7 days, on every channel: user
messages with rasa's parse data (a fifth unsure or missed, some holding an e-mail or a phone
number, some judging the answer), the bot's answers (marked with their topic and unknown facts
as the actions mark them) and action_listen rows, as rasa stores them; then times the report
(read, figures, inbox, transcripts, charts, files) and prints its peak memory.
Target (issue 14): ≤ 30 s for 100,000 messages on this machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from machine_info import describe_machine  # noqa: E402  (bench/ is the script's folder)

INTENTS = ["ask_hours", "ask_contact", "ask_procedure", "ask_price", "ask_documents",
           "greet", "thank", "goodbye", "human_handoff", "report_problem",
           "feedback_positive", "feedback_negative"]
ANSWERED = {"ask_hours", "ask_contact", "ask_procedure", "ask_price", "ask_documents"}
TOPICS = ["population", "passeport", "recyparc", "carte_identite", "urbanisme"]
UNKNOWN = [{"entry": "passeport", "name": "passeport", "fact": "prix"},
           {"entry": "population/mairie_x", "name": "Mairie de quartier X", "fact": "horaires"}]
TEXTS = ["horaires de la population samedi", "c'est combien la carte d'identité",
         "quels papiers pour un passeport", "numéro du service urbanisme", "bonjour",
         "merci beaucoup", "mon gsm 0470 12 34 56, rappelez moi", "ecrire a jean@example.be",
         "le recyparc est ouvert dimanche ?", "comment faire une compo de ménage",
         "il y a un trou dans ma rue", "je veux parler a quelqun"]
CHANNELS = ["rest", "socketio", "facebook", "x"]


def bot_metadata(pick: random.Random, intent: str) -> dict:
    """What the actions mark: an answer's topic and unknown facts, a judgement's kind."""
    if intent in ANSWERED:
        metadata = {"topic": pick.choice(TOPICS)}
        if pick.random() < 0.2:
            metadata["unknown_facts"] = [pick.choice(UNKNOWN)]
        return metadata
    if intent.startswith("feedback_"):
        return {"feedback": intent.split("_")[1], "topic": pick.choice(TOPICS)}
    return {}


def fill(path: Path, messages: int, until: dt.datetime, seed: int = 1) -> None:
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))  # rasa's schema
    table = store.SQLEvent.__table__
    store.engine.dispose()
    engine = sa.create_engine(f"sqlite:///{path}")
    pick = random.Random(seed)
    rows, sent, conversation = [], 0, 0
    start = until.timestamp() - 7 * 86400
    with engine.begin() as connection:
        while sent < messages:
            conversation += 1
            sender, channel = f"bench-{conversation}", pick.choice(CHANNELS)
            clock = start + pick.random() * 7 * 86400
            for _ in range(min(pick.randint(1, 6), messages - sent)):
                intent, confidence = pick.choice(INTENTS), pick.uniform(0.3, 1.0)
                ranking = [{"name": intent, "confidence": confidence}]
                if confidence < 0.4:
                    ranking.insert(0, {"name": "nlu_fallback", "confidence": 0.4})
                text = pick.choice(TEXTS) + ("" if pick.random() < 0.7 else f" {sent}")
                user = {"event": "user", "timestamp": clock, "text": text,
                        "input_channel": channel, "message_id": f"m{sent}",
                        "parse_data": {"intent": ranking[0], "entities": [],
                                       "intent_ranking": ranking, "text": text}}
                bot = {"event": "bot", "timestamp": clock + 0.1, "text": "Voici la réponse.",
                       "data": {}, "metadata": bot_metadata(pick, intent)}
                listen = {"event": "action", "timestamp": clock + 0.2, "name": "action_listen"}
                for event, kind, name in ((user, "user", None), (bot, "bot", None),
                                          (listen, "action", "action_listen")):
                    rows.append({"sender_id": sender, "type_name": kind,
                                 "timestamp": event["timestamp"],
                                 "intent_name": ranking[0]["name"] if kind == "user" else None,
                                 "action_name": name, "data": json.dumps(event)})
                sent += 1
                clock += pick.uniform(5, 60)
            if len(rows) > 30_000:
                connection.execute(table.insert(), rows)
                rows = []
        if rows:
            connection.execute(table.insert(), rows)
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    print(describe_machine())
    from trainers import report
    from trainers.conversations import CITY_TIME

    until = dt.datetime.combine(dt.date.today() + dt.timedelta(days=1), dt.time(), CITY_TIME)
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        path = Path(folder) / "tracker.db"
        began = time.perf_counter()
        fill(path, args.messages, until)
        print(f"{args.messages} messages stored in {time.perf_counter() - began:.1f} s "
              f"({path.stat().st_size / 1e6:.0f} MB)")
        began = time.perf_counter()
        written = report.write_report(f"sqlite:///{path}", until - dt.timedelta(days=7), until,
                                      Path(folder) / "reports", report.Thresholds())
        seconds = time.perf_counter() - began
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e3:.0f} kB"
                          for p in sorted(written.iterdir()))
        print(f"make report over {args.messages} messages: {seconds:.1f} s "
              f"(target ≤ 30 s); peak memory {peak:.0f} MB; {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
