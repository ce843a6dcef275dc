"""Two rasa workers on one port (`make run`'s default): a conversation's messages that arrive
at the same moment, on different connections and so different workers, are each handled
once, one after the other (rasa_extensions/ticket_lock_store.py on SQLite)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support import servers

PAIRS = [("horaires de la piscine de Jonfosse", "et le samedi ?"),
         ("comment renouveler ma carte d'identité ?", "c'est combien ?"),
         ("Bonjour", "merci")]


@pytest.fixture(scope="module")
def two_workers(servers_dir, action_server):
    env = {"SANIC_WORKERS": "2", "CORS_ORIGINS": "http://localhost:1"}
    with servers.rasa_server(servers_dir / "workers", action_server.url, env=env) as server:
        yield server


def children(pid: int) -> list:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        found += Path(f"/proc/{pid}/task/{task}/children").read_text().split()
    return found


def turns(events: list) -> list:
    """The user messages in order, each with the actions of its turn."""
    result = []
    for event in events:
        if event["event"] == "user":
            result.append((event["text"], []))
        elif event["event"] == "action" and result:
            result[-1][1].append(event["name"])
    return result


def test_simultaneous_messages_of_a_conversation_are_each_handled_once_in_turn(two_workers):
    assert len(children(two_workers.process.pid)) == 2  # Sanic's two workers
    conversations = [(f"workers-{n}", PAIRS[n % len(PAIRS)]) for n in range(24)]

    def send(sender: str, text: str) -> list:
        return servers.rest_send(two_workers.url, sender, text, timeout=60)

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda job: send(*job),
                                [(sender, text) for sender, pair in conversations
                                 for text in pair]))
    assert all(answers), "every message gets an answer"

    for sender, pair in conversations:
        events = servers.tracker(two_workers.url, sender)["events"]
        handled = turns(events)
        assert sorted(text for text, _ in handled) == sorted(pair), sender  # once each
        for text, actions in handled:
            # a whole turn, ended by action_listen, before the next message's turn starts
            assert actions and actions[-1] == "action_listen", (sender, text, actions)
