"""Thin rasa_sdk actions for the conversation itself: session start, fallback, handoff."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (ActionExecuted, EventType, FollowupAction, SessionStarted, SlotSet,
                             UserUtteranceReverted)
from rasa_sdk.executor import CollectingDispatcher

from actions import clock, fallback, feedback, handoff
from actions.dispatch import latest_text, send
from actions.city_catalogue import get_catalogue


def catalogue_name(entity: str, value: str) -> Optional[str]:
    """The citizen-facing name of a catalogue id, for button titles."""
    catalogue = get_catalogue()
    collection = catalogue.services if entity == "service" else catalogue.procedures
    item = collection.get(value)
    return getattr(item, "name", None) if item else None


def previous_bot_action(tracker: Tracker) -> Optional[str]:
    """The last action before the latest user message (skipping action_listen)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name")
    return None


class ActionSessionStart(Action):
    """Starts a session; after an idle conversation expired, greets the citizen again."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        returning = any(event.get("event") == "user" for event in tracker.events)
        if returning:
            dispatcher.utter_message(
                text="Bonjour, c'est à nouveau l'assistant de la Ville de Liège. "
                     "Notre conversation précédente est terminée : que puis-je faire pour vous ?")
        return [SessionStarted(), ActionExecuted("action_listen")]


class ActionFallbackSuggest(Action):
    """First miss: suggest the likeliest intents as buttons. Second miss in a row: contact."""

    def name(self) -> Text:
        return "action_fallback_suggest"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        message = tracker.latest_message or {}
        if not latest_text(tracker).strip():
            # An empty message is not a miss: say what to write instead.
            dispatcher.utter_message(text=fallback.EMPTY_MESSAGE)
            return [SlotSet("fallback_suggestions", None)]
        second_miss = (previous_bot_action(tracker) == self.name()
                       and tracker.get_slot("fallback_suggestions") is not None)
        if second_miss:
            send(dispatcher, handoff.contact_answer(get_catalogue(), clock.now(),
                                                    intro=fallback.contact_intro()))
            return [SlotSet("fallback_suggestions", None)]
        picked = fallback.suggestions(message.get("intent_ranking") or [],
                                      message.get("entities") or [])
        send(dispatcher, fallback.suggestion_answer(picked, catalogue_name))
        return [SlotSet("fallback_suggestions", picked)]


def acknowledge(dispatcher: CollectingDispatcher, tracker: Tracker, kind: str,
                text: str) -> List[EventType]:
    """Answers a judgement (or its comment) with `text`, marked with its kind and the judged
    topic for the trainers' report."""
    dispatcher.utter_message(text=text, **feedback.acknowledgement(
        kind, feedback.judged_topic(tracker.events)))
    return []


def acknowledge_comment(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Thanks for the comment asked after a 👎; its text stays in the stored user event."""
    return acknowledge(dispatcher, tracker, feedback.COMMENT, feedback.comment_answer().text)


class ActionFeedbackComment(Action):
    """The message typed after a 👎 that is no question the assistant understood (a miss,
    small talk, out of scope: data/rules/conversation.yml) is the comment asked for."""

    def name(self) -> Text:
        return "action_feedback_comment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        return acknowledge_comment(dispatcher, tracker)


class ActionFeedbackPositive(Action):
    """👍 on an answer: a short thanks, marked for the trainers' report."""

    def name(self) -> Text:
        return "action_feedback_positive"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        return acknowledge(dispatcher, tracker, feedback.POSITIVE,
                           feedback.positive_answer().text)


class ActionFeedbackNegative(Action):
    """👎 on an answer: sorry, the contact of the answer's service, and what was missing?

    A typed "ça ne m'aide toujours pas" right after is the comment itself, not a new 👎."""

    def name(self) -> Text:
        return "action_feedback_negative"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if feedback.is_comment(previous_bot_action(tracker), latest_text(tracker)):
            return acknowledge_comment(dispatcher, tracker)
        answer = feedback.negative_answer(get_catalogue().services, tracker.get_slot("service"))
        return acknowledge(dispatcher, tracker, feedback.NEGATIVE, answer.text)


class ActionFallbackAffirm(Action):
    """A typed "oui" after suggestions: runs the single suggestion, or asks to pick one."""

    def name(self) -> Text:
        return "action_fallback_affirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        picked = tracker.get_slot("fallback_suggestions") or []
        if len(picked) != 1:
            dispatcher.utter_message(
                text="Cliquez sur la proposition qui correspond à votre question, "
                     "ou reformulez-la en quelques mots.")
            return []
        suggestion = picked[0]
        events: List[EventType] = [SlotSet(entity, value)
                                   for entity, value in suggestion["entities"].items()]
        events += [SlotSet("fallback_suggestions", None),
                   FollowupAction(fallback.INTENT_ACTIONS[suggestion["intent"]])]
        return events


class ActionFallbackContact(Action):
    """The suggestions did not help: give the city's contact details."""

    def name(self) -> Text:
        return "action_fallback_contact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        send(dispatcher, handoff.contact_answer(get_catalogue(), clock.now(),
                                                intro=fallback.contact_intro()))
        return [SlotSet("fallback_suggestions", None)]


class ActionDefaultFallback(ActionFallbackContact):
    """The dialogue policies are unsure what to do next: contact details rather than silence.

    Like rasa's own default fallback, it forgets the user's message, so the next prediction
    starts afresh instead of falling back again in a loop.
    """

    def name(self) -> Text:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        return await super().run(dispatcher, tracker, domain) + [UserUtteranceReverted()]


class ActionHumanHandoff(Action):
    """Hands the conversation to a person: the Page Inbox on Messenger, contact details elsewhere
    (on X, with a word that a person of the city may answer in the DM conversation)."""

    def name(self) -> Text:
        return "action_human_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        catalogue, now = get_catalogue(), clock.now()
        if tracker.get_latest_input_channel() == "facebook":
            send(dispatcher, handoff.inbox_answer(catalogue, now))
            dispatcher.utter_message(json_message=handoff.HANDOVER_PAYLOAD)
        elif tracker.get_latest_input_channel() == "x":
            send(dispatcher, handoff.x_answer(catalogue, now))
        else:
            send(dispatcher, handoff.contact_answer(
                catalogue, now, intro="Je vous donne les coordonnées de l'administration "
                                      "communale pour parler à un agent :"))
        return []
