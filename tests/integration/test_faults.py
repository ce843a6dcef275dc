"""Faults with real processes: the action server, Redis or PostgreSQL goes away during the
conversations. Each message gets a normal answer or a French apology, never silence or an
error; no rasa server crashes; once the part is back, conversations go on with their context;
nothing the citizen said is lost from the tracker store except messages that got the
apology (rasa_extensions/turn_failures.py). A rasa server killed mid-conversation and the whole
cluster stopped and started are in test_make_cluster.py."""

from __future__ import annotations

import contextlib
import re
import threading
import time

import pytest

from rasa_extensions.turn_failures import ACTION_PROBLEM_ANSWER, PROBLEM_ANSWER
from tests.support import postgres_server, redis_server, servers

pytestmark = pytest.mark.integration

APOLOGIES = {ACTION_PROBLEM_ANSWER, PROBLEM_ANSWER}


def texts(answer: list) -> list:
    return [message.get("text") for message in answer]


def said(url: str, sender: str) -> list:
    return [event["text"] for event in servers.tracker(url, sender)["events"]
            if event["event"] == "user"]


def test_action_server_down_gives_the_apology_then_the_conversation_goes_on(servers_dir):
    port = servers.free_port()
    workdir = servers_dir / "fault-actions"
    with contextlib.ExitStack() as stack:
        first = stack.enter_context(servers.action_server(workdir, port=port))
        rasa = stack.enter_context(servers.rasa_server(workdir, first.url))
        chat = lambda text: texts(servers.rest_send(rasa.url, "fault-actions", text))  # noqa: E731
        assert chat("Bonjour")[0].startswith("Bonjour")

        servers.stop(first.process)  # the action server goes away
        assert chat("horaires de la piscine de Jonfosse") == [ACTION_PROBLEM_ANSWER]
        assert re.search(r"Custom action \w+ failed for conversation fault-actions",
                         rasa.log.read_text())

        stack.enter_context(servers.action_server(workdir, port=port))  # back
        answer = chat("horaires de la piscine de Jonfosse")
        assert "Jonfosse" in answer[0] and not APOLOGIES & set(answer)
        assert "Jonfosse" in chat("et c'est où ?")[0]  # with the context
        assert rasa.process.poll() is None
        assert said(rasa.url, "fault-actions") == [
            "Bonjour", "horaires de la piscine de Jonfosse", "horaires de la piscine de Jonfosse",
            "et c'est où ?"]


@pytest.fixture(scope="module")
def cluster(servers_dir, action_server):
    """Two rasa servers on a real PostgreSQL and Redis that the tests may stop and start."""
    if not (postgres_server.available() and redis_server.available()):
        pytest.skip("PostgreSQL or redis-server is not installed (make test-deps)")
    workdir = servers_dir / "fault-cluster"
    with postgres_server.postgres_server() as postgres, \
            redis_server.running_redis(workdir) as redis:
        env = {"TRACKER_STORE_URL": postgres.url, "LOCK_STORE_URL": redis.url}
        with servers.rasa_server(workdir, action_server.url, env=env) as first, \
                servers.rasa_server(workdir, action_server.url, env=env) as second:
            yield {"postgres": postgres, "redis": redis, "servers": [first, second]}


def test_redis_down_gives_the_apology_then_everything_is_normal(cluster):
    first, second = cluster["servers"]
    assert servers.rest_send(first.url, "fault-redis", "horaires de la piscine de Jonfosse")
    cluster["redis"].stop()
    try:
        assert texts(servers.rest_send(second.url, "fault-redis", "et le samedi ?")) == [
            PROBLEM_ANSWER]
    finally:
        cluster["redis"].start()
    answer = texts(servers.rest_send(second.url, "fault-redis", "et c'est où ?"))
    assert "Jonfosse" in answer[0]
    assert all(server.process.poll() is None for server in cluster["servers"])
    assert said(first.url, "fault-redis") == ["horaires de la piscine de Jonfosse",
                                              "et c'est où ?"]
    assert "Message of conversation fault-redis not handled" in second.log.read_text()


def test_postgresql_restarted_during_traffic(cluster):
    """Three citizens keep writing through both servers while PostgreSQL restarts."""
    urls = [server.url for server in cluster["servers"]]
    messages = ["horaires de la piscine de Jonfosse", "et le samedi ?", "et c'est où ?",
                "merci"] * 4
    answered: dict = {}
    apologised: dict = {}
    failures: list = []

    def citizen(number: int) -> None:
        sender = f"fault-pg-{number}"
        answered[sender], apologised[sender] = [], []
        for index, text in enumerate(messages):
            try:
                answer = texts(servers.rest_send(urls[index % 2], sender, text, timeout=60))
            except OSError as error:  # an HTTP error or no answer: what must not happen
                failures.append(f"{sender} {text!r}: {error}")
                continue
            if not answer:
                failures.append(f"{sender} {text!r}: no answer")
            elif PROBLEM_ANSWER not in answer:  # (a turn that failed at its save: its
                answered[sender].append(text)   # answers, then the apology)
            else:
                apologised[sender].append((index, text, answer))
            time.sleep(0.2)

    threads = [threading.Thread(target=citizen, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    cluster["postgres"].stop()
    time.sleep(3)
    cluster["postgres"].start()
    for thread in threads:
        thread.join(300)
    assert not failures, failures
    assert all(server.process.poll() is None for server in cluster["servers"])

    for sender, normal in answered.items():
        stored = said(urls[0], sender)
        # every message answered normally is stored, in order (apologised ones may be missing)
        remaining = iter(stored)
        assert all(text in remaining for text in normal), (sender, normal, stored,
                                                           apologised[sender])
    # and once PostgreSQL is back, a new message is answered normally
    answer = texts(servers.rest_send(urls[1], "fault-pg-0", "horaires de la piscine de Jonfosse"))
    assert "Jonfosse" in answer[0]
