"""What the tracker store holds about citizens, kept only as long as needed: retention, erasure
and export for the city's data protection officer (docs/privacy.md).

    make purge                      events older than RETENTION_DAYS (default 90) deleted
    make forget SENDER=<id>         one conversation deleted (every session)
    make export SENDER=<id>         one conversation as JSON on standard output
    .venv/bin/python -m rasa_extensions.citizen_data purge-daily   (make run, make cluster)

The tracker store is TRACKER_STORE_URL's (SQLite or PostgreSQL; rasa's `events` table, as
rasa_extensions/masking_tracker_store.py writes it: already masked). `purge` also deletes the
trainers' report folders (REPORT_OUT, default reports/<day>/) older than the retention: they
hold masked messages with conversation ids. Logs and printed reports hold counts, never a
citizen's text. The conversation id comes from the environment (SENDER), never through a
shell command line. No rasa import: these commands start in a fraction of a second.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from actions.privacy import retention_days
from rasa_extensions.tracker_store_url import postgres_address, store_arguments

logger = logging.getLogger("liege.retention")

DAY_SECONDS = 86_400
MAX_SENDER_CHARS = 255  # rasa's sender_id column
PROJECT_ROOT = Path(__file__).resolve().parents[1]
_REPORT_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class StoreError(Exception):
    """The tracker store cannot be reached or holds no conversations table (says which)."""


@dataclasses.dataclass(frozen=True)
class Purged:
    events: int  # events deleted
    conversations: int  # conversations that lost events
    conversations_gone: int  # of which nothing is left
    reports: int  # report folders deleted

    def sentence(self, days: int) -> str:
        return (f"Retention ({days} days): {self.events} events deleted from "
                f"{self.conversations} conversations ({self.conversations_gone} entirely), "
                f"{self.reports} report folders deleted.")


def engine_for(url: str) -> Engine:
    """A read-write engine on the tracker store `url` names (rasa's own arguments)."""
    try:
        store = store_arguments(url)
    except ValueError as error:
        raise StoreError(str(error)) from None
    if store["dialect"] == "sqlite":
        # 30 s: how long a delete waits for the rasa server's write to end
        return sa.create_engine(f"sqlite:///{store['db']}", connect_args={"timeout": 30})
    return sa.create_engine(postgres_address(store), connect_args={"connect_timeout": 10})


def _checked_sender(sender_id: str) -> str:
    if not sender_id or len(sender_id) > MAX_SENDER_CHARS:
        raise StoreError(f"a conversation id has 1 to {MAX_SENDER_CHARS} characters "
                         f"(make forget SENDER=<id>)")
    return sender_id


def _run(engine: Engine, work: Callable[[Any], Any]) -> Any:
    """`work(connection)` in one transaction; store errors told in one sentence."""
    try:
        with engine.begin() as connection:
            if not sa.inspect(connection).has_table("events"):
                raise StoreError("the tracker store holds no conversations yet")
            return work(connection)
    except sa.exc.OperationalError as error:
        raise StoreError(f"the tracker store cannot be reached: {error.orig}") from None


def purge(engine: Engine, days: int, now: Optional[float] = None,
          reports: Optional[Path] = None) -> Purged:
    """Deletes every event older than `days` (and report folders of days before that)."""
    cutoff = (time.time() if now is None else now) - days * DAY_SECONDS
    old = {"cutoff": cutoff}

    def delete(connection: Any) -> Purged:
        touched, gone = connection.execute(sa.text(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN newest < :cutoff THEN 1 ELSE 0 END), 0) "
            "FROM (SELECT MAX(timestamp) AS newest FROM events GROUP BY sender_id "
            "      HAVING MIN(timestamp) < :cutoff) AS conversations"), old).one()
        deleted = connection.execute(sa.text("DELETE FROM events WHERE timestamp < :cutoff"),
                                     old).rowcount
        return Purged(deleted, touched, gone, 0)

    try:
        purged = _run(engine, delete)
    except StoreError as error:
        if "no conversations yet" not in str(error):
            raise
        purged = Purged(0, 0, 0, 0)
    if reports is not None:
        purged = dataclasses.replace(purged, reports=purge_reports(reports, cutoff))
    return purged


