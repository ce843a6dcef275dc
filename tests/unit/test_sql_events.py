"""rasa_extensions/sql_events.py reads and counts exactly the events rasa's ORM queries do."""

from __future__ import annotations

import asyncio
import json

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from rasa_extensions import rasa_fixes, sql_events

DOMAIN = Domain.from_yaml("""
version: "3.1"
slots:
  procedure:
    type: text
    mappings: [{type: custom}]
""")


def conversation(sessions: int, start: float):
    """Events of `sessions` sessions; some share a timestamp with the session start."""
    events, clock = [], start
    for number in range(sessions):
        events += [ActionExecuted("action_session_start", timestamp=clock),
                   SessionStarted(timestamp=clock),
                   ActionExecuted("action_listen", timestamp=clock)]  # same timestamp
        for turn in range(number + 2):
            clock += 1.5
            events += [UserUttered(f"question {number}.{turn}", timestamp=clock),
                       SlotSet("procedure", f"p{turn}", timestamp=clock),
                       BotUttered(f"answer {turn}", timestamp=clock + 0.5),
                       ActionExecuted("action_listen", timestamp=clock + 0.5)]
    return events


@pytest.fixture
def store(tmp_path):
    rasa_fixes.install()
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "events.db"))
    rasa_fixes.uninstall()  # the store stays on SQLite with the pool; queries compared below
    senders = {"no-session": [UserUttered("bonjour", timestamp=5.0)],
               "one": conversation(1, 100.0), "three": conversation(3, 200.0),
               "other": conversation(2, 150.0)}
    with store.session_scope() as session:
        for sender, events in senders.items():
            for event in events:
                session.add(store.SQLEvent(sender_id=sender, type_name=event.type_name,
                                           timestamp=event.timestamp, intent_name=None,
                                           action_name=None,
                                           data=json.dumps(event.as_dict())))
        session.commit()
    yield store, senders
    store.engine.dispose()


SENDERS = ["no-session", "one", "three", "other", "unknown"]


@pytest.mark.parametrize("sender", SENDERS)
@pytest.mark.parametrize("all_sessions", [False, True])
def test_trackers_read_are_rasas(store, sender, all_sessions):
    store, _ = store
    theirs = asyncio.run(store._retrieve(sender, all_sessions))
    ours = asyncio.run(sql_events.retrieve_events(store, sender, all_sessions))
    if theirs is None:
        assert ours is None
    else:
        assert [e.as_dict() for e in ours.events] == [e.as_dict() for e in theirs.events]
        assert {name: slot.value for name, slot in ours.slots.items()} == \
            {name: slot.value for name, slot in theirs.slots.items()}
        assert len(ours.events) > 0


@pytest.mark.parametrize("sender", SENDERS)
def test_events_counted_as_stored_are_rasas(store, sender):
    store, senders = store
    tracker = asyncio.run(store.retrieve_full_tracker(sender)) if sender in senders else None
    events = list(tracker.events) if tracker else []
    tracker = type("T", (), {"sender_id": sender, "events": events + [UserUttered("new")]})()
    with store.session_scope() as session:
        theirs = list(store._additional_events(session, tracker))
        ours = list(sql_events.additional_events(store, session, tracker))
        stored = sql_events.count_last_session(session, store.SQLEvent.__table__, sender)
        assert stored == store._event_query(session, sender, False).count()
    assert ours == theirs


def statements_of(store) -> list:
    """The SQL statements the store's engine runs from now on."""
    import sqlalchemy

    seen: list = []
    sqlalchemy.event.listen(store.engine, "before_cursor_execute",
                            lambda _conn, _cursor, statement, *_: seen.append(statement))
    return seen


def test_a_tracker_read_then_saved_is_not_counted_again(store):
    store, senders = store
    tracker = asyncio.run(sql_events.retrieve_events(store, "three", False))
    tracker.update(UserUttered("nouvelle question"))
    statements = statements_of(store)
    with store.session_scope() as session:
        new = list(sql_events.additional_events(store, session, tracker))
        assert [event.as_dict()["text"] for event in new] == ["nouvelle question"]
        assert statements == []  # the count read with the tracker
        assert new == list(store._additional_events(session, tracker))  # rasa's own count
        # a second save of the same tracker counts in the database, as rasa does
        assert list(sql_events.additional_events(store, session, tracker)) == new
        assert any("count(" in statement.lower() for statement in statements)


@pytest.mark.parametrize("copied", ["all sessions", "copy", "created"])
def test_other_trackers_are_counted_in_the_database(store, copied):
    store, _ = store
    if copied == "all sessions":
        tracker = asyncio.run(sql_events.retrieve_events(store, "three", True))
    elif copied == "copy":
        tracker = asyncio.run(sql_events.retrieve_events(store, "three", False)).copy()
    else:
        from rasa.shared.core.trackers import DialogueStateTracker

        tracker = DialogueStateTracker.from_events("three", [], DOMAIN.slots)
    tracker.update(UserUttered("nouvelle question"))
    statements = statements_of(store)
    with store.session_scope() as session:
        assert list(sql_events.additional_events(store, session, tracker)) == \
            list(store._additional_events(session, tracker))
    assert any("count(" in statement.lower() for statement in statements)


def test_a_read_after_the_database_restarted_goes_on_a_new_connection(caplog):
    """A real PostgreSQL restarted under a store whose pool holds a connection it closed."""
    from tests.support import postgres_server

    if not postgres_server.available():
        pytest.skip("PostgreSQL is not installed (make test-deps installs it)")
    from rasa_extensions.url_tracker_store import URLTrackerStore

    with postgres_server.postgres_server() as postgres:
        rasa_fixes.install()
        try:
            store = URLTrackerStore(DOMAIN, url=postgres.url)
            asyncio.run(store.save(
                asyncio.run(store.get_or_create_tracker("citizen"))))
            assert asyncio.run(store.retrieve("citizen")) is not None  # pooled connection
            postgres.stop()
            postgres.start()
            tracker = asyncio.run(store.retrieve("citizen"))
            assert tracker is not None and tracker.sender_id == "citizen"
            assert "reading again on a new one" in caplog.text
            store.engine.dispose()
        finally:
            rasa_fixes.uninstall()
