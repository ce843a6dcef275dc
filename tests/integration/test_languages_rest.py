"""Conversations in Dutch, English and German through the real servers (REST channel, trained
model, action server on the test session's frozen clock: Tuesday 24 November 2026, 10:00):
answered in the citizen's language from the catalogue, remembered from turn to turn, back to
French when the citizen writes French or taps "Continuer en français". Messenger and X:
test_messenger_rasa.py and test_x_rasa.py."""

from __future__ import annotations

import json

import pytest

from actions.languages import texts_for
from tests.support import servers

pytestmark = pytest.mark.integration


def texts_of(answers) -> str:
    return "\n".join(a.get("text") or "" for a in answers)


def markers(answers) -> list:
    return [a["custom"] for a in answers if "custom" in a]


def stored_languages(rasa_server, sender) -> list:
    return [json.loads(data)["parse_data"]["language"]
            for data in servers.stored_rows(rasa_server, sender)
            if json.loads(data)["event"] == "user"]


def test_dutch_hours_then_ok_stays_dutch_then_french_again(rest_chat, rasa_server, sender_id):
    nl = texts_for("nl")
    answers = rest_chat(sender_id, "Is het containerpark zaterdag open?")
    assert markers(answers) == [{"language": nl.html_lang, "placeholder": nl.placeholder}]
    said = texts_of(answers)
    assert "zaterdag" in said and "8.30 uur tot 12.30 uur" in said
    assert answers[-1]["buttons"] == [{"title": nl.texts["button_french"],
                                       "payload": "/speak_french"}]
    answers = rest_chat(sender_id, "ok")  # says nothing of its language: still Dutch
    assert markers(answers) == [] and nl.say("offer_french") in texts_of(answers)
    answers = rest_chat(sender_id, "et les horaires de la piscine de Jonfosse ?")
    assert markers(answers) == [{"language": "fr"}]
    assert "Jonfosse" in texts_of(answers)
    assert stored_languages(rasa_server, sender_id) == ["nl", "nl", "fr"]


def test_english_opening_hours_now_and_the_way_back_by_the_button(rest_chat, sender_id):
    en = texts_for("en")
    said = texts_of(rest_chat(sender_id, "Is the recycling park open right now?"))
    assert "open" in said and "12.30pm" in said  # 10:00 on a Tuesday: open until 12.30pm
    answers = rest_chat(sender_id, "/speak_french")
    assert markers(answers) == [{"language": "fr"}]
    assert answers[1]["text"] == "D'accord, continuons en français."
    assert answers[2]["text"].startswith("Je suis l'assistant automatique de la Ville de Liège")
    assert en.say("offer_french") not in texts_of(answers)


def test_german_contact_and_a_procedure_answered_in_french_only(rest_chat, sender_id):
    de = texts_for("de")
    said = texts_of(rest_chat(sender_id, "Wie ist die Adresse vom Bauamt?"))
    assert "Quai de la Batte 10" in said and "04/221.90.57" in said
    said = texts_of(rest_chat(sender_id, "Wie beantrage ich einen neuen Reisepass?"))
    assert said.startswith(de.say("only_french", contact="")[:20])
    assert "https://www.liege.be" in said


def test_french_conversations_are_unchanged(rest_chat, rasa_server, sender_id):
    answers = rest_chat(sender_id, "horaires du recyparc samedi")
    assert markers(answers) == [] and "Samedi" in texts_of(answers)
    for text in ("ok", "merci", "Kids-ID", "hello"):
        assert markers(rest_chat(sender_id, text)) == []
    assert set(stored_languages(rasa_server, sender_id)) == {"fr"}