def purge_reports(folder: Path, cutoff: float) -> int:
    """Deletes folder/<YYYY-MM-DD>/ (make report's) for days wholly before `cutoff`."""
    last_day = dt.datetime.fromtimestamp(cutoff, dt.timezone.utc).date()
    deleted = 0
    for day_folder in sorted(folder.glob("*")) if folder.is_dir() else []:
        if (day_folder.is_dir() and _REPORT_DAY.match(day_folder.name)
                and dt.date.fromisoformat(day_folder.name) < last_day):
            shutil.rmtree(day_folder)
            deleted += 1
    return deleted


def forget(engine: Engine, sender_id: str) -> int:
    """Deletes every stored event of one conversation; how many there were."""
    sender = {"sender": _checked_sender(sender_id)}
    return _run(engine, lambda connection: connection.execute(
        sa.text("DELETE FROM events WHERE sender_id = :sender"), sender).rowcount)


def stored_events(engine: Engine, sender_id: str) -> List[dict]:
    """Every stored event of one conversation, oldest first, as rasa stored them."""
    sender = {"sender": _checked_sender(sender_id)}
    rows = _run(engine, lambda connection: connection.execute(sa.text(
        "SELECT data FROM events WHERE sender_id = :sender ORDER BY id"), sender)
        .scalars().all())
    return [json.loads(data) for data in rows]


def export_document(sender_id: str, events: List[dict], days: int,
                    now: Optional[float] = None) -> dict:
    """What is stored about `sender_id`, for the person who asked (through the city's DPO)."""
    moment = dt.datetime.fromtimestamp(time.time() if now is None else now, dt.timezone.utc)
    return {
        "conversation_id": sender_id,
        "exported_at": moment.isoformat(timespec="seconds"),
        "controller": "Ville de Liège",
        "retention_days": days,
        "note": ("Ce que l'assistant de la Ville de Liège garde de cette conversation, tel "
                 "qu'il est stocké : les données personnelles reconnues (numéros national, "
                 "IBAN, carte, téléphone, e-mail) y sont déjà masquées. Chaque événement est "
                 f"supprimé {days} jours après sa date."),
        "event_count": len(events),
        "events": [dict(event, stored_at=_iso(event.get("timestamp"))) for event in events],
    }


def _iso(timestamp: Any) -> Optional[str]:
    if not isinstance(timestamp, (int, float)):
        return None
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).isoformat(timespec="seconds")


def purge_daily(url: str, days: int, reports: Path, interval: float = DAY_SECONDS,
                sleep: Callable[[float], None] = time.sleep,
                rounds: Optional[int] = None) -> None:
    """Purges a minute after the start (the servers are up), then every `interval`; a store
    that cannot be reached is tried again within the hour."""
    wait = min(60.0, interval)
    for _ in _rounds(rounds):
        sleep(wait)
        try:
            logger.info(purge(engine_for(url), days, reports=reports).sentence(days))
            wait = interval
        except StoreError as error:
            logger.warning("Retention: purge not done (%s); next try in an hour.", error)
            wait = min(interval, 3600.0)


def _rounds(rounds: Optional[int]) -> Iterator[int]:
    number = 0
    while rounds is None or number < rounds:
        yield number
        number += 1


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("purge", "purge-daily", "forget", "export"))
    parser.add_argument("--url", default=os.environ.get("TRACKER_STORE_URL",
                                                        "sqlite:///tracker.db"))
    parser.add_argument("--reports", type=Path,
                        default=Path(os.environ.get("REPORT_OUT") or PROJECT_ROOT / "reports"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    name = f"make {args.command}"
    try:
        days = retention_days()
    except ValueError as error:
        print(f"{name}: {error}", file=sys.stderr)
        return 2
    sender = os.environ.get("SENDER", "")
    try:
        if args.command == "purge-daily":  # PURGE_INTERVAL (seconds): tests only
            interval = float(os.environ.get("PURGE_INTERVAL") or DAY_SECONDS)
            purge_daily(args.url, days, args.reports, interval=max(1.0, interval))
        elif args.command == "purge":
            logger.info(purge(engine_for(args.url), days, reports=args.reports).sentence(days))
        elif args.command == "forget":
            deleted = forget(engine_for(args.url), sender)
            print(f"{deleted} stored events of this conversation deleted." if deleted
                  else "Nothing stored under this conversation id.")
        else:
            events = stored_events(engine_for(args.url), sender)
            json.dump(export_document(sender, events, days), sys.stdout, ensure_ascii=False,
                      indent=2)
            print()
    except StoreError as error:
        print(f"{name}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
