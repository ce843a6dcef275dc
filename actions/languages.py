"""The languages the assistant serves besides French: Dutch, English, German (issue 16).

Every sentence a citizen reads in those languages, with the way days and times are written and
the words that say what a message asks, lives in one file per language:
actions/languages/<code>.yml (reviewed by a native speaker; no sentence is written in code).
This module reads them (`texts_for`), writes times, ranges and days the local way, and reads
a message: which topic (opening hours, contact, greeting, thanks, French, anything else),
which service or site of the catalogue, which day (`understand`). Plain Python, no Rasa.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

LANGUAGES_DIR = Path(__file__).resolve().parent / "languages"
SERVED = ("nl", "en", "de")
TOPICS = ("hours", "contact", "procedure", "greeting", "thanks", "french")
TEXT_KEYS = (
    "welcome", "offer_french", "button_french", "only_french",
    "which_service", "open_now", "closed_now", "opens_again", "not_open_soon", "day_hours",
    "day_closed", "holiday", "week_intro", "week_line", "closed_word", "hours_unknown",
    "contact_intro", "address", "phone", "email", "web", "contact_unknown", "more_info",
    "thanks", "city_contact")
MAX_TEXT_CHARS = 1000  # what `understand` reads of a message


def plain(text: str) -> str:
    """Lowercase, without accents, words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.findall(r"[a-z0-9]+(?:['’-][a-z0-9]+)*", stripped))


@dataclass(frozen=True)
class Texts:
    """One language's file."""

    code: str
    name: str
    french_name: str
    html_lang: str
    placeholder: str
    days: Tuple[str, ...]
    formats: Dict[str, Any]
    words: Dict[str, Any]
    services: Dict[str, Dict[str, Any]]
    texts: Dict[str, str]

    def say(self, key: str, **values: Any) -> str:
        return self.texts[key].format(**values).strip()

    def service_name(self, service_id: str, fallback: str) -> str:
        return str((self.services.get(service_id) or {}).get("name") or fallback)

    # --- days and times, the local way ----------------------------------------------------

    def time(self, value: dt.time) -> str:
        hour12 = value.hour % 12 or 12
        ampm = self.formats["am_pm"][0 if value.hour < 12 else 1]
        key = "time_whole_hour" if value.minute == 0 else "time"
        return self.formats[key].format(hour=value.hour, hour12=hour12,
                                        minute=f"{value.minute:02d}", ampm=ampm).strip()

    def ranges(self, ranges: Sequence[Tuple[dt.time, dt.time]]) -> str:
        return self.formats["ranges_join"].join(
            self.formats["range"].format(start=self.time(start), end=self.time(end))
            for start, end in ranges)

    def when(self, day: dt.date, today: dt.date) -> str:
        """"today", "tomorrow", or "on Saturday" (within the week), in this language."""
        if day == today:
            return self.formats["today"]
        if day == today + dt.timedelta(days=1):
            return self.formats["tomorrow"]
        return self.formats["on_day"].format(day=self.days[day.weekday()])

    def day_span(self, first: int, last: int) -> str:
        if first == last:
            return self.days[first]
        return self.formats["day_span"].format(first=self.days[first], last=self.days[last])


def _load(code: str) -> Texts:
    raw = yaml.safe_load((LANGUAGES_DIR / f"{code}.yml").read_text(encoding="utf-8"))
    formats = {key: raw[key] for key in ("time", "time_whole_hour", "am_pm", "range",
                                         "ranges_join", "day_span", "today", "tomorrow",
                                         "on_day")}
    missing = [key for key in TEXT_KEYS if key not in (raw.get("texts") or {})]
    if missing or len(raw.get("days") or ()) != 7:
        raise ValueError(f"actions/languages/{code}.yml: missing {missing or 'the 7 days'}")
    return Texts(code=code, name=raw["name"], french_name=raw["french_name"],
                 html_lang=raw["html_lang"], placeholder=raw["placeholder"],
                 days=tuple(raw["days"]), formats=formats, words=raw["words"],
                 services=raw["services"], texts=raw["texts"])


@functools.lru_cache(maxsize=None)
def texts_for(code: str) -> Texts:
    """The texts of a served language (ValueError for another code)."""
    if code not in SERVED:
        raise ValueError(f"not a served language: {code!r}")
    return _load(code)


