"""A French answer instead of silence when a part of the assistant fails during a turn:
rasa_extensions/turn_failures.py, around rasa's own Agent and RemoteAction."""

from __future__ import annotations

import asyncio
import logging

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from rasa_extensions import turn_failures
from rasa_extensions.ticket_lock_store import TicketLockStore
from tests.support.servers import free_port


@pytest.fixture
def installed():
    turn_failures.install()
    yield
    turn_failures.uninstall()


def run(coroutine):
    return asyncio.new_event_loop().run_until_complete(coroutine)


class FailingProcessor:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    async def handle_message(self, message):
        raise self.error


def agent_with(tmp_path, monkeypatch, processor, **lock_settings) -> Agent:
    agent = Agent(lock_store=TicketLockStore(url=f"sqlite:///{tmp_path}/l.db", **lock_settings))
    agent.processor = processor
    monkeypatch.setattr(Agent, "is_ready", lambda self: True)
    return agent


def test_a_message_that_waits_too_long_is_answered_send_it_again(tmp_path, monkeypatch,
                                                                  installed):
    agent = agent_with(tmp_path, monkeypatch, FailingProcessor(AssertionError("not handled")),
                       max_wait_seconds=0.2)

    async def scenario():
        async with agent.lock_store.lock("citizen-fr"):  # a turn that does not end in time
            channel = CollectingOutputChannel()
            answers = await agent.handle_message(UserMessage("encore moi", channel,
                                                             "citizen-fr"))
            return answers, channel.messages

    answers, sent = run(scenario())
    assert [m["text"] for m in sent] == [turn_failures.BUSY_ANSWER] and answers == sent


@pytest.mark.parametrize("error", ["database", "redis", "lock"])
def test_a_failing_store_gets_the_apology_and_a_log_line(error, tmp_path, monkeypatch,
                                                         installed, caplog):
    import redis.exceptions
    import sqlalchemy.exc
    from rasa.core.lock_store import LockError

    raised = {"database": sqlalchemy.exc.OperationalError("SELECT", {}, Exception("gone")),
              "redis": redis.exceptions.ConnectionError("Connection refused"),
              "lock": LockError("Could not issue a lock ticket")}[error]
    agent = agent_with(tmp_path, monkeypatch, FailingProcessor(raised))
    channel = CollectingOutputChannel()
    with caplog.at_level(logging.ERROR):
        answers = run(agent.handle_message(UserMessage("bonjour", channel, "citizen-42")))
    assert [m["text"] for m in answers] == [turn_failures.PROBLEM_ANSWER]
    assert "Message of conversation citizen-42 not handled" in caplog.text


def test_other_errors_are_not_hidden(tmp_path, monkeypatch, installed):
    agent = agent_with(tmp_path, monkeypatch, FailingProcessor(ValueError("a bug")))
    with pytest.raises(ValueError):
        run(agent.handle_message(UserMessage("bonjour", CollectingOutputChannel(), "c")))


def test_an_unreachable_action_server_gives_the_apology(installed, caplog):
    from rasa.core.actions.action import RemoteAction
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    domain = Domain.from_dict({"actions": ["action_service_hours"]})
    action = RemoteAction("action_service_hours",
                          EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook"))
    tracker = DialogueStateTracker.from_events("citizen-7", [])
    with caplog.at_level(logging.ERROR):
        events = run(action.run(CollectingOutputChannel(),
                                TemplatedNaturalLanguageGenerator({}), tracker, domain))
    assert [type(e) for e in events] == [BotUttered]
    assert events[0].text == turn_failures.ACTION_PROBLEM_ANSWER
    assert "Custom action action_service_hours failed for conversation citizen-7" in caplog.text


def test_a_failing_tracker_store_is_not_replaced_by_an_empty_in_memory_one(installed):
    import sqlalchemy.exc
    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    class Down(InMemoryTrackerStore):
        async def retrieve(self, sender_id):
            raise sqlalchemy.exc.OperationalError("SELECT", {}, Exception("down"))

        async def save(self, tracker):
            raise sqlalchemy.exc.OperationalError("INSERT", {}, Exception("down"))

    store = FailSafeTrackerStore(Down(Domain.empty()))
    with pytest.raises(sqlalchemy.exc.OperationalError):
        run(store.retrieve("citizen"))  # rasa: None, i.e. a new empty conversation
    with pytest.raises(sqlalchemy.exc.OperationalError):
        run(store.save(DialogueStateTracker.from_events("citizen", [])))  # rasa: kept in memory
