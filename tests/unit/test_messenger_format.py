"""Messenger message formatting: splitting, buttons, quick replies, links (pure functions)."""

from __future__ import annotations

import pytest

from connectors import messenger_format as fmt

POSTBACK = "/ask_price{\"procedure\":\"passeport\"}"


def buttons(count, **extra):
    return [{"title": f"Choix {i}", "payload": f"/choix_{i}", **extra} for i in range(count)]


# --- truncation and splitting ------------------------------------------------------------------

def test_truncate_keeps_short_titles_and_marks_cut_ones():
    assert fmt.truncate("Carte d'identité", 20) == "Carte d'identité"
    cut = fmt.truncate("Coordonnées d'un service communal", 20)
    assert len(cut) == 20 and cut.endswith("…")


def test_split_text_short_text_is_one_piece():
    assert fmt.split_text("Bonjour !") == ["Bonjour !"]
    assert fmt.split_text("   ") == []


def test_split_text_respects_the_limit_and_loses_no_word():
    text = " ".join(f"mot{i}" for i in range(1500))  # about 10 000 characters
    pieces = fmt.split_text(text, 2000)
    assert all(len(piece) <= 2000 for piece in pieces)
    assert " ".join(pieces).split() == text.split()
    assert len(pieces) >= 5


def test_split_text_prefers_paragraphs_then_sentences():
    para = "Première phrase du paragraphe. " * 20  # ~620 characters
    text = para.strip() + "\n\n" + para.strip() + "\n\n" + para.strip()
    pieces = fmt.split_text(text, 1300)
    assert pieces[0] == (para.strip() + "\n\n" + para.strip())
    assert pieces[1] == para.strip()
    sentences = fmt.split_text("Une phrase assez longue. " * 10, 100)
    assert all(piece.endswith(".") for piece in sentences)


def test_split_text_hard_cuts_a_word_longer_than_the_limit():
    pieces = fmt.split_text("x" * 4500, 2000)
    assert [len(p) for p in pieces] == [2000, 2000, 500]


def test_split_for_template_puts_the_end_of_the_text_in_the_template():
    text = ("Phrase numéro un du texte. " * 40).strip()  # ~1080 characters
    head, tail = fmt.split_for_template(text)
    assert len(tail) <= 640 and tail
    assert all(len(piece) <= 2000 for piece in head)
    assert " ".join(head + [tail]).split() == text.split()
    assert fmt.split_for_template("court") == ([], "court")


# --- buttons -----------------------------------------------------------------------------------

def test_three_postback_buttons_make_a_button_template():
    [message] = fmt.messages_with_buttons("Que voulez-vous ?", buttons(3))
    payload = message["attachment"]["payload"]
    assert payload["template_type"] == "button"
    assert payload["text"] == "Que voulez-vous ?"
    assert payload["buttons"] == [
        {"type": "postback", "title": f"Choix {i}", "payload": f"/choix_{i}"} for i in range(3)]


def test_more_than_three_buttons_become_quick_replies():
    [message] = fmt.messages_with_buttons("Choisissez un sujet", buttons(7))
    assert message["text"] == "Choisissez un sujet"
    assert message["quick_replies"] == [
        {"content_type": "text", "title": f"Choix {i}", "payload": f"/choix_{i}"}
        for i in range(7)]


def test_quick_replies_are_capped_at_thirteen_with_titles_at_twenty_characters():
    many = [{"title": f"Un titre beaucoup trop long {i}", "payload": f"/p{i}"} for i in range(15)]
    [message] = fmt.messages_with_buttons("Choisissez", many)
    replies = message["quick_replies"]
    assert len(replies) == 13
    assert all(len(r["title"]) <= 20 for r in replies)
    assert replies[12]["payload"] == "/p12"


def test_button_payload_with_entities_is_kept_verbatim():
    [message] = fmt.messages_with_buttons("Prix ?", [{"title": "Prix", "payload": POSTBACK}])
    assert message["attachment"]["payload"]["buttons"][0]["payload"] == POSTBACK


def test_url_buttons_are_web_url_buttons():
    [message] = fmt.messages_with_buttons("Prenez rendez-vous en ligne.", [
        {"title": "Rendez-vous", "url": "https://www.liege.be/rdv", "type": "web_url"},
        {"title": "Prix", "payload": POSTBACK}])
    assert message["attachment"]["payload"]["buttons"] == [
        {"type": "web_url", "url": "https://www.liege.be/rdv", "title": "Rendez-vous"},
        {"type": "postback", "title": "Prix", "payload": POSTBACK}]


