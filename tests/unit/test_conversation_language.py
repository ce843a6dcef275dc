"""rasa_extensions/conversation_language.py: the conversation's language remembered from turn
to turn, and messages in another language routed to the answers in that language; through
rasa's own MessageProcessor with a stand-in NLU."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import UserUttered

from rasa_extensions import conversation_language as cl


def parse(text: str, language, intent: str = "ask_hours") -> dict:
    return {"text": text, "intent": {"name": intent, "confidence": 0.8}, "entities": [],
            "intent_ranking": [{"name": intent, "confidence": 0.8}], "language": language}


@pytest.mark.parametrize("detected, intent, previous, expected", [
    ("nl", "ask_hours", "fr", "nl"),      # Dutch detected
    (None, "affirm", "nl", "nl"),         # "ok" in a Dutch conversation stays Dutch
    ("fr", "ask_hours", "nl", "fr"),      # French again
    (None, "speak_french", "de", "fr"),   # the "Continuer en français" button
    (None, "greet", "fr", "fr"),
    ("en", "greet", "de", "en"),
])
def test_the_conversations_language(detected, intent, previous, expected):
    assert cl.conversation_language(detected, intent, previous) == expected


def test_a_foreign_message_is_routed_with_its_french_intent_kept():
    routed = cl.routed(parse("Wanneer is het zwembad open?", "nl"), "fr")
    assert routed["intent"] == {"name": "other_language", "confidence": 1.0}
    assert routed["french_intent"]["name"] == "ask_hours"
    assert routed["intent_ranking"][0]["name"] == "other_language"
    assert routed["language"] == "nl" and routed["detected_language"] == "nl"


def test_a_french_message_is_left_as_it_was():
    original = parse("horaires de la piscine", "fr")
    routed = cl.routed(original, "nl")
    assert routed["intent"] == original["intent"] and routed["language"] == "fr"
    assert "french_intent" not in routed and original["language"] == "fr"  # not mutated


def test_the_previous_language_is_the_last_user_messages():
    events = [UserUttered("hallo", parse_data=parse("hallo", "nl") | {"language": "nl"}),
              UserUttered("x")]  # an old event without language: French
    assert cl.previous_language(events) == "fr"
    assert cl.previous_language(events[:1]) == "nl"
    assert cl.previous_language([]) == "fr"


class FakeProcessor:
    """The two processor methods the module wraps, rasa's own code around a stand-in NLU."""

    def __init__(self, languages):
        self.languages = iter(languages)

    async def parse_message(self, message, tracker=None, only_output_properties=True):
        text = message.text
        intent = text[1:] if text.startswith("/") else "ask_hours"
        return parse(text, next(self.languages), intent)


def test_through_rasas_processor_the_language_is_remembered_and_the_widget_told(monkeypatch):
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    monkeypatch.setattr(MessageProcessor, "parse_message", FakeProcessor.parse_message)
    cl.uninstall()
    cl.install()
    try:
        processor = object.__new__(MessageProcessor)
        processor.languages = iter(["nl", None, "fr", None])
        processor.domain = Domain.empty()
        tracker = DialogueStateTracker("citizen", [])
        said = []
        for text in ("Wanneer is het zwembad open?", "ok", "horaires piscine", "ok"):
            output = CollectingOutputChannel()
            asyncio.run(processor._handle_message_with_tracker(
                UserMessage(text, output, "citizen"), tracker))
            said.append((tracker.latest_message.intent["name"],
                         tracker.latest_message.parse_data["language"], output.messages))
    finally:
        cl.uninstall()
    assert [(intent, language) for intent, language, _ in said] == [
        ("other_language", "nl"), ("other_language", "nl"), ("ask_hours", "fr"),
        ("ask_hours", "fr")]
    markers = [[m.get("custom") for m in messages] for _, _, messages in said]
    assert markers[0][0]["language"] == "nl-BE" and markers[0][0]["placeholder"]
    assert markers[1] == [] and markers[2] == [{"language": "fr"}] and markers[3] == []


def test_socket_io_gets_the_marker_under_data_as_its_emit_needs():
    from rasa.core.channels.socketio import SocketIOOutput

    emitted = []

    class Server:
        async def emit(self, event, data=None, room=None):  # python-socketio's signature
            emitted.append((event, data, room))

    output = SocketIOOutput(Server(), "bot_uttered")
    marker = cl.language_marker("en")
    asyncio.run(output.send_custom_json("citizen", cl.for_channel(output, marker)))
    assert emitted == [("bot_uttered", marker, "citizen")]
    assert cl.for_channel(CollectingOutputChannel(), marker) == marker
