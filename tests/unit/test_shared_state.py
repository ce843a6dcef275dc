"""The channels' memory shared by rasa processes: connectors/shared_state.py and its users.

Each test runs on the three back ends: this process's memory, a SQLite file, a real Redis.
"""

from __future__ import annotations

import time

import pytest

from connectors import shared_state
from connectors.buttons import Choice
from connectors.facebook import ThreadOwners
from connectors.once_only import RecentIds
from connectors.x import ChoiceMemory, HumanPause
from tests.support.processes import run_together, shared_list


@pytest.fixture(params=["memory", "sqlite", "redis"])
def values(request, tmp_path):
    if request.param == "memory":
        return shared_state.MemoryValues()
    if request.param == "sqlite":
        return shared_state.SQLiteValues(str(tmp_path / "locks.db"))
    return shared_state.RedisValues(request.getfixturevalue("redis_url"),
                                    prefix=f"test:{time.monotonic_ns()}:")


def test_add_stores_once_until_the_key_expires(values):
    assert values.add("a", "1", 0.3) and not values.add("a", "2", 0.3)
    assert values.get("a") == "1"
    time.sleep(0.4)
    assert values.get("a") is None and values.add("a", "3", 10) and values.get("a") == "3"


def test_set_get_delete_and_keys_without_lifetime(values):
    values.set("owner", "app-1", None)
    values.set("owner", "app-2", None)
    assert values.get("owner") == "app-2"
    assert not values.add("owner", "app-3", 5)  # no lifetime: never expired
    assert values.delete("owner") and not values.delete("owner")
    assert values.get("owner") is None


def test_the_channels_memories_on_each_back_end(values):
    seen = RecentIds(values=values, namespace="x:seen:")
    assert seen.first_time("m1") and not seen.first_time("m1") and seen.first_time(None)
    assert "m1" in seen and "m2" not in seen
    seen.remember("m2")
    assert "m2" in seen

    pauses = HumanPause(values=values)
    assert pauses.remaining("42") == 0
    pauses.pause("42", 60)
    assert 58 < pauses.remaining("42") <= 60

    choices = ChoiceMemory(ttl=60, values=values)
    listed = [Choice("postback", "Horaires", "/ask_hours"), Choice("web_url", "Site", url="x")]
    choices.remember("42", listed)
    assert choices.get("42") == listed
    choices.forget("42")
    assert choices.get("42") == []

    threads = ThreadOwners(values=values)
    threads.give("7", "263902037430900", "test")
    assert threads.owned_by_other("7") and threads.owner("7") == "263902037430900"
    threads.back_to_bot("7", "test")
    assert not threads.owned_by_other("7")


def _first_times(url: str, keys: list, results, barrier) -> None:
    seen = RecentIds(values=shared_state.for_channels(url), namespace="messenger:seen:")
    barrier.wait()
    results.extend([key for key in keys if seen.first_time(key)])


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_redelivery_to_another_process_is_recognised(kind, tmp_path, request):
    """Four processes receive the same 200 events at once: each is handled exactly once."""
    url = (f"sqlite:///{tmp_path}/locks.db" if kind == "sqlite"
           else request.getfixturevalue("redis_url"))
    keys = [f"mid-{kind}-{n}" for n in range(200)]
    results = shared_list()
    run_together(_first_times, url, keys, results, timeout=60)
    assert sorted(results) == sorted(keys)


def test_the_memory_back_end_is_bounded():
    values = shared_state.MemoryValues(max_size=3)
    for key in "abcd":
        values.set(key, "1", None)
    assert len(values) == 3 and values.get("a") is None and values.get("d") == "1"


def test_the_sqlite_back_end_drops_expired_and_excess_keys(tmp_path, monkeypatch):
    values = shared_state.SQLiteValues(str(tmp_path / "locks.db"), max_size=50)
    monkeypatch.setattr(shared_state.SQLiteValues, "PURGE_EVERY", 100)
    for n in range(200):
        values.set(f"old-{n}", "1", 0.001 if n < 100 else 60)
    time.sleep(0.01)
    for n in range(100):
        values.add(f"new-{n}", "1", 60)
    count = values._connection().execute("SELECT COUNT(*) FROM channel_memory").fetchone()[0]
    assert count <= 50 + shared_state.SQLiteValues.PURGE_EVERY


def test_the_back_end_follows_lock_store_url(tmp_path, monkeypatch):
    monkeypatch.setattr(shared_state, "_shared", {})
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    assert shared_state.for_channels() is None
    monkeypatch.setenv("LOCK_STORE_URL", f"sqlite:///{tmp_path}/l.db")
    assert isinstance(shared_state.for_channels(), shared_state.SQLiteValues)
    assert shared_state.for_channels() is shared_state.for_channels()
    monkeypatch.setenv("LOCK_STORE_URL", "redis://127.0.0.1:1/1")
    assert isinstance(shared_state.for_channels(), shared_state.RedisValues)
    monkeypatch.setenv("LOCK_STORE_URL", "ftp://nowhere")
    with pytest.raises(ValueError):
        shared_state.for_channels()