# --- what a message asks ---------------------------------------------------------------------

@dataclass(frozen=True)
class Question:
    topic: str  # hours | contact | procedure | greeting | thanks | french | other
    service_id: Optional[str] = None
    site_id: Optional[str] = None
    when: Optional[str] = None        # now | today | tomorrow | 0..6 (Monday..Sunday)


@functools.lru_cache(maxsize=None)
def _phrase_pattern(phrase: str) -> re.Pattern:
    """`phrase` (plain) as whole words: built once per phrase of the language files."""
    return re.compile(r"(?<![a-z0-9])" + re.escape(plain(phrase)) + r"(?![a-z0-9])")


def _has(text: str, phrases: Sequence[str]) -> int:
    """The position of the first phrase found as whole words in `text` (-1 when none)."""
    found = [match.start() for phrase in phrases if phrase
             for match in [_phrase_pattern(phrase).search(text)] if match]
    return min(found) if found else -1


_places_cache: Dict[str, Tuple[Any, List[Tuple[str, str, Optional[str]]]]] = {}


def _places(code: str, services: Any) -> List[Tuple[str, str, Optional[str]]]:
    """(phrase, service id, site id), longest phrases first: the language's names of the
    services, and the catalogue's French names of services and sites (proper nouns). Kept
    for the last catalogue seen (it is reloaded after an edit)."""
    cached = _places_cache.get(code)
    if cached is not None and cached[0] is services:
        return cached[1]
    places: List[Tuple[str, str, Optional[str]]] = []
    for service_id, entry in texts_for(code).services.items():
        places += [(plain(alias), service_id, None) for alias in entry.get("aliases") or ()]
    for service in services.services():
        places += [(plain(phrase), service.id, None) for phrase in service.phrases() if phrase]
        for site in service.sites:
            places += [(plain(phrase), service.id, site.id) for phrase in site.phrases()
                       if phrase]
    unique = {phrase: (phrase, service, site) for phrase, service, site in places
              if len(phrase) >= 3}
    ordered = sorted(unique.values(), key=lambda place: len(place[0]), reverse=True)
    _places_cache[code] = (services, ordered)
    return ordered


def _place(text: str, code: str, services: Any) -> Tuple[Optional[str], Optional[str]]:
    """The service named, and the site when one is named ("the Jonfosse swimming pool": the
    site, more precise than the service's longer name)."""
    found = [(service_id, site_id) for phrase, service_id, site_id in _places(code, services)
             if _has(text, [phrase]) >= 0]
    sites = [match for match in found if match[1]]
    return (sites or found or [(None, None)])[0]


def _without(text: str, phrases: Sequence[str]) -> str:
    for phrase in sorted(phrases, key=len, reverse=True):
        text = _phrase_pattern(phrase).sub(" ", text)
    return text


def _when(text: str, words: Dict[str, Any]) -> Optional[str]:
    for key in ("now", "today", "tomorrow"):
        if _has(text, words.get(key) or ()) >= 0:
            return key
    for weekday, names in enumerate(words.get("days") or ()):
        if _has(text, names) >= 0:
            return str(weekday)
    return None


def understand(text: str, code: str, services: Any) -> Question:
    """What a message in language `code` asks, as far as the assistant answers it there
    (`services`: the services catalogue, for the names of services and sites)."""
    text = plain((text or "")[:MAX_TEXT_CHARS])
    words = texts_for(code).words
    service_id, site_id = _place(text, code, services)
    when = _when(_without(text, words.get("greeting") or ()), words)  # "Guten Morgen" ≠ morgen
    positions = {topic: _has(text, words.get(topic) or ()) for topic in TOPICS}
    if positions["french"] >= 0:
        return Question("french")
    if positions["hours"] < 0 and positions["procedure"] >= 0:  # "how do I change my address"
        return Question("procedure", service_id, site_id)
    asked = [topic for topic in ("hours", "contact") if positions[topic] >= 0]
    if len(asked) == 2:  # "where and when": the one asked first
        asked.sort(key=positions.get)
    if asked:
        return Question(asked[0], service_id, site_id, when)
    if when or service_id:  # "Jonfosse on Saturday?": opening hours, the most asked
        return Question("hours", service_id, site_id, when)
    for topic in ("thanks", "greeting"):
        if positions[topic] >= 0:
            return Question(topic)
    return Question("other")
