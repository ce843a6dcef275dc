"""What every thin action does with the tracker and the dispatcher (rasa_sdk side only)."""

from __future__ import annotations

from typing import List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import Answer


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    """Values of `entity` in the latest user message, in order."""
    entities = (tracker.latest_message or {}).get("entities") or []
    return [str(item["value"]) for item in entities
            if item.get("entity") == entity and item.get("value")]


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def send(dispatcher: CollectingDispatcher, answer: Answer) -> List[EventType]:
    """Sends the answer's text and buttons; returns the slot events it asks for."""
    dispatcher.utter_message(text=answer.text, buttons=answer.button_dicts())
    return [SlotSet(name, value) for name, value in answer.slots.items()]
