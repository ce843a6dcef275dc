"""A conversation's messages that arrive at the same moment through different rasa processes
are each handled once, one after the other, with the context of the previous one:

- two workers on one port (`make run`'s default): SQLite tracker store, SQLite locks;
- two rasa servers (`make cluster`): real PostgreSQL and Redis, one message of each pair
  sent to each server.

The lock store is rasa_extensions/ticket_lock_store.py. bench/bench_lock_race.py runs the same
scenario with rasa's own RedisLockStore, which loses or interleaves turns.
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from tests.support import postgres_server, redis_server, servers

# Each pair: a question, then a follow-up that needs its context (slots).
PAIRS = [("horaires de la piscine de Jonfosse", "et le samedi ?"),
         ("comment renouveler ma carte d'identité ?", "c'est combien ?"),
         ("Bonjour", "merci")]


def children(pid: int) -> list:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        found += Path(f"/proc/{pid}/task/{task}/children").read_text().split()
    return found


def turns(events: list) -> List[Tuple[str, List[str]]]:
    """The user messages in order, each with the actions of its turn."""
    result: List[Tuple[str, List[str]]] = []
    for event in events:
        if event["event"] == "user":
            result.append((event["text"], []))
        elif event["event"] == "action" and result:
            result[-1][1].append(event["name"])
    return result


def send_pairs(urls: List[str], prefix: str,
               conversations: int) -> Tuple[Dict[str, tuple], int]:
    """Sends each conversation's pair at once, the first message to urls[0], the second to
    urls[-1]; returns {sender: pair} and the number of messages left without an answer."""
    pairs = {f"{prefix}-{n}": PAIRS[n % len(PAIRS)] for n in range(conversations)}
    jobs = [(urls[index % len(urls)], sender, text)
            for sender, pair in pairs.items() for index, text in enumerate(pair)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda job: answer_or_none(*job), jobs))
    return pairs, sum(not answer for answer in answers)


def answer_or_none(url: str, sender: str, text: str) -> Optional[list]:
    """The answer, or None when the server fails or has not answered within 90 s."""
    try:
        return servers.rest_send(url, sender, text, timeout=90)
    except OSError:  # URLError, an HTTP error status, a timeout
        return None


def check_each_handled_once_in_turn(url: str, pairs: Dict[str, tuple]) -> None:
    for sender, pair in pairs.items():
        tracker = servers.tracker(url, sender)
        handled = turns(tracker["events"])
        assert sorted(text for text, _ in handled) == sorted(pair), sender  # once each
        for text, actions in handled:
            # a whole turn, ended by action_listen, before the next message's turn starts
            assert actions and actions[-1] == "action_listen", (sender, text, actions)
        if pair[0].startswith("horaires"):  # the slot the first turn set is still there
            assert tracker["slots"].get("service") == "piscine", sender


def test_two_workers_on_one_port(servers_dir, action_server):
    env = {"SANIC_WORKERS": "2", "CORS_ORIGINS": "http://localhost:1"}
    with servers.rasa_server(servers_dir / "workers", action_server.url, env=env) as server:
        assert len(children(server.process.pid)) == 2  # Sanic's two workers
        pairs, unanswered = send_pairs([server.url], "workers", 24)
        assert unanswered == 0
        check_each_handled_once_in_turn(server.url, pairs)


@pytest.fixture(scope="module")
def shared_stores(tmp_path_factory):
    """PostgreSQL and Redis, as `make cluster` runs them."""
    if not (postgres_server.available() and redis_server.available()):
        pytest.skip("PostgreSQL or redis-server is not installed (make test-deps)")
    with postgres_server.postgres_server() as postgres, \
            redis_server.redis_server(tmp_path_factory.mktemp("redis")) as redis_url:
        yield {"TRACKER_STORE_URL": postgres.url, "LOCK_STORE_URL": redis_url,
               "postgres": postgres}


@contextlib.contextmanager
def two_servers(workdir: Path, action_url: str, stores: dict):
    env = {"TRACKER_STORE_URL": stores["TRACKER_STORE_URL"],
           "LOCK_STORE_URL": stores["LOCK_STORE_URL"], "CORS_ORIGINS": "http://localhost:1"}
    with servers.rasa_server(workdir, action_url, env=env) as first, \
            servers.rasa_server(workdir, action_url, env=env) as second:
        yield first, second


def test_two_servers_on_postgresql_and_redis(servers_dir, action_server, shared_stores):
    with two_servers(servers_dir / "cluster", action_server.url, shared_stores) as (a, b):
        pairs, unanswered = send_pairs([a.url, b.url], "cluster", 36)
        assert unanswered == 0
        check_each_handled_once_in_turn(a.url, pairs)
