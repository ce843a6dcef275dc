"""One turn of the bot as one X Direct Message. Pure functions, no I/O.

Every DM sent is billed ($0.015 in 2026) and counted against a low rate limit (15 per 15 min
per user on v2), so everything the bot says in a turn goes out as one DM, split only past X's
text limit (10,000 characters, ``DM_TEXT_LIMIT``). X API v2 DMs have no buttons nor quick
replies: the bot's choices become a numbered list in the text ("1. Prix", "2. Documents"…),
numbered across the turn, followed by a French hint; the channel (connectors/x.py) keeps the
numbered choices so that the citizen's "2" or "Documents" runs that button's payload
(connectors/buttons.py, ``match_reply``). Links stay plain URLs ("Site de la Ville :
https://…"), which X turns into tappable links.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, List, Optional

from connectors.buttons import CHOICE, LINK, PHONE, Choice, numbered_lines, read_buttons
from connectors.text_pieces import split_text, truncate

logger = logging.getLogger(__name__)

DM_TEXT_LIMIT = 10_000
CHOICES_MAX = 20
CHOICE_TITLE_LIMIT = 80


def reply_hint(count: int) -> str:
    """The French line under a numbered list."""
    if count == 1:
        return "Répondez 1 pour ce choix, ou posez votre question."
    return f"Répondez par le numéro de votre choix (1 à {count}), ou posez votre question."


class TurnText:
    """The bot's messages of one turn, gathered in order into one DM text."""

    def __init__(self) -> None:
        self.parts: List[str] = []
        self.choices: List[Choice] = []  # the numbered ones, number 1 first

    def __bool__(self) -> bool:
        return bool(self.parts)

    def add_text(self, text: Optional[str]) -> None:
        text = (text or "").strip()
        if text:
            self.parts.append(text)

    def add_buttons(self, text: Optional[str], buttons: Optional[Iterable[Any]]) -> None:
        """``text`` followed by its buttons: choices numbered after those already in this turn,
        links and phone numbers as "Title : value" lines."""
        lines = [(text or "").strip()] if (text or "").strip() else []
        choices = read_buttons(buttons, "X")
        numbered = [c for c in choices if c.kind == CHOICE]
        room = CHOICES_MAX - len(self.choices)
        if len(numbered) > room:
            logger.warning("X: at most %d numbered choices per DM: %d dropped", CHOICES_MAX,
                           len(numbered) - max(room, 0))
            numbered = numbered[:max(room, 0)]
        lines += numbered_lines(numbered, start=len(self.choices) + 1,
                                title_limit=CHOICE_TITLE_LIMIT)
        self.choices += numbered
        for choice in choices:
            if choice.kind == LINK:
                lines.append(f"{truncate(choice.title, CHOICE_TITLE_LIMIT)} : {choice.url}")
            elif choice.kind == PHONE:
                lines.append(f"{truncate(choice.title, CHOICE_TITLE_LIMIT)} : {choice.payload}")
        if lines:
            self.parts.append("\n".join(lines))

    def add_elements(self, elements: Iterable[Dict[str, Any]]) -> None:
        """A carousel as text: each card's title, subtitle and buttons."""
        for element in elements or []:
            if not isinstance(element, dict):
                continue
            head = " — ".join(str(element[key]).strip() for key in ("title", "subtitle")
                              if element.get(key))
            self.add_buttons(head, element.get("buttons") or [])

    def render(self, limit: int = DM_TEXT_LIMIT) -> List[str]:
        """The DM text(s): one, unless the turn is longer than ``limit`` characters."""
        if not self.parts:
            return []
        text = "\n\n".join(self.parts)
        if self.choices:
            text += "\n\n" + reply_hint(len(self.choices))
        return split_text(text, limit)
