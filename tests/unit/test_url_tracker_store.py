"""The tracker store named by one URL: rasa_extensions/url_tracker_store.py, on a SQLite file
and on a real PostgreSQL (Debian's, started on a free loopback port)."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_extensions.url_tracker_store import URLTrackerStore, store_arguments
from tests.support import postgres_server

DOMAIN = Domain.from_dict({"slots": {"service": {"type": "text", "mappings": []}}})


@pytest.fixture(scope="module")
def postgres():
    if not postgres_server.available():
        pytest.skip("PostgreSQL is not installed (make test-deps installs it)")
    with postgres_server.postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/tracker.db"
    return request.getfixturevalue("postgres").url


def test_rasa_creates_it_from_endpoints_and_keeps_a_conversation(url):
    config = EndpointConfig(url=url, type="rasa_extensions.url_tracker_store.URLTrackerStore")
    store = TrackerStore.create(config, domain=DOMAIN)
    assert isinstance(store, URLTrackerStore)
    tracker = DialogueStateTracker.from_events("citizen", [
        ActionExecuted("action_listen"), UserUttered("horaires de la piscine"),
        SlotSet("service", "piscine")], slots=DOMAIN.slots)

    async def round_trip():
        await store.save(tracker)
        return await store.retrieve("citizen")

    loaded = asyncio.new_event_loop().run_until_complete(round_trip())
    assert loaded.get_slot("service") == "piscine"
    assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == [
        "horaires de la piscine"]
    if url.startswith("postgresql"):
        assert store.engine.dialect.name == "postgresql"
        assert "postgres" in repr(store) and "***" in repr(store)
        assert url.split(":")[2].split("@")[0] not in repr(store)  # never the password


@pytest.mark.parametrize("bad", ["mysql://u:p@h/db", "sqlite://", "nonsense", "postgresql://h"])
def test_a_bad_url_stops_the_start_with_its_reason(bad):
    with pytest.raises(ValueError):
        store_arguments(bad)
    config = EndpointConfig(url=bad, type="rasa_extensions.url_tracker_store.URLTrackerStore")
    with pytest.raises(ValueError):  # never rasa's silent in-memory fallback
        TrackerStore.create(config, domain=DOMAIN)


def test_postgresql_url_parts_become_rasas_arguments():
    assert store_arguments("postgresql://rasa:p%40ss@db:5433/rasa?sslmode=require") == {
        "dialect": "postgresql", "host": "db", "port": 5433, "db": "rasa",
        "username": "rasa", "password": "p@ss", "query": {"sslmode": "require"}}
    assert store_arguments("sqlite:///tracker.db") == {"dialect": "sqlite", "db": "tracker.db"}
