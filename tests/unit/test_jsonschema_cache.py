"""The cached `jsonschema.validate` (rasa_extensions/jsonschema_cache.py) refuses exactly what rasa
refused before: an action server's invalid answer, a bad event, a bad schema."""

from __future__ import annotations

import copy

import jsonschema
import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_extensions import jsonschema_cache

VALID_ANSWER = {
    "events": [{"event": "slot", "name": "service", "value": "population", "timestamp": None}],
    "responses": [{"text": "La Population est ouverte."}],
}
INVALID_ANSWERS = [
    {"events": [{"event": "slot", "name": "service"}], "responses": "pas une liste"},
    {"events": [{"event": "slot", "value": "population"}]},  # a slot event without its name
    {"events": [{"event": "no_such_event"}]},
    {"events": {"event": "slot"}},
    {"responses": [42]},
]


@pytest.fixture
def cached():
    jsonschema_cache.install()
    yield
    jsonschema_cache.uninstall()


def outcome(instance, schema):
    try:
        jsonschema.validate(instance, schema)
        return None
    except jsonschema.ValidationError as error:
        return (error.message, list(error.absolute_path), error.validator)


@pytest.mark.parametrize("answer", [VALID_ANSWER, *INVALID_ANSWERS])
def test_same_verdict_and_error_as_jsonschema(answer):
    schema = RemoteAction.action_response_format_spec()
    before = outcome(answer, schema)
    jsonschema_cache.install()
    try:
        assert outcome(answer, RemoteAction.action_response_format_spec()) == before
        # and again, now from the cache
        assert outcome(copy.deepcopy(answer), RemoteAction.action_response_format_spec()) == before
    finally:
        jsonschema_cache.uninstall()
    assert (before is None) == (answer is VALID_ANSWER)


def test_a_bad_schema_is_refused_every_time(cached):
    bad_schema = {"type": "no-such-type"}
    for _ in range(2):
        with pytest.raises(jsonschema.SchemaError):
            jsonschema.validate({}, bad_schema)


def test_the_cache_is_bounded(cached):
    for n in range(jsonschema_cache._MAX_SCHEMAS * 2):
        jsonschema.validate(n, {"type": "integer", "maximum": n})
    assert len(jsonschema_cache._validators) == jsonschema_cache._MAX_SCHEMAS
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(5, {"type": "integer", "maximum": 4})


def test_validator_options_are_passed_on(cached):
    checker = jsonschema.FormatChecker()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("pas une date", {"type": "string", "format": "date"},
                            format_checker=checker)


async def run_remote_action(answer, unused_tcp_port):
    """rasa's RemoteAction against a real HTTP server on 127.0.0.1 giving `answer`: the
    events it returns (the bot's messages included) and what reached the channel."""
    async def webhook(request):
        return web.json_response(answer)

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", unused_tcp_port)
    await site.start()
    try:
        domain = Domain.from_dict({"slots": {"service": {
            "type": "text", "mappings": [{"type": "custom"}]}}})
        action = RemoteAction("action_ask_hours", EndpointConfig(
            f"http://127.0.0.1:{unused_tcp_port}/webhook"))
        channel = CollectingOutputChannel()
        events = await action.run(channel, TemplatedNaturalLanguageGenerator({}),
                                  DialogueStateTracker("citizen", domain.slots), domain)
        return events, channel.messages
    finally:
        await runner.cleanup()


async def test_rasa_still_refuses_an_invalid_action_server_answer(cached, unused_tcp_port):
    for answer in INVALID_ANSWERS:
        with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server"):
            await run_remote_action(answer, unused_tcp_port)


async def test_rasa_takes_a_valid_action_server_answer(cached, unused_tcp_port):
    events, _ = await run_remote_action(VALID_ANSWER, unused_tcp_port)
    assert SlotSet("service", "population") in events
    assert [e.text for e in events if isinstance(e, BotUttered)] == ["La Population est ouverte."]
