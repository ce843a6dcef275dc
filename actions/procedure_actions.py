"""Thin rasa_sdk actions for procedure questions: ask_procedure and the aspect intents.

Each reads the tracker (entities of the latest message, the `procedure` and `service` slots,
the text), calls `actions.combined_answers.answer_procedure_turn` (the FAQ entry of a precise
question, or every aspect the message asks) and sends what it returns.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import clock
from actions.dispatch import entity_values, latest_text, send
from actions.city_catalogue import CatalogueError, get_catalogue
from actions.combined_answers import answer_procedure_turn
from actions.procedure_answers import CITY_WEB

logger = logging.getLogger(__name__)


class ActionAskProcedure(Action):
    """action_ask_procedure; its subclasses answer one aspect each (action_ask_<aspect>)."""

    aspect = "procedure"

    def name(self) -> Text:
        return f"action_ask_{self.aspect}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        try:
            catalogue = get_catalogue()
        except CatalogueError:
            logger.exception("catalogue invalid: cannot answer %s", self.name())
            dispatcher.utter_message(
                text="Désolé, je ne peux pas répondre pour le moment. "
                     f"Vous trouverez les démarches sur {CITY_WEB}.")
            return []
        services = entity_values(tracker, "service")
        answer = answer_procedure_turn(
            self.aspect, catalogue,
            entity_values=entity_values(tracker, "procedure"),
            slot_value=tracker.get_slot("procedure"),
            text=latest_text(tracker),
            service_value=services[0] if services else None,
            now=clock.now(),
        )
        return send(dispatcher, answer, tracker)


class ActionAskPrice(ActionAskProcedure):
    aspect = "price"


class ActionAskDocuments(ActionAskProcedure):
    aspect = "documents"


class ActionAskDelay(ActionAskProcedure):
    aspect = "delay"


class ActionAskAppointment(ActionAskProcedure):
    aspect = "appointment"


class ActionAskOnline(ActionAskProcedure):
    aspect = "online"
