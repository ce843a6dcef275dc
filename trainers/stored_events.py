"""Read-only access to the conversations rasa stored (its `events` table), by URL.

    sqlite:///tracker.db                      make run's default (TRACKER_STORE_URL)
    postgresql://rasa:…@127.0.0.1:5433/rasa   make cluster's, or the city's own

The SQLite file is opened read-only (`mode=ro`: no journal, no table created, a running
server undisturbed); a PostgreSQL session is read-only (`default_transaction_read_only`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from rasa_extensions.tracker_store_url import postgres_address, store_arguments

MAX_SENDER_CHARS = 255  # rasa's sender_id column
MAX_EVENTS = 20_000  # of one conversation: a trainer's view, bounded


class StoreError(Exception):
    """The tracker store cannot be read; the message says why, for the command line."""


def read_only_engine(url: str) -> Engine:
    """An engine that only reads the tracker store `url` names (read as rasa's is)."""
    try:
        store = store_arguments(url)
    except ValueError as error:
        raise StoreError(str(error)) from None
    if store["dialect"] == "sqlite":
        path = Path(store["db"])
        if not path.is_file():
            raise StoreError(f"no conversations stored yet: {path} does not exist "
                             f"(make run creates it at the first message)")
        return sa.create_engine(f"sqlite:///file:{path.resolve()}?mode=ro&uri=true")
    return sa.create_engine(postgres_address(store), connect_args={
        "options": "-c default_transaction_read_only=on", "connect_timeout": 10})


def events_of(engine: Engine, sender_id: str) -> List[dict]:
    """Every stored event of one conversation, oldest first (at most MAX_EVENTS, the last)."""
    if not sender_id or len(sender_id) > MAX_SENDER_CHARS:
        raise StoreError(f"a conversation id has 1 to {MAX_SENDER_CHARS} characters")
    query = sa.text("SELECT data FROM events WHERE sender_id = :sender "
                    "ORDER BY id DESC LIMIT :limit")
    try:
        with engine.connect() as connection:
            rows = connection.execute(query, {"sender": sender_id,
                                              "limit": MAX_EVENTS}).scalars().all()
    except sa.exc.OperationalError as error:
        raise StoreError(f"the tracker store cannot be read: {error.orig}") from None
    except sa.exc.ProgrammingError:
        raise StoreError("the tracker store holds no conversations table yet") from None
    return [json.loads(data) for data in reversed(rows)]
