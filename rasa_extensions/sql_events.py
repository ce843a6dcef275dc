"""rasa 3.6's SQL tracker store reading and counting a conversation's events in plain SQL.

At every turn rasa's `SQLTrackerStore` reads the events of the conversation's last session
(`_retrieve`) and, at every save, counts them again to know which events are new
(`_additional_events`). Both go through the ORM: the query is rebuilt, its cache key
computed and every row turned into an ORM object, about 2 ms each here. These functions
send the same SQL conditions (rasa's `_event_query`: the sender's events from the latest
`session_started` timestamp on, or all of them when there is none, ordered by id) as
SQLAlchemy Core statements built once per table, and read only the `data` column.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Dict, Iterator, Optional

import sqlalchemy as sa

_statements: Dict[Any, Dict[str, Any]] = {}


def _built(table: Any) -> Dict[str, Any]:
    """The statements for one events table (bound parameter: sender_id)."""
    if table not in _statements:
        from rasa.shared.core.events import SessionStarted

        sender = sa.bindparam("sender_id")
        start = (sa.select(sa.func.max(table.c.timestamp))
                 .where(table.c.sender_id == sender,
                        table.c.type_name == SessionStarted.type_name)
                 .scalar_subquery())
        last_session = sa.and_(table.c.sender_id == sender,
                               sa.or_(table.c.timestamp >= start, start.is_(None)))
        _statements[table] = {
            "last_session": sa.select(table.c.data).where(last_session)
            .order_by(table.c.id),
            "all_sessions": sa.select(table.c.data).where(table.c.sender_id == sender)
            .order_by(table.c.id),
            "count_last_session": sa.select(sa.func.count()).select_from(table)
            .where(last_session),
        }
    return _statements[table]


def count_last_session(session: Any, table: Any, sender_id: str) -> int:
    return session.execute(_built(table)["count_last_session"],
                           {"sender_id": sender_id}).scalar_one()


def additional_events(self: Any, session: Any, tracker: Any) -> Iterator:
    """`SQLTrackerStore._additional_events`: the tracker's events not stored yet."""
    stored = count_last_session(session, self.SQLEvent.__table__, tracker.sender_id)
    return itertools.islice(tracker.events, stored, len(tracker.events))


async def retrieve_events(self: Any, sender_id: str,
                          fetch_events_from_all_sessions: bool) -> Optional[Any]:
    """`SQLTrackerStore._retrieve`: the conversation's tracker, or None."""
    from rasa.shared.core.trackers import DialogueStateTracker

    statement = _built(self.SQLEvent.__table__)[
        "all_sessions" if fetch_events_from_all_sessions else "last_session"]
    with self.session_scope() as session:
        rows = session.execute(statement, {"sender_id": sender_id}).scalars().all()
        events = [json.loads(data) for data in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None
