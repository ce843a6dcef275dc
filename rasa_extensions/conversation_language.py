"""The conversation's language: remembered from turn to turn, and the message routed to the
answers in that language when it is not French (issue 16, docs/languages.md).

The NLU's first step (rasa_extensions/language_detection.py) says which language a message is
in, or None when it cannot tell ("ok", "dank u", a place name, a button). Here, where rasa
parses a message with the conversation's tracker at hand (`MessageProcessor.parse_message`):
- the conversation's language is the message's when it has one, else the previous message's
  (French at the start): the next turns of a Dutch speaker stay Dutch until they write French;
  the "Continuer en français" button (`/speak_french`) switches back to French;
- in Dutch, English or German, the intent becomes `other_language` (the French intent found
  by DIET is kept as `french_intent`, the entities stay: a button's payload still names its
  service), which data/rules/conversation.yml sends to `action_answer_in_language`;
- the parse data keeps `language` (the conversation's) and `detected_language` (the
  message's): stored with the message, the next turn reads the former back.
When the conversation's language changes, the channel gets, before the answer, a custom
message `{"language": "nl-BE", "placeholder": "…"}` (`{"language": "fr"}` back in French;
`for_channel`): the widget sets its `lang` attribute and input placeholder; Messenger and X
ignore it.

`install()` wraps `MessageProcessor.parse_message` and `_handle_message_with_tracker`
(scripts/rasa_cli.py installs it in every rasa process). A parse without a tracker (the HTTP
API's /model/parse) decides from the message alone.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

logger = logging.getLogger(__name__)

FRENCH = "fr"
FOREIGN_INTENT = "other_language"
SPEAK_FRENCH_INTENT = "speak_french"

_originals: Dict[str, Any] = {}


def previous_language(events: List[Any]) -> str:
    """The language of the conversation's last user message (French when there is none)."""
    for event in reversed(events):
        parse_data = getattr(event, "parse_data", None)
        if getattr(event, "type_name", "") == "user" and isinstance(parse_data, dict):
            return str(parse_data.get("language") or FRENCH)
    return FRENCH


def conversation_language(detected: Optional[str], intent: Optional[str], previous: str) -> str:
    """The language to answer in: the message's, else the conversation's so far."""
    if intent == SPEAK_FRENCH_INTENT:
        return FRENCH
    return detected or previous or FRENCH


def routed(parse_data: Dict[str, Any], previous: str) -> Dict[str, Any]:
    """`parse_data` with the conversation's language, and the foreign intent when it is not
    French (a new dict)."""
    detected = parse_data.get("language")
    intent = (parse_data.get("intent") or {}).get("name")
    language = conversation_language(detected, intent, previous)
    routed_data = dict(parse_data, language=language, detected_language=detected)
    if language != FRENCH:
        routed_data["french_intent"] = parse_data.get("intent")
        routed_data["intent"] = {"name": FOREIGN_INTENT, "confidence": 1.0}
        routed_data["intent_ranking"] = [routed_data["intent"]] + [
            item for item in parse_data.get("intent_ranking") or []
            if item.get("name") != FOREIGN_INTENT]
    return routed_data


async def parse_message(self: Any, message: Any, tracker: Any = None,
                        only_output_properties: bool = True) -> Dict[str, Any]:
    parse_data = await _originals["parse_message"](self, message, tracker,
                                                    only_output_properties)
    previous = previous_language(list(tracker.events)) if tracker is not None else FRENCH
    return routed(parse_data, previous)


def language_marker(language: str) -> Dict[str, str]:
    """The custom message telling the widget the conversation's language."""
    if language == FRENCH:
        return {"language": FRENCH}
    from actions.languages import texts_for

    texts = texts_for(language)
    return {"language": texts.html_lang, "placeholder": texts.placeholder}


async def handle_message_with_tracker(self: Any, message: Any, tracker: Any) -> None:
    previous = previous_language(list(tracker.events))
    await _originals["handle_message_with_tracker"](self, message, tracker)
    language = (tracker.latest_message.parse_data or {}).get("language") or FRENCH
    if language != previous and message.output_channel is not None:
        await message.output_channel.send_custom_json(
            message.sender_id, for_channel(message.output_channel, language_marker(language)))


def for_channel(output_channel: Any, marker: Dict[str, str]) -> Dict[str, Any]:
    """rasa's socket.io channel passes a custom message's keys to `emit()` as arguments: the
    message itself goes under `data` (it then arrives as the `bot_uttered` payload)."""
    from rasa.core.channels.socketio import SocketIOOutput

    return {"data": marker} if isinstance(output_channel, SocketIOOutput) else marker


def install() -> None:
    """Wraps rasa's processor in this process (idempotent)."""
    from rasa.core.processor import MessageProcessor

    if not _originals:
        _originals["parse_message"] = MessageProcessor.parse_message
        _originals["handle_message_with_tracker"] = MessageProcessor._handle_message_with_tracker
        MessageProcessor.parse_message = parse_message
        MessageProcessor._handle_message_with_tracker = handle_message_with_tracker


def uninstall() -> None:
    from rasa.core.processor import MessageProcessor

    if _originals:
        MessageProcessor.parse_message = _originals.pop("parse_message")
        MessageProcessor._handle_message_with_tracker = _originals.pop(
            "handle_message_with_tracker")
