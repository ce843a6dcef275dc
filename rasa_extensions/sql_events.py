"""rasa 3.6's SQL tracker store reading and counting a conversation's events in plain SQL.

At every turn rasa's `SQLTrackerStore` reads the events of the conversation's last session
(`_retrieve`) and, at every save, counts them again to know which events are new
(`_additional_events`). Both go through the ORM: the query is rebuilt, its cache key
computed and every row turned into an ORM object, about 2 ms each here. These functions
send the same SQL conditions (rasa's `_event_query`: the sender's events from the latest
`session_started` timestamp on, or all of them when there is none, ordered by id) as
SQLAlchemy Core statements built once per table, and read only the `data` column.

Two round trips less per turn (on PostgreSQL each statement is also planned anew: about 1 ms
of the database's CPU for these queries):
- the count at a save is known when the tracker being saved is the one read from its last
  session: rasa reads, changes and saves it within one turn under the conversation's lock,
  so nobody else stored events in between. The count read is kept on the tracker object and
  used by its next save only; any other save (a tracker rasa created or copied, a second save)
  counts in the database as rasa does.
- a connection the database closed (restarted) fails the read, and SQLAlchemy then replaces
  every connection of its pool; the read is tried once more on a new one. This replaces
  testing each connection before use (`pool_pre_ping`: one more round trip per statement
  group). The turn's save comes moments after a successful read on the same pool.
"""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any, Dict, Iterator, Optional

import sqlalchemy as sa

logger = logging.getLogger(__name__)

_statements: Dict[Any, Dict[str, Any]] = {}
STORED_COUNT = "_liege_events_stored_in_last_session"  # on a tracker read from the database


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
    stored = tracker.__dict__.pop(STORED_COUNT, None)  # the count read, for one save only
    if stored is None:
        stored = count_last_session(session, self.SQLEvent.__table__, tracker.sender_id)
    return itertools.islice(tracker.events, stored, len(tracker.events))


async def retrieve_events(self: Any, sender_id: str,
                          fetch_events_from_all_sessions: bool) -> Optional[Any]:
    """`SQLTrackerStore._retrieve`: the conversation's tracker, or None."""
    from rasa.shared.core.trackers import DialogueStateTracker

    statement = _built(self.SQLEvent.__table__)[
        "all_sessions" if fetch_events_from_all_sessions else "last_session"]
    rows = _read(self, statement, sender_id)
    events = [json.loads(data) for data in rows]
    if not (self.domain and events):
        return None
    tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
    if not fetch_events_from_all_sessions and len(tracker.events) == len(events):
        tracker.__dict__[STORED_COUNT] = len(events)
    return tracker


def _read(self: Any, statement: Any, sender_id: str) -> list:
    """The `data` of the rows, once more on a new connection if the database had closed the
    one the pool gave (see the module's docstring)."""
    from sqlalchemy.exc import DBAPIError

    for attempt in (1, 2):
        try:
            with self.session_scope() as session:
                return session.execute(statement, {"sender_id": sender_id}).scalars().all()
        except DBAPIError as error:
            if attempt == 2 or not error.connection_invalidated:
                raise
            logger.warning("The tracker store's database had closed the connection "
                           "(restarted?): reading again on a new one.")
    raise AssertionError("unreachable")
