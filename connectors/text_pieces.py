"""Channel-neutral text shaping: cut a title, split a long text at natural boundaries, find
links. Pure functions, no I/O; each channel passes its own limits (Messenger 2,000 characters
per message: connectors/messenger_format.py; X 10,000 per DM: connectors/x_format.py)."""

from __future__ import annotations

import re
from typing import List

ELLIPSIS = "…"
SEPARATORS = ("\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " ")

_URL_RE = re.compile(r"https?://[^\s<>\"'«»]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}»'\""


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, ending with "…" when something was cut."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def cut_point(text: str, limit: int) -> int:
    """Where to cut ``text`` so that the head is at most ``limit`` characters, at the best
    boundary: a blank line, a line break, the end of a sentence, a space, else hard."""
    if len(text) <= limit:
        return len(text)
    window = text[: limit + 1]
    floor = limit // 3  # do not make tiny pieces just to respect a boundary
    for separator in SEPARATORS:
        index = window.rfind(separator, 0, limit + 1)
        if index >= floor:
            return index + (1 if separator[0] in ".!?;," else 0)
    return limit


def split_text(text: str, limit: int) -> List[str]:
    """Split ``text`` into pieces of at most ``limit`` characters at natural boundaries.

    Whitespace around the pieces is trimmed; no empty pieces; an empty text gives [].
    """
    text = (text or "").strip()
    pieces: List[str] = []
    while text:
        cut = cut_point(text, limit)
        head = text[:cut].strip()
        if head:
            pieces.append(head)
        text = text[cut:].strip()
    return pieces


def tail_start(text: str, limit: int) -> int:
    """Where the last piece of ``text`` starts so that it is at most ``limit`` characters, at
    the best boundary (same order of preference as ``cut_point``)."""
    if len(text) <= limit:
        return 0
    start = len(text) - limit
    window = text[start:]
    ceiling = limit - limit // 3  # keep the tail at least a third of the limit long
    for separator in SEPARATORS:
        index = window.find(separator)
        if 0 <= index <= ceiling:
            return start + index + len(separator)
    return start


def find_links(text: str) -> List[str]:
    """The http(s) links in ``text``, in order, without duplicates or trailing punctuation."""
    links: List[str] = []
    for match in _URL_RE.finditer(text or ""):
        url = match.group(0).rstrip(_URL_TRAILING)
        if url and url not in links:
            links.append(url)
    return links
