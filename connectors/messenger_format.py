"""Turn the bot's messages into Messenger Send API message objects, within Messenger's limits.

Pure functions, no I/O: the output channel (connectors/facebook.py) sends what they return, in
order. Limits (Messenger Platform, Send API reference):

- a text message holds at most 2000 characters; a button template's text at most 640;
- a button template holds at most 3 buttons; button titles show 20 characters;
- a text message carries at most 13 quick replies, titles 20 characters, payloads 1000;
- a generic template holds at most 10 elements, each with at most 3 buttons.

Rules for the bot's buttons (``{"title", "payload"}`` or ``{"title", "url", "type": "web_url"}``):

- up to 3 buttons: one button template (postback and web_url buttons);
- more than 3 postback buttons: the text with quick replies (at most 13, the rest dropped with
  a warning); quick replies sit on the last message, where Messenger shows them;
- more than 3 buttons of which some are links (or call buttons): the links go in button
  templates under the text, then the postbacks as quick replies under a short French prompt;
- links in a text without buttons (or with room left) become "web_url" buttons when the text
  fits a template, so the citizen gets a tappable "Ouvrir liege.be" button;
- feedback choices ("👍 Utile", "👎 Pas utile", connectors/buttons.py ``is_feedback``) are
  taken out first and always become quick replies, after the answer's own, on the last message
  (a text or a template: Messenger accepts quick replies on both), so they vanish once the
  citizen answers instead of staying as buttons of a template; the other buttons follow the
  rules above. When all do not fit in 13, the answer's last choices are dropped, not feedback.

Splitting and link finding are shared with the other channels (connectors/text_pieces.py), and
so is reading the bot's buttons (connectors/buttons.py).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import urlparse

from connectors import text_pieces
from connectors.buttons import LINK, PHONE, is_feedback, read_button
from connectors.text_pieces import ELLIPSIS, find_links, tail_start, truncate

logger = logging.getLogger(__name__)

TEXT_LIMIT = 2000
TEMPLATE_TEXT_LIMIT = 640
TEMPLATE_BUTTONS_MAX = 3
BUTTON_TITLE_LIMIT = 20
QUICK_REPLIES_MAX = 13
QUICK_REPLY_TITLE_LIMIT = 20
PAYLOAD_LIMIT = 1000
GENERIC_ELEMENTS_MAX = 10
ELEMENT_TITLE_LIMIT = 80
ELEMENT_SUBTITLE_LIMIT = 80

# French prompts the connector adds itself (the bot's texts come from the domain).
DEFAULT_BUTTONS_PROMPT = "Choisissez une option :"
MORE_CHOICES_PROMPT = "Vous pouvez aussi choisir :"
FEEDBACK_PROMPT = "Cette réponse vous aide ?"  # feedback choices under no text at all

QUICK_REPLY_CONTENT_TYPES = {"text", "user_phone_number", "user_email"}

Message = Dict[str, Any]


# --- text ------------------------------------------------------------------------------------

def split_text(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """Split ``text`` into pieces of at most ``limit`` characters at natural boundaries
    (connectors/text_pieces.py)."""
    return text_pieces.split_text(text, limit)


def split_for_template(text: str, limit: int = TEMPLATE_TEXT_LIMIT,
                       text_limit: int = TEXT_LIMIT) -> Tuple[List[str], str]:
    """(leading plain-text pieces, last piece) where the last piece fits a template (``limit``)
    and the leading pieces fit text messages (``text_limit``)."""
    text = (text or "").strip()
    cut = tail_start(text, limit)
    return split_text(text[:cut], text_limit), text[cut:].strip()


def link_title(url: str) -> str:
    """A button title for a link: "Ouvrir liege.be", the host alone, or "Ouvrir le lien"."""
    host = (urlparse(url).hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    for title in (f"Ouvrir {host}", host):
        if host and len(title) <= BUTTON_TITLE_LIMIT:
            return title
    return "Ouvrir le lien"


# --- buttons ---------------------------------------------------------------------------------

def normalize_button(button: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """A rasa button as a Messenger button, or None (with a warning) when it cannot be one."""
    choice = read_button(button, "Messenger")
    if choice is None:
        return None
    title = truncate(choice.title, BUTTON_TITLE_LIMIT)
    if choice.kind == LINK:
        return {"type": "web_url", "url": choice.url, "title": title}
    if choice.kind == PHONE:
        return {"type": "phone_number", "title": title, "payload": choice.payload}
    payload = choice.payload
    if len(payload) > PAYLOAD_LIMIT:
        logger.warning("Messenger: button payload longer than %d characters cut: %r",
                       PAYLOAD_LIMIT, title)
        payload = payload[:PAYLOAD_LIMIT]
    return {"type": "postback", "title": title, "payload": payload}


def quick_reply(button: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """A rasa button or quick reply as a Messenger quick reply, or None."""
    content_type = (button.get("content_type") or "text").lower()
    if content_type not in QUICK_REPLY_CONTENT_TYPES:
        logger.warning("Messenger: quick reply of type %r is not supported, dropped",
                       content_type)
        return None
    if content_type != "text":
        return {"content_type": content_type}
    title = truncate(button.get("title") or "", QUICK_REPLY_TITLE_LIMIT)
    if not title:
        logger.warning("Messenger: quick reply without a title dropped: %r", button)
        return None
    payload = button.get("payload")
    payload = str(payload) if payload not in (None, "") else title
    reply = {"content_type": "text", "title": title, "payload": payload[:PAYLOAD_LIMIT]}
    if button.get("image_url"):
        reply["image_url"] = str(button["image_url"])
    return reply


def button_template(text: str, buttons: Sequence[Dict[str, Any]]) -> Message:
    return {
        "attachment": {
            "type": "template",
            "payload": {"template_type": "button", "text": text, "buttons": list(buttons)},
        }
    }


def _text_messages_with_template(text: str, buttons: Sequence[Dict[str, Any]]) -> List[Message]:
    """Leading text messages, then a button template holding the end of the text."""
    head, tail = split_for_template(text)
    messages: List[Message] = [{"text": piece} for piece in head]
    messages.append(button_template(tail or DEFAULT_BUTTONS_PROMPT, buttons))
    return messages


def text_messages(text: str, quick_replies: Sequence[Dict[str, Any]] = ()) -> List[Message]:
    """Text split to Messenger's limit; the quick replies go on the last piece."""
    pieces = split_text(text)
    if not pieces:
        if not quick_replies:
            return []
        pieces = [DEFAULT_BUTTONS_PROMPT]
    messages: List[Message] = [{"text": piece} for piece in pieces]
    if quick_replies:
        messages[-1]["quick_replies"] = _capped(quick_replies, QUICK_REPLIES_MAX)
    return messages