def test_url_buttons_with_more_than_three_buttons_keep_links_as_buttons():
    links = [{"title": f"Lien {i}", "url": f"https://www.liege.be/{i}"} for i in range(2)]
    messages = fmt.messages_with_buttons("Voici les liens.", links + buttons(4))
    template, choices = messages
    assert template["attachment"]["payload"]["text"] == "Voici les liens."
    assert [b["type"] for b in template["attachment"]["payload"]["buttons"]] == ["web_url"] * 2
    assert choices["text"] == fmt.MORE_CHOICES_PROMPT
    assert [q["payload"] for q in choices["quick_replies"]] == [f"/choix_{i}" for i in range(4)]


def test_long_text_with_buttons_is_split_and_the_template_holds_at_most_640_characters():
    text = ("Voici une information détaillée sur la démarche. " * 30).strip()  # ~1500 chars
    messages = fmt.messages_with_buttons(text, buttons(2))
    *head, template = messages
    assert head and all("text" in m and len(m["text"]) <= 2000 for m in head)
    assert len(template["attachment"]["payload"]["text"]) <= 640
    rebuilt = " ".join([m["text"] for m in head] + [template["attachment"]["payload"]["text"]])
    assert rebuilt.split() == text.split()


def test_long_text_with_quick_replies_puts_them_on_the_last_piece():
    text = "a " * 2500
    messages = fmt.messages_with_buttons(text, buttons(5))
    assert len(messages) == 3
    assert "quick_replies" not in messages[0] and "quick_replies" not in messages[1]
    assert len(messages[2]["quick_replies"]) == 5


def test_buttons_without_title_are_dropped_and_missing_payload_uses_the_title():
    [message] = fmt.messages_with_buttons("Choix", [{"title": ""}, {"title": "Oui"}])
    assert message["attachment"]["payload"]["buttons"] == [
        {"type": "postback", "title": "Oui", "payload": "Oui"}]


def test_empty_text_with_buttons_gets_a_prompt():
    [message] = fmt.messages_with_buttons("", buttons(2))
    assert message["attachment"]["payload"]["text"] == fmt.DEFAULT_BUTTONS_PROMPT


# --- links -------------------------------------------------------------------------------------

def test_links_in_text_become_url_buttons():
    text = "Adressez-le via son site https://www.liege.be. En cas de danger, appelez le 112."
    [message] = fmt.plain_text_messages(text)
    payload = message["attachment"]["payload"]
    assert payload["text"] == text
    assert payload["buttons"] == [
        {"type": "web_url", "url": "https://www.liege.be", "title": "Ouvrir liege.be"}]


def test_links_fill_the_room_left_next_to_buttons():
    text = "Signalez-le sur https://www.liege.be."
    [message] = fmt.messages_with_buttons(text, [{"title": "Contacter la Ville",
                                                  "payload": "/ask_contact"}])
    assert [b["type"] for b in message["attachment"]["payload"]["buttons"]] == [
        "postback", "web_url"]


def test_text_without_links_stays_text_and_links_can_be_turned_off():
    assert fmt.plain_text_messages("Bonjour") == [{"text": "Bonjour"}]
    assert fmt.plain_text_messages("Voir https://www.liege.be", links_as_buttons=False) == [
        {"text": "Voir https://www.liege.be"}]


def test_find_links_and_titles():
    assert fmt.find_links("a https://x.be/a), b http://y.be/b. https://x.be/a") == [
        "https://x.be/a", "http://y.be/b"]
    assert fmt.link_title("https://www.liege.be/fr") == "Ouvrir liege.be"
    assert fmt.link_title("https://demarches.wallonie.be") == "Ouvrir le lien"


# --- quick replies, images, carousels ----------------------------------------------------------

def test_rasa_quick_replies_keep_supported_content_types():
    [message] = fmt.messages_with_quick_replies("Votre e-mail ?", [
        {"content_type": "user_email"}, {"content_type": "location"},
        {"title": "Passer", "payload": "/deny"}])
    assert message["quick_replies"] == [
        {"content_type": "user_email"},
        {"content_type": "text", "title": "Passer", "payload": "/deny"}]


def test_image_and_generic_template():
    assert fmt.image_message("https://x.be/a.png") == {"attachment": {
        "type": "image", "payload": {"url": "https://x.be/a.png", "is_reusable": True}}}
    cards = [{"title": f"Carte {i}", "buttons": buttons(4)} for i in range(12)]
    message = fmt.generic_template(cards)
    elements = message["attachment"]["payload"]["elements"]
    assert len(elements) == 10
    assert all(len(e["buttons"]) == 3 and e["buttons"][0]["type"] == "postback"
               for e in elements)


