"""Personal data a citizen may type into the chat, found and replaced by a typed placeholder.

Belgian national register and bis numbers (their mod-97 check), IBANs (mod-97), payment card
numbers (Luhn), phone numbers (Belgian and international) and e-mail addresses. A number is
masked only when its check holds or its shape is unmistakable, so that dates, times, prices,
postcodes, house numbers and procedure names stay as typed. Plain Python: the tracker store
masks every event before storing it (rasa_extensions/masking_tracker_store.py) and the
trainers' report masks what it shows.
"""

from __future__ import annotations

import re
from typing import Any, Callable, List, Tuple

NATIONAL_NUMBER = "[numéro national]"
IBAN = "[IBAN]"
CARD = "[carte]"
PHONE = "[téléphone]"
EMAIL = "[e-mail]"

MAX_TEXT_CHARS = 20_000  # longer texts are cut before the search: bounded work

_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b",
                   re.IGNORECASE)
# 11 digits as YY.MM.DD-SSS.CC, with or without dots, dashes or spaces between the groups
_NATIONAL = re.compile(r"(?<![\d.,/-])\d{2}[ .]?\d{2}[ .]?\d{2}[ .-]?\d{3}[ .-]?\d{2}"
                       r"(?![\d/-]|[.,]\d)")
_CARD = re.compile(r"(?<![\d.,])(?:\d[ -]?){12,18}\d(?![\d]|[.,]\d)")
# +32 4 221 90 57, 0032 4 …, +33 1 23 45 67 89, 04/221.90.57, 0470 12 34 56, 04 221 90 57
_PHONE = re.compile(r"(?<![\w.,/-])(?:(?:\+|00)\d{1,3}[ .]?(?:\(0\)[ .]?)?\d[\d ./-]{6,14}\d"
                    r"|0\d[\d ./-]{6,12}\d)(?![\w/-]|[.,]\d)")
_DATE = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$")
# What every finder's match holds: an @, or at least 8 digits a few characters apart. Most texts
# (and most strings of a stored event) have neither and skip the five searches.
_MAYBE_PERSONAL = re.compile(r"@|\d(?:\D{0,6}\d){7}")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def is_national_number(text: str) -> bool:
    """A Belgian national register or bis number: 97 − (first nine digits mod 97) is the
    check, with a 2 in front of the nine for those born from 2000."""
    digits = _digits(text)
    if len(digits) != 11:
        return False
    body, check = int(digits[:9]), int(digits[9:])
    month = int(digits[2:4]) % 20  # bis numbers: month + 20 or + 40
    if month > 12 or int(digits[4:6]) > 31:
        return False
    return check in (97 - body % 97, 97 - int("2" + digits[:9]) % 97)


def is_iban(text: str) -> bool:
    compact = re.sub(r"\s", "", text).upper()
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha():
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97 == 1


def is_card_number(text: str) -> bool:
    """13 to 19 digits passing the Luhn check."""
    digits = _digits(text)
    if not 13 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def is_phone_number(text: str) -> bool:
    if _DATE.match(text.strip()):
        return False
    digits = _digits(text)
    if text.startswith(("+", "00")):
        return 8 <= len(digits) - (2 if text.startswith("00") else 0) <= 15
    return len(digits) in (9, 10)  # Belgian: 0 + 8 digits (fixed) or 9 (mobile)


_FINDERS: List[Tuple[re.Pattern, Callable[[str], bool], str]] = [
    (_EMAIL, lambda _: True, EMAIL),
    (_IBAN, is_iban, IBAN),
    (_CARD, is_card_number, CARD),
    (_NATIONAL, is_national_number, NATIONAL_NUMBER),
    (_PHONE, is_phone_number, PHONE),
]


def _replaced(found: str, check: Callable[[str], bool], placeholder: str) -> str:
    """The longest run of `found`'s space-separated groups that passes `check`, replaced
    ("BE68 5390 0754 7034 pour" is an IBAN followed by a word the pattern also took)."""
    groups = found.split(" ")
    for end in range(len(groups), 0, -1):
        candidate = " ".join(groups[:end])
        if check(candidate):
            return placeholder + found[len(candidate):]
    return found


def mask(text: str) -> str:
    """`text` with every piece of personal data replaced by its placeholder."""
    if not text:
        return text
    text = text[:MAX_TEXT_CHARS]
    if not _MAYBE_PERSONAL.search(text):
        return text
    for pattern, check, placeholder in _FINDERS:
        text = pattern.sub(lambda found: _replaced(found.group(0), check, placeholder), text)
    return text


# Keys whose values are identifiers, times or names the assistant made (event types, intents,
# actions, message ids), never a citizen's words: a 16-digit id could pass a card's Luhn check.
_IDENTIFIER_KEYS = frozenset({"event", "name", "timestamp", "input_channel", "policy", "mid",
                              "id", "intent_name", "action_name", "entity", "extractor"})


def mask_data(value: Any) -> Any:
    """`value` (JSON data, such as a stored event) with `mask` applied to every string in it,
    except the values of identifier keys. Containers are copied, `value` is left as it was."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {key: item if _is_identifier(key) else mask_data(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [mask_data(item) for item in value]
    return value


def _is_identifier(key: Any) -> bool:
    return isinstance(key, str) and (key in _IDENTIFIER_KEYS
                                     or key.endswith(("_id", "Id", "timestamp", "_ms")))