def _capped(replies: Sequence[Dict[str, Any]], limit: int) -> List[Dict[str, Any]]:
    """The first ``limit`` quick replies; the others are dropped with a warning."""
    if len(replies) > limit:
        logger.warning("Messenger shows at most %d quick replies: %d dropped (%s)",
                       QUICK_REPLIES_MAX, len(replies) - limit,
                       ", ".join(r.get("title", "?") for r in replies[limit:]))
    return list(replies[:limit])


def with_feedback(messages: List[Message], feedback: Sequence[Dict[str, Any]]) -> List[Message]:
    """The feedback quick replies after the answer's own on the last message, the only one
    where Messenger shows quick replies; the answer's last choices make room if needed."""
    if not feedback:
        return messages
    if not messages:
        return text_messages(FEEDBACK_PROMPT, feedback)
    last = messages[-1]
    answer = last.get("quick_replies", [])
    last["quick_replies"] = _capped(answer, QUICK_REPLIES_MAX - len(feedback)) + list(feedback)
    return messages


def link_buttons(text: str, room: int = TEMPLATE_BUTTONS_MAX) -> List[Dict[str, Any]]:
    """web_url buttons for the links of ``text`` when they all fit in ``room``."""
    links = find_links(text)
    if not links or len(links) > room:
        return []
    return [{"type": "web_url", "url": url, "title": link_title(url)} for url in links]


