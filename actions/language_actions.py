"""Thin rasa_sdk action for messages in Dutch, English or German (actions/languages.py,
actions/foreign_answers.py; routed here by rasa_extensions/conversation_language.py)."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import clock, foreign_answers
from actions.city_catalogue import get_catalogue
from actions.dispatch import entity_values, send
from actions.languages import SERVED, Question, texts_for, understand

# A button's payload in a conversation held in another language: its French intent says the topic.
PAYLOAD_TOPICS = {"ask_hours": "hours", "ask_contact": "contact", "greet": "greeting",
                  "help": "greeting", "thank": "thanks"}


def payload_question(tracker: Tracker) -> Question:
    intent = ((tracker.latest_message or {}).get("french_intent") or {}).get("name")
    services = entity_values(tracker, "service")
    return Question(PAYLOAD_TOPICS.get(intent, "other"), services[0] if services else None)


class ActionAnswerInLanguage(Action):
    """A message in Dutch, English or German, answered in that language."""

    def name(self) -> Text:
        return "action_answer_in_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        latest = tracker.latest_message or {}
        code = latest.get("language")
        if code not in SERVED:  # not routed here by the language step: French help instead
            dispatcher.utter_message(response="utter_help")
            return []
        texts, services = texts_for(code), get_catalogue().services
        text = latest.get("text") or ""
        question = (payload_question(tracker) if text.startswith("/")
                    else understand(text, code, services))
        return send(dispatcher, foreign_answers.answer(texts, services, question, clock.now()))
