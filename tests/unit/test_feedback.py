"""Citizens' 👍 / 👎 on the catalogue's answers, and the unknown facts answers carry.

The plain logic (actions/feedback.py), the answers' topics and unknown facts
(actions/service_answers.py) and the thin actions that store both in the bot's messages.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

os.environ.setdefault("CITYBOT_LAZY_CATALOGUE", "1")

from rasa_sdk import Tracker  # noqa: E402
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from actions import conversation_actions as conv  # noqa: E402
from actions import feedback  # noqa: E402
from actions.answers import Answer, Button, UnknownFact  # noqa: E402
from actions.city_catalogue import get_catalogue  # noqa: E402
from actions.combined_answers import combine  # noqa: E402
from actions.moments import parse_moment  # noqa: E402
from actions.service_answers import contact_answer, hours_answer  # noqa: E402
from tests.unit.test_services_fixtures import synthetic_catalogue  # noqa: E402

NOW = dt.datetime(2026, 11, 25, 10, 0)


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    return synthetic_catalogue(tmp_path_factory.mktemp("services"))


# --- offering the choices ---------------------------------------------------------------------

def test_choices_follow_the_answer_once_per_topic():
    answer = Answer("Passeport – prix : …", [Button("Où ?", "/ask_contact")], topic="passeport")
    offered_answer, offered = feedback.with_choices(answer, None)
    assert [b.title for b in offered_answer.buttons] == ["Où ?", "👍 Utile", "👎 Pas utile"]
    assert offered == ["passeport"]
    again, offered = feedback.with_choices(answer, offered)
    assert again is answer and offered == ["passeport"]
    other, offered = feedback.with_choices(Answer("…", topic="population"), offered)
    assert other.buttons[-1].payload == "/feedback_negative"
    assert offered == ["passeport", "population"]


def test_questions_back_and_apologies_are_not_judged():
    question = Answer("De quel service voulez-vous les horaires ?", [Button("Population", "/x")])
    same, offered = feedback.with_choices(question, ["passeport"])
    assert same is question and offered == ["passeport"]


def test_the_choices_carry_the_payload_prefix_the_channels_know():
    from connectors.buttons import is_feedback

    assert all(button.payload.startswith(feedback.PAYLOAD_PREFIX) for button in feedback.CHOICES)
    assert all(is_feedback(button.as_dict()) for button in feedback.CHOICES)
    assert set(feedback.INTENTS) == {b.payload[1:] for b in feedback.CHOICES}


def test_judged_topic_is_the_last_answer_before_the_message():
    events = [
        {"event": "user", "text": "horaires population"},
        {"event": "bot", "text": "…", "metadata": {"topic": "population"}},
        {"event": "user", "text": "et le passeport ?"},
        {"event": "bot", "text": "…", "metadata": {"topic": "passeport"}},
        {"event": "bot", "text": "autre", "metadata": {}},
        {"event": "user", "text": "👎"},
        {"event": "bot", "text": "later", "metadata": {"topic": "later"}},
    ]
    assert feedback.judged_topic(events[:-1]) == "passeport"
    assert feedback.judged_topic(events) == "passeport"  # the latest user message is the 👎
    assert feedback.judged_topic([{"event": "user", "text": "pas utile"}]) == ""


def test_a_comment_is_typed_right_after_the_thumbs_down():
    assert feedback.is_comment("action_feedback_negative", "il manque le samedi")
    assert not feedback.is_comment("action_feedback_negative", "/feedback_negative")
    assert not feedback.is_comment("action_feedback_negative", "   ")
    assert not feedback.is_comment("action_ask_hours", "il manque le samedi")


def test_thumbs_down_gives_the_service_contact_or_the_city(services):
    text = feedback.negative_answer(services, "urbanisme").text
    assert text.startswith(feedback.SORRY)
    assert "04/000.00.00" in text and "https://www.liege.be/fr/urbanisme" in text
    assert text.endswith(feedback.ASK_WHAT)
    for unknown in (None, "no_such_service"):
        general = services.general_contact
        assert (general.phone or general.web or "liege.be") in \
            feedback.negative_answer(services, unknown).text


# --- topics and unknown facts of the services' answers ---------------------------------------

def test_hours_and_contact_answers_have_their_service_as_topic(services):
    hours = hours_answer(services, "urbanisme", None, parse_moment("", NOW), NOW)
    assert hours.topic == "urbanisme" and hours.unknown == ()
    assert contact_answer(services, "urbanisme", None, NOW).topic == "urbanisme"


def test_unknown_hours_are_marked_for_the_report(services):
    site = hours_answer(services, "population", "mairie_c", parse_moment("", NOW), NOW)
    assert "je ne connais pas les horaires" in site.text
    assert site.unknown == (UnknownFact("population/mairie_c", "Mairie de quartier de Charlie",
                                        "horaires"),)
    whole = hours_answer(services, "population", None, parse_moment("samedi", NOW), NOW)
    assert "horaires inconnus : Charlie" in whole.text
    assert [fact.entry for fact in whole.unknown] == ["population/mairie_c"]


def test_missing_contact_facts_are_marked_for_the_report(services):
    answer = contact_answer(services, "population", "mairie_c", NOW)
    assert "Je ne connais pas son adresse, son téléphone ni son e-mail." in answer.text
    assert [fact.fact for fact in answer.unknown] == ["adresse", "téléphone", "e-mail"]
    known = contact_answer(services, "urbanisme", None, NOW)
    assert "Je ne connais pas son e-mail" in known.text
    assert [fact.fact for fact in known.unknown] == ["e-mail"]


def test_combined_answers_keep_the_first_topic_and_every_unknown_fact():
    first = Answer("a", topic="population", unknown=(UnknownFact("p", "P", "horaires"),))
    second = Answer("b", topic="passeport", unknown=(UnknownFact("x", "X", "prix"),
                                                     UnknownFact("p", "P", "horaires")))
    both = combine([first, second])
    assert both.topic == "population"
    assert [fact.fact for fact in both.unknown] == ["horaires", "prix"]
    assert both.metadata() == {"topic": "population", "unknown_facts": [
        {"entry": "p", "name": "P", "fact": "horaires"},
        {"entry": "x", "name": "X", "fact": "prix"}]}
    assert Answer("plain").metadata() == {}


# --- the actions, on the real catalogue --------------------------------------------------------

def _tracker(text, intent, events, slots=None):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [],
              "intent_ranking": []}
    events = list(events) + [{"event": "user", "text": text, "parse_data": latest}]
    return Tracker("citizen", slots or {}, latest, events, False, None, {}, "action_listen")


ANSWERED = [
    {"event": "user", "text": "le passeport c'est combien ?"},
    {"event": "action", "name": "action_ask_price"},
    {"event": "bot", "text": "Passeport – prix …", "metadata": {"topic": "passeport"}},
    {"event": "action", "name": "action_listen"},
]


async def _run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setenv("CITYBOT_FROZEN_NOW", "2026-11-24T10:00:00")


async def test_thumbs_up_is_thanked_and_marked(frozen):
    messages, events = await _run(conv.ActionFeedbackPositive(),
                                  _tracker("/feedback_positive", "feedback_positive", ANSWERED))
    assert messages[0]["text"] == feedback.THANKS
    assert messages[0]["feedback"] == "positive" and messages[0]["topic"] == "passeport"
    assert events == []


async def test_thumbs_down_then_a_comment(frozen):
    messages, _ = await _run(conv.ActionFeedbackNegative(), _tracker(
        "/feedback_negative", "feedback_negative", ANSWERED, {"service": "population"}))
    population = get_catalogue().services.get("population")
    assert population.inherited("phone") in messages[0]["text"]
    assert (messages[0]["feedback"], messages[0]["topic"]) == ("negative", "passeport")

    after = ANSWERED + [{"event": "user", "text": "/feedback_negative"},
                        {"event": "action", "name": "action_feedback_negative"},
                        {"event": "bot", "text": "Désolé…", "metadata": {"feedback": "negative"}},
                        {"event": "action", "name": "action_listen"}]
    # A miss (the rules run action_feedback_comment) or a typed "still useless": the comment.
    for action, intent in ((conv.ActionFeedbackComment(), "nlu_fallback"),
                           (conv.ActionFeedbackNegative(), "feedback_negative")):
        messages, _ = await _run(action, _tracker("le prix des photos manque", intent, after))
        assert messages == [{"text": feedback.COMMENT_THANKS, "feedback": "comment",
                             "topic": "passeport", "buttons": [], "elements": [],
                             "custom": {}, "template": None, "response": None, "image": None,
                             "attachment": None}]
