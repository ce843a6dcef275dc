"""The core conversation through the REST channel of a real rasa server and action server."""

from __future__ import annotations

import re

import pytest

from tests.support import servers

pytestmark = pytest.mark.integration

FRENCH_HINT = re.compile(r"\b(je|vous|de|la|le|les|pour|est)\b", re.I)


def texts(messages):
    return [m.get("text", "") for m in messages]


def test_greeting_answers_with_the_main_topics(rest_chat, sender_id):
    messages = rest_chat(sender_id, "Bonjour")
    assert messages[0]["text"].startswith("Bonjour ! Je suis l'assistant automatique")
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert "Carte d'identité" in titles and "Parler à un agent" in titles


def test_identity_card_question_is_understood(rest_chat, sender_id, rasa_server):
    messages = rest_chat(sender_id, "comment renouveler ma carte d'identité ?")
    assert messages and messages[0]["text"]
    parsed = servers.tracker(rasa_server.url, sender_id)["latest_message"]
    assert parsed["intent"]["name"] == "ask_procedure"
    assert [(e["entity"], e["value"]) for e in parsed["entities"]] == [
        ("procedure", "carte_identite")]


def test_bot_challenge_says_it_is_the_city_assistant(rest_chat, sender_id):
    assert "assistant automatique de la Ville de Liège" in rest_chat(sender_id,
                                                                    "je parle à un robot ?")[0]["text"]


def test_help_offers_buttons_for_the_main_topics(rest_chat, sender_id):
    messages = rest_chat(sender_id, "tu sers à quoi ?")
    assert len(messages[0]["buttons"]) >= 5


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "a" * 5000,
                                  "<script>alert(1)</script>", "??!!", "ok"])
def test_bad_input_gets_a_sensible_french_answer(rest_chat, sender_id, text):
    messages = rest_chat(sender_id, text)
    assert messages, f"no answer to {text[:30]!r}"
    answer = " ".join(texts(messages))
    assert FRENCH_HINT.search(answer), answer


@pytest.mark.parametrize("text, language", [("What are your opening hours?", "en"),
                                            ("Hoe laat gaan jullie open?", "nl")])
def test_a_question_in_another_language_asks_which_service_in_it(rest_chat, sender_id, text,
                                                                language):
    from actions.languages import texts_for

    language_texts = texts_for(language)
    answer = " ".join(texts(rest_chat(sender_id, text)))
    assert language_texts.say("which_service", services="")[:15] in answer  # issue 16
    assert language_texts.say("offer_french") in answer


def test_two_stage_fallback_suggests_then_gives_contact_details(rest_chat, sender_id):
    first = rest_chat(sender_id, "/nlu_fallback")
    assert "reformuler" in first[0]["text"] or "Vouliez-vous" in first[0]["text"]
    assert first[0]["buttons"]
    second = rest_chat(sender_id, "non")
    assert second[0]["text"].startswith("Désolé, je ne parviens pas à répondre")
    assert "https://www.liege.be" in second[0]["text"]


def test_suggestion_click_answers_directly(rest_chat, sender_id):
    rest_chat(sender_id, "/nlu_fallback")
    answer = rest_chat(sender_id, '/ask_hours{"service":"recyparc"}')
    assert re.search(r"\d{1,2}h", answer[0]["text"])


def test_human_handoff_gives_contact_details_on_the_web(rest_chat, sender_id):
    messages = rest_chat(sender_id, "je veux parler à un humain")
    assert "coordonnées de l'administration" in messages[0]["text"]
    assert not any("custom" in m for m in messages)


def test_thanks_then_no_ends_the_conversation(rest_chat, sender_id):
    rest_chat(sender_id, "merci beaucoup")
    assert rest_chat(sender_id, "non merci")[0]["text"].startswith(("Au revoir", "Bonne journée"))


def test_conversation_survives_a_server_restart(servers_dir, action_server, rasa_server,
                                                sender_id):
    """The SQLite tracker store keeps the conversation: a new server knows the procedure."""
    servers.rest_send(rasa_server.url, sender_id, "combien coûte un passeport ?")
    database = servers_dir / f"tracker-{rasa_server.port}.db"
    with servers.rasa_server(servers_dir, action_server.url, tracker_db=database) as server:
        assert servers.tracker(server.url, sender_id)["slots"]["procedure"] == "passeport"
        answer = servers.rest_send(server.url, sender_id, "et il faut quoi comme documents ?")
        assert "passeport" in answer[0]["text"].lower()
