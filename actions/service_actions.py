"""Thin rasa_sdk actions for service questions: action_ask_hours and action_ask_contact.

Each reads the tracker (entities of the latest message, the `service` and `site` slots, the
text), calls `actions.service_answers` with the clock's `now()` and sends what it returns.

The action server imports this module at start: the catalogue is loaded and validated then,
so an invalid catalogue stops the server with the list of problems instead of answering
citizens from half-loaded data. CITYBOT_LAZY_CATALOGUE=1 defers the load to the first
question (unit tests that build their own catalogue).
"""

from __future__ import annotations

import logging
import os
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import clock
from actions.answers import Answer
from actions.combined_answers import combine, extra_procedure_answers, service_faq_answer
from actions.dispatch import entity_values, latest_text, send
from actions.city_catalogue import CatalogueError, get_catalogue
from actions.moments import warm_up
from actions.service_answers import answer_contact, answer_hours

logger = logging.getLogger(__name__)

LAZY_ENV = "CITYBOT_LAZY_CATALOGUE"
SORRY = ("Désolé, je ne peux pas répondre pour le moment. Vous trouverez les horaires et "
         "les coordonnées des services sur https://www.liege.be.")


def _catalogue():
    """The validated catalogue (services + procedures); tests may replace this function."""
    return get_catalogue()


def _procedure_service(catalogue: Any, tracker: Tracker) -> Optional[str]:
    """The handling service of a procedure named in this message ("mon passeport samedi")."""
    procedures = getattr(catalogue, "procedures", None)
    for value in entity_values(tracker, "procedure"):
        procedure = procedures.get(value) if procedures is not None else None
        if procedure is not None:
            return getattr(procedure, "service", None)
    return None


def _precise_service_answer(catalogue: Any, tracker: Tracker) -> Optional[Answer]:
    """A precise question about the service named (or remembered), from its FAQ entries."""
    if getattr(catalogue, "faq", None) is None:
        return None
    services = entity_values(tracker, "service")
    service = services[0] if services else tracker.get_slot("service")
    return service_faq_answer(catalogue, service, latest_text(tracker))


class _ServiceAction(Action):
    """Shared run(): resolve, answer, send, remember the service (and site)."""

    action_name = ""
    answer = staticmethod(answer_hours)

    def name(self) -> Text:
        return self.action_name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        try:
            catalogue = _catalogue()
        except CatalogueError:
            logger.exception("catalogue invalid: cannot answer %s", self.name())
            dispatcher.utter_message(text=SORRY)
            return []
        precise = _precise_service_answer(catalogue, tracker)
        if precise is not None:
            return send(dispatcher, precise, tracker)
        answer: Answer = self.answer(
            catalogue.services,
            entity_values(tracker, "service"),
            tracker.get_slot("service"),
            tracker.get_slot("site"),
            latest_text(tracker),
            clock.now(),
            _procedure_service(catalogue, tracker),
        )
        # "c'est ouvert samedi et combien coûte la kids id ?": the procedure part too.
        extra = extra_procedure_answers(self.action_name.replace("action_", "", 1), catalogue,
                                        entity_values(tracker, "procedure"),
                                        tracker.get_slot("procedure"), latest_text(tracker))
        return send(dispatcher, combine([answer, *extra]), tracker)


class ActionAskHours(_ServiceAction):
    action_name = "action_ask_hours"
    answer = staticmethod(answer_hours)


class ActionAskContact(_ServiceAction):
    action_name = "action_ask_contact"
    answer = staticmethod(answer_contact)


def _check_at_startup() -> None:
    """Fail fast: an invalid catalogue raises here and the action server does not start."""
    if os.environ.get(LAZY_ENV) == "1":
        return
    _catalogue()
    warm_up()


_check_at_startup()
