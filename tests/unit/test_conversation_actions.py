"""Conversation actions: session start, two-stage fallback, handoff (real catalogue, no Rasa)."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, FollowupAction, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation_actions as conv
from actions import fallback, handoff


def user(text, intent="nlu_fallback", channel="rest"):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}},
            "input_channel": channel}


def action(name):
    return {"event": "action", "name": name}


def make_tracker(text="", intent="nlu_fallback", ranking=(), entities=(), events=(),
                 slots=None, channel="rest"):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.3},
              "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
              "entities": [{"entity": e, "value": v} for e, v in entities]}
    all_events = list(events) + [user(text, intent, channel)]
    return Tracker("citizen", slots or {}, latest, all_events, False, None, {}, "action_listen")


async def run(action_class, tracker):
    dispatcher = CollectingDispatcher()
    events = await action_class().run(dispatcher, tracker, {})
    return dispatcher.messages, events


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setenv("CITYBOT_FROZEN_NOW", "2026-11-24T10:00:00")


def test_suggestions_keep_the_order_skip_small_talk_and_carry_entities():
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "greet", "confidence": 0.3},
               {"name": "ask_price", "confidence": 0.2}, {"name": "ask_delay", "confidence": 0.1},
               {"name": "ask_online", "confidence": 0.06}, {"name": "help", "confidence": 0.05}]
    picked = fallback.suggestions(ranking, [{"entity": "procedure", "value": "passeport"}])
    assert [p["intent"] for p in picked] == ["ask_price", "ask_delay", "ask_online"]
    assert picked[0]["entities"] == {"procedure": "passeport"}


def test_suggestion_buttons_name_the_catalogue_entry_and_offer_a_way_out():
    picked = [{"intent": "ask_price", "entities": {"procedure": "passeport"}}]
    answer = fallback.suggestion_answer(picked, lambda entity, value: "Passeport")
    assert answer.button_dicts() == [
        {"title": "Prix : Passeport", "payload": '/ask_price{"procedure":"passeport"}'},
        {"title": "Non, autre chose", "payload": "/deny"},
    ]


async def test_first_miss_suggests_buttons_and_remembers_them():
    tracker = make_tracker("pasport combien", ranking=[("ask_price", 0.35), ("ask_delay", 0.2)],
                           entities=[("procedure", "passeport")])
    messages, events = await run(conv.ActionFallbackSuggest, tracker)
    assert messages[0]["text"].startswith("Je ne suis pas sûr d'avoir compris")
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == ['/ask_price{"procedure":"passeport"}',
                        '/ask_delay{"procedure":"passeport"}', "/deny"]
    assert events[0]["name"] == "fallback_suggestions" and len(events[0]["value"]) == 2


async def test_second_miss_in_a_row_gives_the_contact_details():
    earlier = [user("xqzz"), action("action_fallback_suggest"), action("action_listen")]
    tracker = make_tracker("toujours rien", events=earlier, slots={"fallback_suggestions": []})
    messages, events = await run(conv.ActionFallbackSuggest, tracker)
    assert messages[0]["text"].startswith(fallback.contact_intro())
    assert "https://www.liege.be" in messages[0]["text"]
    assert events == [SlotSet("fallback_suggestions", None)]


async def test_an_empty_message_asks_for_text_and_is_not_a_miss():
    messages, events = await run(conv.ActionFallbackSuggest, make_tracker("   "))
    assert messages[0]["text"] == fallback.EMPTY_MESSAGE
    assert events == [SlotSet("fallback_suggestions", None)]


async def test_a_typed_yes_runs_the_single_suggestion_with_its_entities():
    suggestion = [{"intent": "ask_hours", "entities": {"service": "recyparc"}}]
    tracker = make_tracker("oui", intent="affirm", slots={"fallback_suggestions": suggestion})
    messages, events = await run(conv.ActionFallbackAffirm, tracker)
    assert messages == []
    assert events == [SlotSet("service", "recyparc"), SlotSet("fallback_suggestions", None),
                      FollowupAction("action_ask_hours")]


async def test_a_typed_yes_to_several_suggestions_asks_to_pick_one():
    suggestions = [{"intent": "ask_hours", "entities": {}}, {"intent": "ask_contact", "entities": {}}]
    tracker = make_tracker("oui", intent="affirm", slots={"fallback_suggestions": suggestions})
    messages, events = await run(conv.ActionFallbackAffirm, tracker)
    assert "Cliquez" in messages[0]["text"] and events == []


async def test_a_new_conversation_starts_silently():
    tracker = Tracker("citizen", {}, {}, [], False, None, {}, "action_listen")
    messages, events = await run(conv.ActionSessionStart, tracker)
    assert messages == []
    assert events == [SessionStarted(), ActionExecuted("action_listen")]


async def test_a_returning_citizen_is_greeted_when_the_session_restarts():
    tracker = Tracker("citizen", {}, {}, [user("bonjour", "greet")], False, None, {},
                      "action_listen")
    messages, events = await run(conv.ActionSessionStart, tracker)
    assert messages[0]["text"].startswith("Bonjour, c'est à nouveau l'assistant")
    assert events == [SessionStarted(), ActionExecuted("action_listen")]


async def test_handoff_on_messenger_passes_the_thread_to_the_inbox():
    tracker = make_tracker("un humain svp", intent="human_handoff", channel="facebook")
    messages, _ = await run(conv.ActionHumanHandoff, tracker)
    assert "Un agent la lira" in messages[0]["text"]
    assert messages[1]["custom"] == handoff.HANDOVER_PAYLOAD


async def test_handoff_elsewhere_gives_the_contact_details_without_a_handover():
    tracker = make_tracker("un humain svp", intent="human_handoff", channel="socketio")
    messages, _ = await run(conv.ActionHumanHandoff, tracker)
    assert len(messages) == 1
    assert "Ville de Liège" in messages[0]["text"] and "https://www.liege.be" in messages[0]["text"]
