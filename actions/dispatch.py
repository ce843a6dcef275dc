"""What every thin action does with the tracker and the dispatcher (rasa_sdk side only)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import feedback
from actions.answers import Answer


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    """Values of `entity` in the latest user message, in order."""
    entities = (tracker.latest_message or {}).get("entities") or []
    return [str(item["value"]) for item in entities
            if item.get("entity") == entity and item.get("value")]


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def send(dispatcher: CollectingDispatcher, answer: Answer, tracker: Optional[Tracker] = None,
         marks: Optional[Dict[str, Any]] = None) -> List[EventType]:
    """Sends the answer's text and buttons; returns the slot events it asks for. With the
    tracker, a catalogue answer also offers the 👍 / 👎 choices (once per topic). `marks`:
    more metadata for the stored bot message (actions/privacy.py's)."""
    events: List[EventType] = []
    if tracker is not None and answer.topic:
        answer, offered = feedback.with_choices(answer, tracker.get_slot(feedback.OFFERED_SLOT))
        events.append(SlotSet(feedback.OFFERED_SLOT, offered))
    # Extra keys end up in the stored bot message's metadata (rasa's create_bot_utterance).
    dispatcher.utter_message(text=answer.text, buttons=answer.button_dicts(),
                             **answer.metadata(), **(marks or {}))
    return [SlotSet(name, value) for name, value in answer.slots.items()] + events
