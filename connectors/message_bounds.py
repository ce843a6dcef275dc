"""What one incoming message may cost: bounds applied before the NLU sees a citizen's text.

DIET's attention grows with the square of the number of tokens, so one pasted message of
200,000 characters once made the rasa server grow to 24 GB and be killed. Every channel
(connectors/inbound.py) passes the text through ``bound_text`` first: it is cleaned
(control characters, lone surrogates) and, when longer than ``MAX_MESSAGE_CHARS`` characters
or ``MAX_MESSAGE_TOKENS`` tokens, cut to its beginning, at a word boundary when there is one;
the citizen is told so in French (``LONG_MESSAGE_NOTICE``).

The limits come from measurement (bench/bench_message_length.py, README "Limits"): parse time
and memory grow fast past a few hundred tokens, while the NLU's answers on long held-out
messages (tests/nlu/test_nlu_long.yml) are the same cut or whole.

Button payloads (``/intent{"entity": "value"}``) are checked too: their JSON part is what
rasa's RegexMessageHandler decodes without a depth limit, so an oversized or deeply nested one
is dropped and only ``/intent`` is kept.

Plain Python, no rasa import: the unit tests call it directly.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Optional

# -- limits (environment overrides for ops; defaults from the measurement) ----------------------


def int_setting(name: str, default: int, low: int, high: int) -> int:
    """A whole-number setting from the environment, kept within [low, high]; the default when
    unset or not a number."""
    try:
        value = int(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return min(max(value, low), high)


MAX_MESSAGE_CHARS = int_setting("MAX_MESSAGE_CHARS", 2000, 100, 20_000)
MAX_MESSAGE_TOKENS = int_setting("MAX_MESSAGE_TOKENS", 500, 20, 4_000)
# A word boundary is looked for in the last fifth of the kept part; a longer "word" is cut.
WORD_BOUNDARY_SLACK = 0.2

MAX_SENDER_ID_CHARS = 256
MAX_METADATA_BYTES = 8 * 1024
MAX_METADATA_DEPTH = 6
MAX_PAYLOAD_JSON_CHARS = 500
MAX_PAYLOAD_ENTITIES = 8
MAX_PAYLOAD_VALUES = 8

LONG_MESSAGE_NOTICE = (
    "Votre message est très long : je n'en lis que le début (environ {kept} caractères). "
    "Si ma réponse ne correspond pas à votre demande, posez votre question en une ou deux "
    "phrases."
)

# Roughly what the tokenizers see: a run of word characters, or one other non-space character
# (punctuation, each emoji). An upper bound of spaCy's token count for French text.
_TOKEN = re.compile(r"\w+|[^\w\s]")
# C0 and C1 control characters except tab, newline and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Lone UTF-16 surrogates (JSON "\ud800" escapes decode to them) cannot be encoded in UTF-8.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SLASH_PAYLOAD = re.compile(r"^(/[^{@\s]+(?:@[0-9.]+)?)(\{.*\})?\s*$", re.DOTALL)


@dataclass(frozen=True)
class BoundedText:
    """A message text as the bot will see it."""

    text: str
    original_chars: int
    cut: bool

    @property
    def notice(self) -> Optional[str]:
        """The French notice to send before the answer, when the message was cut."""
        if not self.cut:
            return None
        return LONG_MESSAGE_NOTICE.format(kept=_french_thousands(len(self.text)))


def _french_thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def clean_text(text: str) -> str:
    """``text`` without control characters nor lone surrogates, in Unicode NFC form."""
    text = _CONTROL.sub(" ", text)
    text = _SURROGATE.sub("\ufffd", text)
    return unicodedata.normalize("NFC", text)


def _cut_at_word(text: str, limit: int) -> str:
    """The beginning of ``text``, at most ``limit`` characters, ending at a word boundary when
    one is near the limit."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    if not text[limit].isspace():
        boundary = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
        if boundary >= limit * (1 - WORD_BOUNDARY_SLACK):
            head = head[:boundary]
    return head.rstrip()


