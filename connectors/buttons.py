"""The bot's buttons, read once for every channel.

rasa gives a channel buttons as dicts from the domain or the actions: ``{"title", "payload"}``
(a choice), ``{"title", "url", "type": "web_url"}`` (a link), ``{"title", "payload", "type":
"phone_number"}``. ``read_button`` turns one into a ``Choice`` (or None, with a warning, when
it cannot be shown); each channel then renders choices its own way: Messenger as templates and
quick replies (connectors/messenger_format.py), X as a numbered list in the text whose numbers
and titles the citizen can answer with (``numbered_lines`` and ``match_reply`` here, used by
connectors/x_format.py and connectors/x.py). The catalogue's answers end with two feedback
choices ("👍 Utile", "👎 Pas utile"); ``is_feedback`` is the one rule that recognises them, so
each channel can show them discreetly (the widget has its twin in web/src/messages.js).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence

logger = logging.getLogger(__name__)

CHOICE, LINK, PHONE = "postback", "web_url", "phone_number"
FEEDBACK_PREFIX = "/feedback_"  # "/feedback_positive", "/feedback_negative"


@dataclass(frozen=True)
class Choice:
    """One button: ``kind`` is "postback" (runs ``payload``), "web_url" (opens ``url``) or
    "phone_number" (calls ``payload``)."""

    kind: str
    title: str
    payload: str = ""
    url: str = ""


def read_button(button: Any, channel: str = "") -> Optional[Choice]:
    """A rasa button as a ``Choice``, or None (with a warning) when it cannot be one. The
    title is kept whole (each channel cuts it to its own limit); a choice without a payload
    sends its title."""
    where = f"{channel}: " if channel else ""
    if not isinstance(button, dict):
        logger.warning("%sbutton that is not an object dropped: %.100r", where, button)
        return None
    title = " ".join(str(button.get("title") or "").split())
    kind = str(button.get("type") or "").lower()
    url = button.get("url")
    if not title:
        logger.warning("%sbutton without a title dropped: %.200r", where, button)
        return None
    if url or kind == LINK:
        if not url:
            logger.warning("%sweb_url button without a url dropped: %.200r", where, button)
            return None
        return Choice(LINK, title, url=str(url))
    payload = button.get("payload")
    payload = str(payload) if payload not in (None, "") else title
    if kind == PHONE:
        return Choice(PHONE, title, payload=payload)
    return Choice(CHOICE, title, payload=payload)


def is_feedback(button: Any) -> bool:
    """Whether a ``Choice`` or a rasa button dict is one of the feedback choices."""
    if isinstance(button, Choice):
        return button.kind == CHOICE and button.payload.startswith(FEEDBACK_PREFIX)
    return (isinstance(button, dict) and not button.get("url")
            and str(button.get("payload") or "").startswith(FEEDBACK_PREFIX))


def read_buttons(buttons: Optional[Iterable[Any]], channel: str = "") -> List[Choice]:
    return [c for c in (read_button(b, channel) for b in (buttons or [])) if c]


# --- numbered choices (channels without buttons) ------------------------------------------------

def numbered_lines(choices: Sequence[Choice], start: int = 1,
                   title_limit: int = 80) -> List[str]:
    """"1. Prix", "2. Documents"… for the choices that run a payload, numbered from
    ``start``."""
    from connectors.text_pieces import truncate

    return [f"{start + index}. {truncate(choice.title, title_limit)}"
            for index, choice in enumerate(c for c in choices if c.kind == CHOICE)]


def _folded(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces: how replies are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", letters).split())


_NUMBER_REPLY = re.compile(r"^\s*(?:n[°o]\s*|#\s*)?(\d{1,3})\s*[.)]?\s*$", re.IGNORECASE)


def match_reply(reply: str, choices: Sequence[Choice]) -> Optional[Choice]:
    """The choice a citizen's reply designates: its number ("2", "2.", "n°2", "#2") or its
    title (case, accents and punctuation ignored); None otherwise. ``choices`` are the
    numbered ones, in order (number 1 first)."""
    if not reply or not choices or len(reply) > 200:
        return None
    number = _NUMBER_REPLY.match(reply)
    if number:
        index = int(number.group(1)) - 1
        return choices[index] if 0 <= index < len(choices) else None
    folded = _folded(reply)
    if not folded:
        return None
    for choice in choices:
        if _folded(choice.title) == folded:
            return choice
    return None


def to_dict(choice: Choice) -> Dict[str, str]:
    data = {"type": choice.kind, "title": choice.title}
    if choice.kind == LINK:
        data["url"] = choice.url
    else:
        data["payload"] = choice.payload
    return data
