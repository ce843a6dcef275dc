"""Thin rasa_sdk actions for the citizen's rights over the conversation (actions/privacy.py):
what is kept, erasure asked, erasure confirmed or declined (data/rules/conversation.yml)."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import privacy
from actions.city_catalogue import get_catalogue
from actions.dispatch import send
from actions.procedure_answers import service_contact

logger = logging.getLogger(__name__)


def _days() -> int:
    try:
        return privacy.retention_days()
    except ValueError as error:  # make run checks it at start; an action must still answer
        logger.warning("%s: telling citizens %d days", error, privacy.DEFAULT_RETENTION_DAYS)
        return privacy.DEFAULT_RETENTION_DAYS


class ActionPrivacyInfo(Action):
    """"Quelles données gardez-vous ?": what is kept, how long, the rights."""

    def name(self) -> Text:
        return "action_privacy_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        services = get_catalogue().services
        contact = service_contact(services, services.general_contact.id)
        send(dispatcher, privacy.info_answer(
            _days(), tracker.sender_id, contact.sentence("Adressez-vous"),
            tracker.get_latest_input_channel()))
        return []


class ActionPrivacyAskErase(Action):
    """"Supprimez mes données": asks for confirmation (erasing is final)."""

    def name(self) -> Text:
        return "action_privacy_ask_erase"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        send(dispatcher, privacy.ask_erase_answer(_days()), marks=privacy.asked_metadata())
        return []


class ActionPrivacyErase(Action):
    """"Oui" to the question: the confirmation whose mark makes the tracker store erase the
    whole conversation (rasa_extensions/masking_tracker_store.py). Asked again when the
    question was not the assistant's last message."""

    def name(self) -> Text:
        return "action_privacy_erase"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if not privacy.erasure_was_asked(tracker.events):
            send(dispatcher, privacy.ask_erase_answer(_days()), marks=privacy.asked_metadata())
            return []
        send(dispatcher, privacy.erased_answer(tracker.get_latest_input_channel()),
             marks=privacy.erase_metadata())
        return []


class ActionPrivacyKeep(Action):
    """"Non" to the question: nothing erased, the automatic deletion recalled."""

    def name(self) -> Text:
        return "action_privacy_keep"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        send(dispatcher, privacy.kept_answer(_days()))
        return []