def _cut_at_tokens(text: str, max_tokens: int) -> str:
    """The beginning of ``text`` that holds at most ``max_tokens`` tokens."""
    for count, match in enumerate(_TOKEN.finditer(text), start=1):
        if count > max_tokens:
            return text[:match.start()].rstrip()
    return text


def bound_text(text: Any, max_chars: int = MAX_MESSAGE_CHARS,
               max_tokens: int = MAX_MESSAGE_TOKENS) -> BoundedText:
    """The text the bot may see of a message: cleaned, then cut to its beginning when longer
    than ``max_chars`` characters or ``max_tokens`` tokens. Costs O(max_chars), whatever the
    length of ``text``. None becomes ""; other non-strings are refused by the channels."""
    if text is None:
        return BoundedText("", 0, False)
    if not isinstance(text, str):
        raise TypeError(f"a message text must be a string, not {type(text).__name__}")
    original = len(text)
    # Slicing first keeps the cleaning work proportional to the limit, not to the input.
    head = clean_text(text[:max_chars + 1])
    kept = _cut_at_tokens(_cut_at_word(head, max_chars), max_tokens)
    cut = original > max_chars or len(kept) < len(head.rstrip())
    if not cut:
        return BoundedText(head, original, False)
    return BoundedText(kept, original, True)


def bound_slash_payload(text: str) -> str:
    """A ``/intent{...}`` message with its JSON part kept only when it is small and shaped like
    the payloads of the bot's own buttons: an object of at most ``MAX_PAYLOAD_ENTITIES``
    entities whose values are strings, numbers or short lists of them. Otherwise only
    ``/intent`` is kept. Other texts are returned unchanged."""
    if not text.startswith("/"):
        return text
    match = _SLASH_PAYLOAD.match(text)
    if not match or match.group(2) is None:
        return text
    command, payload = match.group(1), match.group(2)
    if len(payload) <= MAX_PAYLOAD_JSON_CHARS and _payload_shape_ok(payload):
        return text
    return command


def _json_or_none(text: Any) -> Any:
    """The decoded JSON value of ``text``, or None when it is not JSON (or nested past
    Python's recursion limit)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _payload_shape_ok(payload: str) -> bool:
    entities = _json_or_none(payload)
    if not isinstance(entities, dict) or len(entities) > MAX_PAYLOAD_ENTITIES:
        return False
    for value in entities.values():
        values = value if isinstance(value, list) else [value]
        if len(values) > MAX_PAYLOAD_VALUES:
            return False
        if not all(isinstance(v, (str, int, float, bool)) for v in values):
            return False
    return True


def bounded_metadata(metadata: Any) -> Optional[dict]:
    """``metadata`` when it is a JSON object of at most ``MAX_METADATA_BYTES`` (serialised) and
    ``MAX_METADATA_DEPTH`` levels; a JSON string of one is decoded. None otherwise."""
    if isinstance(metadata, (str, bytes)):
        if len(metadata) > MAX_METADATA_BYTES:
            return None
        metadata = _json_or_none(metadata)
    if not isinstance(metadata, dict) or _depth(metadata) > MAX_METADATA_DEPTH:
        return None
    try:
        size = len(json.dumps(metadata, ensure_ascii=False).encode("utf-8", "replace"))
    except (TypeError, ValueError, RecursionError):
        return None
    return metadata if size <= MAX_METADATA_BYTES else None


def _depth(value: Any, limit: int = MAX_METADATA_DEPTH + 1) -> int:
    """Nesting depth of a JSON value, counted without recursion and up to ``limit``."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        deepest = max(deepest, level)
        if deepest >= limit:
            return deepest
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, level + 1) for child in children)
    return deepest


def json_depth(value: Any, limit: int) -> int:
    """Nesting depth of a decoded JSON value, counted without recursion and up to ``limit``
    (a webhook body deeper than its platform ever sends is refused)."""
    return _depth(value, limit)


def valid_sender_id(sender: Any) -> bool:
    """A conversation id a channel may accept from a client: a short printable string."""
    return (isinstance(sender, str) and 0 < len(sender) <= MAX_SENDER_ID_CHARS
            and sender.isprintable())
