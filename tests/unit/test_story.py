"""trainers/story.py prints a stored conversation as rasa itself would (GET
/conversations/<id>/story), from the tracker store opened read-only."""

from __future__ import annotations

import asyncio

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
from rasa.shared.core.trackers import DialogueStateTracker, get_trackers_for_conversation_sessions
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.core.training_data.story_writer.yaml_story_writer import YAMLStoryWriter

from trainers import story
from trainers.stored_events import MAX_SENDER_CHARS

DOMAIN = Domain.load(str(story.PROJECT_ROOT / "domain.yml"))


def session(start: float, question: str) -> list:
    return [ActionExecuted("action_session_start", timestamp=start),
            SessionStarted(timestamp=start + 0.01),
            ActionExecuted("action_listen", timestamp=start + 0.02),
            UserUttered(question, intent={"name": "ask_hours", "confidence": 0.93},
                        entities=[{"entity": "service", "value": "piscine", "start": 13,
                                   "end": 20}], timestamp=start + 1),
            SlotSet("service", "piscine", timestamp=start + 1.1),
            ActionExecuted("action_ask_hours", timestamp=start + 1.2),
            BotUttered("La piscine de Jonfosse est ouverte…", timestamp=start + 1.3),
            ActionExecuted("action_listen", timestamp=start + 1.4),
            UserUttered("merci", intent={"name": "thank", "confidence": 0.99},
                        timestamp=start + 2),
            ActionExecuted("utter_thank", timestamp=start + 2.1),
            BotUttered("Avec plaisir !", timestamp=start + 2.2),
            ActionExecuted("action_listen", timestamp=start + 2.3)]


@pytest.fixture
def stored(tmp_path):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
    events = session(1000.0, "horaires de la piscine ?") + session(9000.0, "horaires piscine")
    asyncio.run(store.save(DialogueStateTracker.from_events("citizen-1", events, DOMAIN.slots)))
    yield store, f"sqlite:///{path}", path
    store.engine.dispose()


def rasas_story(trackers: list) -> str:
    steps = []
    for number, tracker in enumerate(trackers, 1):
        tracker.sender_id = "citizen-1" + (f", story {number}" if len(trackers) > 1 else "")
        steps += tracker.as_story().story_steps
    return YAMLStoryWriter().dumps(steps, is_test_story=True)


def test_the_last_session_is_rasas_story(stored, capsys):
    store, url, _ = stored
    assert story.main(["citizen-1", "--url", url]) == 0
    printed = capsys.readouterr().out
    assert printed == rasas_story([asyncio.run(store.retrieve("citizen-1"))])
    assert "horaires pisc" in printed and "horaires de la" not in printed  # last session
    steps = YAMLStoryReader(DOMAIN).read_from_string(printed)
    assert steps and "action_ask_hours" in printed and "intent: ask_hours" in printed


def test_every_session_with_all_sessions(stored, capsys):
    store, url, _ = stored
    assert story.main(["citizen-1", "--url", url, "--all-sessions"]) == 0
    printed = capsys.readouterr().out
    full = asyncio.run(store.retrieve_full_tracker("citizen-1"))
    assert printed == rasas_story(get_trackers_for_conversation_sessions(full))
    assert "citizen-1, story 2" in printed


def test_the_file_is_only_read(stored, capsys):
    store, url, path = stored
    store.engine.dispose()
    before = sorted(p.name for p in path.parent.iterdir()), path.stat().st_mtime_ns
    assert story.main(["citizen-1", "--url", url]) == 0
    assert (sorted(p.name for p in path.parent.iterdir()), path.stat().st_mtime_ns) == before


@pytest.mark.parametrize("sender, url, code, said", [
    ("nobody", None, 1, "no conversation 'nobody'"),
    ("x" * (MAX_SENDER_CHARS + 1), None, 2, "1 to 255 characters"),
    ("citizen-1", "sqlite:///{missing}", 2, "does not exist"),
    ("citizen-1", "mysql://host/db", 2, "not mysql"),
    ("citizen-1", "not a url", 2, "not a database URL"),
])
def test_problems_are_said_in_one_line(stored, capsys, tmp_path, sender, url, code, said):
    _, stored_url, _ = stored
    url = (url or stored_url).format(missing=tmp_path / "none.db")
    assert story.main([sender, "--url", url]) == code
    assert said in capsys.readouterr().err


def test_a_real_postgresql_read_only_by_either_scheme(capsys):
    """The same URL as the rasa servers' (postgres:// is rasa's alias too); nothing written."""
    import sqlalchemy as sa

    from rasa_extensions.url_tracker_store import URLTrackerStore
    from tests.support import postgres_server
    from trainers.stored_events import read_only_engine

    if not postgres_server.available():
        pytest.skip("PostgreSQL is not installed (make test-deps installs it)")
    with postgres_server.postgres_server() as postgres:
        store = URLTrackerStore(DOMAIN, url=postgres.url)
        events = session(1000.0, "horaires de la piscine ?")
        asyncio.run(store.save(DialogueStateTracker.from_events("citizen-1", events,
                                                                DOMAIN.slots)))
        expected = rasas_story([asyncio.run(store.retrieve("citizen-1"))])
        store.engine.dispose()
        for url in (postgres.url, postgres.url.replace("postgresql://", "postgres://", 1)):
            assert story.main(["citizen-1", "--url", url]) == 0
            assert capsys.readouterr().out == expected
        engine = read_only_engine(postgres.url)
        with pytest.raises(sa.exc.InternalError, match="read-only transaction"):
            with engine.begin() as connection:
                connection.execute(sa.text("DELETE FROM events"))
        engine.dispose()