def plain_text_messages(text: str, links_as_buttons: bool = True) -> List[Message]:
    """A bot text without buttons: text messages, or a button template with its links."""
    if links_as_buttons and len((text or "").strip()) <= TEMPLATE_TEXT_LIMIT:
        buttons = link_buttons(text)
        if buttons:
            return [button_template(text.strip(), buttons)]
    return text_messages(text)


def messages_with_buttons(text: str, buttons: Iterable[Dict[str, Any]],
                          links_as_buttons: bool = True) -> List[Message]:
    """A bot text with rasa buttons, following the rules in the module docstring."""
    buttons = list(buttons)
    feedback = [r for r in (quick_reply(b) for b in buttons if is_feedback(b)) if r]
    answer = [b for b in buttons if not is_feedback(b)]
    return with_feedback(_answer_messages(text, answer, links_as_buttons), feedback)


def _answer_messages(text: str, buttons: Sequence[Dict[str, Any]],
                     links_as_buttons: bool) -> List[Message]:
    """A bot text with its buttons other than feedback ones."""
    normalized = [b for b in (normalize_button(button) for button in buttons) if b]
    if not normalized:
        return plain_text_messages(text, links_as_buttons)
    postbacks = [b for b in normalized if b["type"] == "postback"]
    others = [b for b in normalized if b["type"] != "postback"]  # web_url, phone_number

    if len(normalized) <= TEMPLATE_BUTTONS_MAX:
        extra: List[Dict[str, Any]] = []
        if links_as_buttons and len((text or "").strip()) <= TEMPLATE_TEXT_LIMIT:
            known = {b.get("url") for b in others}
            extra = [b for b in link_buttons(text, TEMPLATE_BUTTONS_MAX - len(normalized))
                     if b["url"] not in known]
        return _text_messages_with_template(text, normalized + extra)

    replies = [quick_reply(b) for b in postbacks]
    replies = [r for r in replies if r]
    if not others:
        return text_messages(text, replies)

    messages: List[Message] = []
    head, tail = split_for_template(text)
    messages.extend({"text": piece} for piece in head)
    for index in range(0, len(others), TEMPLATE_BUTTONS_MAX):
        chunk = others[index:index + TEMPLATE_BUTTONS_MAX]
        template_text = (tail or DEFAULT_BUTTONS_PROMPT) if index == 0 else MORE_CHOICES_PROMPT
        messages.append(button_template(template_text, chunk))
    if replies:
        messages.extend(text_messages(MORE_CHOICES_PROMPT, replies))
    return messages


def messages_with_quick_replies(text: str, quick_replies: Iterable[Dict[str, Any]]
                                ) -> List[Message]:
    """A bot text with rasa ``quick_replies``."""
    replies = [r for r in (quick_reply(q) for q in quick_replies) if r]
    return text_messages(text, replies)


# --- other message types ---------------------------------------------------------------------

def image_message(url: str) -> Message:
    return {"attachment": {"type": "image", "payload": {"url": url, "is_reusable": True}}}


def generic_template(elements: Iterable[Dict[str, Any]]) -> Message:
    """A carousel, cut to Messenger's limits (10 elements, 3 buttons each, 80-char titles)."""
    cards: List[Dict[str, Any]] = []
    items = list(elements)
    if len(items) > GENERIC_ELEMENTS_MAX:
        logger.warning("Messenger shows at most %d carousel elements: %d dropped",
                       GENERIC_ELEMENTS_MAX, len(items) - GENERIC_ELEMENTS_MAX)
    for element in items[:GENERIC_ELEMENTS_MAX]:
        card = dict(element)
        card["title"] = truncate(card.get("title") or "", ELEMENT_TITLE_LIMIT) or ELLIPSIS
        if card.get("subtitle"):
            card["subtitle"] = truncate(card["subtitle"], ELEMENT_SUBTITLE_LIMIT)
        if card.get("buttons"):
            buttons = [b for b in (normalize_button(x) for x in card["buttons"]) if b]
            card["buttons"] = buttons[:TEMPLATE_BUTTONS_MAX]
            if not card["buttons"]:
                del card["buttons"]
        cards.append(card)
    return {"attachment": {"type": "template",
                           "payload": {"template_type": "generic", "elements": cards}}}