@pytest.mark.parametrize("count, kind", [(1, "template"), (3, "template"), (4, "quick"),
                                         (13, "quick")])
def test_button_count_decides_the_rendering(count, kind):
    [message] = fmt.messages_with_buttons("Texte", buttons(count))
    assert ("attachment" in message) == (kind == "template")
    assert ("quick_replies" in message) == (kind == "quick")


# --- feedback choices --------------------------------------------------------------------------

FEEDBACK = [{"title": "👍 Utile", "payload": "/feedback_positive"},
            {"title": "👎 Pas utile", "payload": "/feedback_negative"}]
FEEDBACK_REPLIES = [
    {"content_type": "text", "title": "👍 Utile", "payload": "/feedback_positive"},
    {"content_type": "text", "title": "👎 Pas utile", "payload": "/feedback_negative"}]


def test_feedback_alone_becomes_quick_replies_on_the_text_or_on_its_link_template():
    assert fmt.messages_with_buttons("Le passeport coûte 75 €.", FEEDBACK) == [
        {"text": "Le passeport coûte 75 €.", "quick_replies": FEEDBACK_REPLIES}]
    [template] = fmt.messages_with_buttons("Rendez-vous sur https://www.liege.be.", FEEDBACK)
    assert [b["type"] for b in template["attachment"]["payload"]["buttons"]] == ["web_url"]
    assert template["quick_replies"] == FEEDBACK_REPLIES


def test_feedback_goes_on_the_template_of_the_answers_buttons_as_quick_replies():
    [message] = fmt.messages_with_buttons("Autre chose ?", buttons(2) + FEEDBACK)
    assert message["attachment"]["payload"]["buttons"] == [
        {"type": "postback", "title": f"Choix {i}", "payload": f"/choix_{i}"} for i in range(2)]
    assert message["quick_replies"] == FEEDBACK_REPLIES


def test_feedback_comes_after_the_answers_quick_replies():
    [message] = fmt.messages_with_buttons("Choisissez", buttons(6) + FEEDBACK)
    assert [r["payload"] for r in message["quick_replies"]] == [
        f"/choix_{i}" for i in range(6)] + ["/feedback_positive", "/feedback_negative"]


def test_feedback_is_kept_when_quick_replies_overflow(caplog):
    mixed = FEEDBACK[:1] + buttons(15) + FEEDBACK[1:]  # feedback first and last
    [message] = fmt.messages_with_buttons("Choisissez", mixed)
    payloads = [r["payload"] for r in message["quick_replies"]]
    assert len(payloads) == fmt.QUICK_REPLIES_MAX
    assert payloads == [f"/choix_{i}" for i in range(11)] + [
        "/feedback_positive", "/feedback_negative"]
    assert "Choix 11" in caplog.text and "Utile" not in caplog.text


def test_feedback_is_on_the_last_piece_of_a_long_text_only():
    *head, last = fmt.messages_with_buttons("a " * 2500, FEEDBACK)
    assert len(head) == 2 and not any("quick_replies" in m for m in head)
    assert last["quick_replies"] == FEEDBACK_REPLIES
    *head, template = fmt.messages_with_buttons(
        ("Une information détaillée sur la démarche. " * 30).strip(), buttons(2) + FEEDBACK)
    assert head and not any("quick_replies" in m for m in head)
    assert "attachment" in template and template["quick_replies"] == FEEDBACK_REPLIES


def test_feedback_after_links_and_choices_is_on_the_last_message():
    links = [{"title": f"Lien {i}", "url": f"https://www.liege.be/{i}"} for i in range(4)]
    messages = fmt.messages_with_buttons("Voici les liens.", links + FEEDBACK)
    assert [len(m["attachment"]["payload"]["buttons"]) for m in messages] == [3, 1]
    assert "quick_replies" not in messages[0]
    assert messages[-1]["quick_replies"] == FEEDBACK_REPLIES


def test_feedback_titles_fit_and_an_empty_text_gets_the_feedback_prompt():
    long_titles = [{"title": "👍 Cette réponse m'a été utile", "payload": "/feedback_positive"}]
    [message] = fmt.messages_with_buttons("", long_titles)
    assert message["text"] == fmt.FEEDBACK_PROMPT
    assert all(len(r["title"]) <= 20 for r in message["quick_replies"])
