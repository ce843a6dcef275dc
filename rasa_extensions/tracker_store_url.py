"""TRACKER_STORE_URL read once for everything that opens the tracker store: rasa's SQL tracker
store (rasa_extensions/url_tracker_store.py) and the trainers' read-only tools (trainers/).
No rasa import here: the trainers' commands start without rasa's two seconds of imports.
"""

from __future__ import annotations

from typing import Any

DIALECTS = {"sqlite": "sqlite", "postgresql": "postgresql", "postgres": "postgresql"}


def store_arguments(url: str) -> dict:
    """SQLTrackerStore's arguments for `url`; ValueError saying what is expected."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parts = make_url(url)
    except ArgumentError as error:
        raise ValueError(f"TRACKER_STORE_URL is not a database URL: {error}") from None
    dialect = DIALECTS.get(parts.drivername.split("+")[0])
    if dialect is None:
        raise ValueError(f"TRACKER_STORE_URL: sqlite:///path or postgresql://…, "
                         f"not {parts.drivername}://")
    if not parts.database:
        raise ValueError("TRACKER_STORE_URL names no database (sqlite:///tracker.db, "
                         "postgresql://user:password@host:5432/rasa)")
    if dialect == "sqlite":
        return {"dialect": "sqlite", "db": parts.database}
    return {"dialect": "postgresql", "host": parts.host or "127.0.0.1", "port": parts.port,
            "db": parts.database, "username": parts.username, "password": parts.password,
            "query": dict(parts.query) or None}


def postgres_address(store: dict) -> Any:
    """The SQLAlchemy URL of a PostgreSQL `store_arguments`, for the project's own engines
    (the trainers' read-only tools, rasa_extensions/citizen_data.py)."""
    from sqlalchemy.engine import URL

    return URL.create("postgresql", username=store["username"], password=store["password"],
                      host=store["host"], port=store["port"], database=store["db"],
                      query=store["query"] or {})
