"""The conversation lock store shared by processes: rasa_extensions/ticket_lock_store.py.

Each test runs on both back ends: a SQLite file and a real redis-server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from rasa_extensions.ticket_lock_store import LockWaitGaveUp, TicketLockStore, tickets_for
from tests.support.processes import run_together


@pytest.fixture(params=["sqlite", "redis"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/locks.db"
    return request.getfixturevalue("redis_url")


def run(coroutine):
    return asyncio.new_event_loop().run_until_complete(coroutine)


def test_messages_of_one_conversation_run_one_at_a_time_in_arrival_order(url):
    store = TicketLockStore(url=url)
    log = []

    async def turn(number: int) -> None:
        await asyncio.sleep(number * 0.002)  # arrivals in this order
        async with store.lock("citizen-order"):
            log.append(("start", number))
            await asyncio.sleep(0.02)
            log.append(("end", number))

    async def all_turns() -> None:
        await asyncio.gather(*(turn(n) for n in range(6)))

    run(all_turns())
    assert log == [(event, n) for n in range(6) for event in ("start", "end")]


def test_different_conversations_do_not_wait_for_each_other(url):
    store = TicketLockStore(url=url)

    async def turn(sender: str) -> None:
        async with store.lock(sender):
            await asyncio.sleep(0.3)

    async def all_turns() -> float:
        started = time.monotonic()
        await asyncio.gather(*(turn(f"citizen-{n}") for n in range(5)))
        return time.monotonic() - started

    assert run(all_turns()) < 1.0  # 5 × 0.3 s in a row would be 1.5 s


def test_a_slow_turn_keeps_its_lock_past_its_lease(url):
    store = TicketLockStore(url=url, lease_seconds=0.3)
    log = []

    async def slow() -> None:
        async with store.lock("citizen-slow"):
            log.append("slow starts")
            await asyncio.sleep(1.2)  # four leases: renewed meanwhile
            log.append("slow ends")

    async def next_message() -> None:
        await asyncio.sleep(0.05)
        async with store.lock("citizen-slow"):
            log.append("next starts")

    async def both() -> None:
        await asyncio.gather(slow(), next_message())

    run(both())
    assert log == ["slow starts", "slow ends", "next starts"]


def test_the_ticket_of_a_dead_process_lapses_after_one_lease(url):
    store = TicketLockStore(url=url, lease_seconds=0.4)
    store.tickets.issue("citizen-crash", 0.4)  # taken, then never renewed nor released

    async def next_message() -> float:
        started = time.monotonic()
        async with store.lock("citizen-crash"):
            return time.monotonic() - started

    waited = run(next_message())
    assert 0.2 < waited < 1.5


def test_a_waiter_gives_up_after_the_bounded_wait(url):
    store = TicketLockStore(url=url, max_wait_seconds=0.3)

    async def holder() -> None:
        async with store.lock("citizen-busy"):
            await asyncio.sleep(1.0)

    async def waiter() -> None:
        await asyncio.sleep(0.05)
        async with store.lock("citizen-busy"):
            pass

    async def both() -> None:
        hold = asyncio.ensure_future(holder())
        with pytest.raises(LockWaitGaveUp):
            await waiter()
        await hold
        async with store.lock("citizen-busy"):  # the give-up left no ticket behind
            pass

    run(both())
    assert not store.is_someone_waiting("citizen-busy")


def _add_under_lock(url: str, counter: str, rounds: int, barrier) -> None:
    """A turn as rasa's: read the state, work, write it back (a lost update shows a race)."""
    store = TicketLockStore(url=url)
    barrier.wait()

    async def turns() -> None:
        for _ in range(rounds):
            async with store.lock("citizen-shared"):
                value = int(Path(counter).read_text())
                await asyncio.sleep(0.001)
                Path(counter).write_text(str(value + 1))

    asyncio.new_event_loop().run_until_complete(turns())


def test_processes_never_hold_a_conversation_at_once(url, tmp_path):
    counter = tmp_path / "counter"
    counter.write_text("0")
    run_together(_add_under_lock, url, str(counter), 25)
    assert counter.read_text() == "100"


def test_rasa_loads_it_from_endpoints_and_allows_several_workers(url, monkeypatch):
    from rasa.core.lock_store import LockStore
    from rasa.core.utils import number_of_sanic_workers
    from rasa.utils.endpoints import EndpointConfig

    config = EndpointConfig(url=url, type="rasa_extensions.ticket_lock_store.TicketLockStore",
                            max_wait_seconds=5)
    store = LockStore.create(config)
    assert isinstance(store, TicketLockStore) and store.max_wait == 5
    monkeypatch.setenv("SANIC_WORKERS", "2")
    assert number_of_sanic_workers(config) == 2


@pytest.mark.parametrize("bad", ["sqlite://", "postgresql://x/y", "locks.db", ""])
def test_a_wrong_url_is_refused_with_its_reason(bad, monkeypatch):
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    with pytest.raises(ValueError):
        TicketLockStore(url=bad) if bad else TicketLockStore()
    with pytest.raises(ValueError):
        tickets_for(bad or "nothing")


def test_an_unreachable_redis_is_a_lock_error_not_a_hang():
    from rasa.core.lock_store import LockError

    from tests.support.servers import free_port

    store = TicketLockStore(url=f"redis://127.0.0.1:{free_port()}/1")

    async def turn() -> None:
        async with store.lock("citizen"):
            pass

    started = time.monotonic()
    with pytest.raises(LockError):
        run(turn())
    assert time.monotonic() - started < 10


def test_a_waiter_whose_ticket_lapsed_queues_again_and_releases_its_new_ticket(url):
    store = TicketLockStore(url=url, lease_seconds=0.3)
    holder = store.tickets.issue("citizen-stall", 0.3)  # a holder that renews by hand
    stale = store.tickets.issue("citizen-stall", 0.3)   # a waiter stalled past its lease

    async def scenario() -> None:
        for _ in range(4):  # the holder keeps its lease; the stalled waiter's lapses
            await asyncio.sleep(0.15)
            store.tickets.look("citizen-stall", holder, 0.3)
        store.tickets.release("citizen-stall", holder)
        held = [stale]
        await store._wait_for_turn("citizen-stall", held)
        assert held[0] != stale  # queued again, behind nobody now
        store.tickets.release("citizen-stall", held[0])

    run(scenario())
    assert not store.is_someone_waiting("citizen-stall")
