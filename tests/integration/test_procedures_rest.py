"""Procedure conversations through the REST channel, with the trained model and action server.

Natural turns use wording of the training data's style; clicks send the buttons' payloads, as
the widget and Messenger do.
"""

from __future__ import annotations

from typing import Dict, List

import pytest

from connectors.buttons import is_feedback

pytestmark = pytest.mark.integration

ASPECT_TITLES = {"Prix", "Documents", "Délai", "Rendez-vous", "En ligne ?", "Où ?"}


def text_of(messages: List[Dict]) -> str:
    assert messages, "the bot did not answer"
    return "\n".join(message.get("text") or "" for message in messages)


def buttons_of(messages: List[Dict]) -> Dict[str, str]:
    """The answer's own buttons, without the 👍 / 👎 choices (tests/unit/test_feedback.py)."""
    return {button["title"]: button["payload"]
            for message in messages for button in message.get("buttons") or []
            if not is_feedback(button)}


def test_aspects_follow_the_procedure_named_once(rest_chat, sender_id):
    first = rest_chat(sender_id, '/ask_procedure{"procedure":"passeport"}')
    assert "passeport" in text_of(first).lower()
    assert set(buttons_of(first)) == {"Prix", "Documents", "Délai", "En ligne ?", "Où ?"}
    assert [b["title"] for b in first[-1]["buttons"]][-2:] == ["👍 Utile", "👎 Pas utile"]

    assert text_of(rest_chat(sender_id, "et c'est combien ?")).startswith("Passeport – prix")
    assert "Passeport – à prévoir" in text_of(rest_chat(sender_id, "il faut quoi ?"))
    assert "Passeport – délai" in text_of(rest_chat(sender_id, "ça prend combien de temps ?"))


def test_natural_question_then_aspects(rest_chat, sender_id):
    first = rest_chat(sender_id, "cb pour une carte d'identité ?")
    assert "39,70 €" in text_of(first)
    appointment = text_of(rest_chat(sender_id, "faut prendre rdv ?"))
    assert "rendez-vous" in appointment.lower() and "Carte d'identité" in appointment
    online = text_of(rest_chat(sender_id, "je peux le faire en ligne ?"))
    assert "en ligne : non" in online


def test_naming_another_procedure_switches(rest_chat, sender_id):
    assert "Kids-ID – délai" in text_of(
        rest_chat(sender_id, "combien de temps pour la kids id ?"))
    switched = text_of(rest_chat(
        sender_id, "qu'est-ce qu'il faut pour demander un acte de naissance ?"))
    assert "Acte de naissance" in switched
    online = text_of(rest_chat(sender_id, "c'est possible par internet ?"))
    assert "https://e-guichet.liege.be/" in online


def test_where_and_hours_of_the_handling_service(rest_chat, sender_id):
    first = rest_chat(sender_id, "je déménage, je fais quoi ?")
    assert "8 jours ouvrables" in text_of(first)
    where_payload = buttons_of(first)["Où ?"]
    assert where_payload == '/ask_contact{"service":"population"}'
    assert "population" in text_of(rest_chat(sender_id, where_payload)).lower()
    # Typed rather than clicked: the service comes from the slot the procedure action set.
    assert "population" in text_of(rest_chat(sender_id, "c'est où ?")).lower()
    assert "population" in text_of(rest_chat(sender_id, "c'est ouvert aujourd'hui ?")).lower()


def test_aspect_without_procedure_asks_which_then_a_click_answers(rest_chat, sender_id):
    question = rest_chat(sender_id, "c'est payant ?")
    assert "quelle démarche" in text_of(question)
    choices = buttons_of(question)
    assert "Carte d'identité" in choices
    answer = rest_chat(sender_id, choices["Carte d'identité"])
    assert "39,70 €" in text_of(answer)
    assert ASPECT_TITLES >= set(buttons_of(answer))


def test_unknown_procedure_offers_the_closest(rest_chat, sender_id):
    rest_chat(sender_id, '/ask_procedure{"procedure":"passeport"}')
    answer = rest_chat(sender_id, "combien coûte le permis de chasse ?")
    text = text_of(answer)
    assert "permis" in text and ("ne connais pas" in text or "quelle démarche" in text)
    assert "Passeport" not in text  # the previous procedure is not used silently
    assert {"Permis de conduire", "Permis d'urbanisme"} <= set(buttons_of(answer))


def test_lost_card_gives_the_loss_steps(rest_chat, sender_id):
    answer = rest_chat(sender_id, "j'ai perdu ma carte d'identité, je dois faire quoi ?")
    assert "DOC STOP" in text_of(answer)
    assert "00800 2123 2123" in text_of(answer)


def test_every_aspect_button_answers(rest_chat, sender_id):
    first = rest_chat(sender_id, '/ask_procedure{"procedure":"composition_menage"}')
    for title, payload in buttons_of(first).items():
        if title == "Où ?":
            continue
        reply = rest_chat(sender_id, payload)
        assert text_of(reply).strip(), title
        assert "Composition de ménage" in text_of(reply), title


# --- issue 10: real phrasings ------------------------------------------------------------------


def test_two_questions_in_one_message_are_both_answered_in_order(rest_chat, sender_id):
    text = text_of(rest_chat(sender_id, "bjr combien coute un passeport et faut il prendre rdv ?"))
    price, appointment = text.find("Passeport – prix"), text.find("Passeport – rendez-vous")
    assert 0 <= price < appointment, text


def test_procedure_question_and_opening_hours_in_one_message(rest_chat, sender_id):
    text = text_of(rest_chat(
        sender_id, "quels papiers pour la kids id ? et c'est ouvert le samedi ?"))
    assert text.find("Kids-ID – à prévoir") < text.lower().find("samedi"), text


def test_precise_question_is_answered_from_its_faq_entry_with_its_source(rest_chat, sender_id):
    text = text_of(rest_chat(
        sender_id, "je suis etudiant en kot a liege, je dois me domicilier la bas ?"))
    assert "Source : http" in text, text
    assert "kot" in text.lower()


def test_precise_point_the_faq_lacks_is_said_unknown_with_who_knows(rest_chat, sender_id):
    text = text_of(rest_chat(
        sender_id, "est-ce que je peux faire ma carte d'identité dans une autre commune "
                   "que la mienne ?"))
    assert "pas d'information vérifiée sur ce point précis" in text, text
    assert "service Population" in text


def test_bare_permis_asks_which_with_buttons(rest_chat, sender_id):
    answer = rest_chat(sender_id, "je dois refaire mon permis")
    assert {"Permis de conduire", "Permis d'urbanisme"} <= set(buttons_of(answer))


def test_district_town_hall_is_the_population_site(rest_chat, sender_id):
    text = text_of(rest_chat(sender_id, "la mairie de Jupille est ouverte le samedi ?"))
    assert "Jupille" in text and "administration communale" not in text.lower(), text


def test_follow_up_after_an_unknown_price_uses_the_procedure_service(rest_chat, sender_id):
    first = text_of(rest_chat(sender_id, "combien coûte un permis de conduire ?"))
    assert "ne connais pas le prix" in first
    hours = text_of(rest_chat(sender_id, "et c'est ouvert quand ?"))
    assert "Population" in hours and "quel service" not in hours, hours
    where = text_of(rest_chat(sender_id, "c'est où ?"))
    assert "Population" in where or "Potiérue" in where, where
