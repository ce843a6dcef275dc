"""French time expressions -> a Moment: "samedi", "lundi prochain", "le 15/11", "Noël",
"ce soir", "entre midi et deux", "ce week-end", "demain à 10h"…

Our own rules handle what citizens write most (weekdays, dates with or without accents,
holidays by name, parts of the day) in microseconds; `dateparser` handles the rest
("dans 3 jours", "dans deux semaines"). Plain Python, no Rasa.

Which date is meant (documented rule, tested):
- A date without a year ("le 15 novembre", "15/11"), a holiday by name ("Noël") or a weekday
  ("samedi") is the next occurrence, today included ("lundi prochain": strictly after today).
- The past is only meant when the user says so: an explicit year in the past ("15/11/2025"),
  "hier", "avant-hier", "samedi dernier", "Noël dernier", or a verb in the past tense
  ("c'était ouvert le 15 novembre ?"), which picks the most recent occurrence instead.
  Answers about a past moment are in the past tense and never announce a "next opening".
- A date that does not exist ("le 31 février", "29/02/2027", "15/13") is INVALID.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

from dateutil.easter import easter

from actions.clock import BRUSSELS

NONE = "none"          # no moment named: the week's hours
NOW = "now"            # "maintenant", "c'est ouvert ?"
INSTANT = "instant"    # a day and a time: "demain à 10h"
DAY = "day"            # a whole day
PART = "part"          # part of a day: "ce soir", "samedi matin", "entre midi et deux"
DAYS = "days"          # several days: "ce week-end", "la semaine prochaine"
INVALID = "invalid"    # "le 31 février"

Window = Tuple[dt.time, dt.time]

MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]
_MONTH_WORDS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}
_WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]

# Parts of the day, Belgian usage ("sur le temps de midi" = lunchtime).
MORNING: Window = (dt.time(8, 0), dt.time(12, 0))
LUNCH: Window = (dt.time(12, 0), dt.time(14, 0))
AFTERNOON: Window = (dt.time(13, 0), dt.time(18, 0))
EVENING: Window = (dt.time(17, 0), dt.time(22, 0))
NIGHT: Window = (dt.time(22, 0), dt.time(23, 59))

_PARTS = [  # (pattern on normalised text, window, French label); first match wins
    (r"entre midi et (?:deux|2)(?: heures| h)?|sur (?:le|l) (?:temps|heure) de midi|"
     r"temps de midi|pause de midi|heure de midi|ce midi|le midi|pendant midi|a midi pile",
     LUNCH, "entre midi et deux"),
    (r"apres[- ]?midi|aprem|apres midi|aprm", AFTERNOON, "l'après-midi"),
    (r"\bmatin(?:ee)?\b", MORNING, "le matin"),
    (r"\bsoir(?:ee)?\b|\bce soir\b|\btonight\b|\bnocturne\b", EVENING, "le soir"),
    (r"\bnuit\b", NIGHT, "la nuit"),
]

# Holidays and other named days: alias (normalised) -> key. Longest alias wins.
_NAMED_DAYS = {
    "nouvel an": "nouvel_an", "jour de l an": "nouvel_an", "nouvelle annee": "nouvel_an",
    "paques": "paques", "paque": "paques", "dimanche de paques": "paques",
    "lundi de paques": "lundi_paques", "lundi de paque": "lundi_paques",
    "vendredi saint": "vendredi_saint",
    "fete du travail": "fete_travail", "fete des travailleurs": "fete_travail",
    "ascension": "ascension", "jeudi de l ascension": "ascension",
    "pentecote": "pentecote", "lundi de pentecote": "lundi_pentecote",
    "fete nationale": "fete_nationale",
    "assomption": "assomption",
    "toussaint": "toussaint",
    "armistice": "armistice",
    "noel": "noel", "jour de noel": "noel",
    "veille de noel": "veille_noel", "reveillon de noel": "veille_noel",
    "lendemain de noel": "lendemain_noel", "saint etienne": "lendemain_noel",
    "saint sylvestre": "saint_sylvestre", "reveillon du nouvel an": "saint_sylvestre",
    "fete du roi": "fete_roi", "fete de la dynastie": "fete_roi",
    "jour des morts": "jour_defunts", "jour des defunts": "jour_defunts",
    "fete des morts": "jour_defunts", "commemoration des defunts": "jour_defunts",
    "fete de la federation wallonie bruxelles": "fete_federation",
    "fete de la federation": "fete_federation",
    "fete de la communaute francaise": "fete_federation",
    "fetes de wallonie": "fete_wallonie", "fete de wallonie": "fete_wallonie",
    "fete de la wallonie": "fete_wallonie",
    "lundi des fetes de wallonie": "lundi_wallonie",
    "lundi de la fete de wallonie": "lundi_wallonie",
}
# Key -> (French label, date function of the year).
_NAMED_DATES: dict = {
    "nouvel_an": ("Nouvel An", lambda y: dt.date(y, 1, 1)),
    "paques": ("Pâques", lambda y: easter(y)),
    "lundi_paques": ("lundi de Pâques", lambda y: easter(y) + dt.timedelta(days=1)),
    "vendredi_saint": ("Vendredi saint", lambda y: easter(y) - dt.timedelta(days=2)),
    "fete_travail": ("Fête du Travail", lambda y: dt.date(y, 5, 1)),
    "ascension": ("Ascension", lambda y: easter(y) + dt.timedelta(days=39)),
    "pentecote": ("Pentecôte", lambda y: easter(y) + dt.timedelta(days=49)),
    "lundi_pentecote": ("lundi de Pentecôte", lambda y: easter(y) + dt.timedelta(days=50)),
    "fete_nationale": ("Fête nationale", lambda y: dt.date(y, 7, 21)),
    "assomption": ("Assomption", lambda y: dt.date(y, 8, 15)),
    "toussaint": ("Toussaint", lambda y: dt.date(y, 11, 1)),
    "armistice": ("Armistice", lambda y: dt.date(y, 11, 11)),
    "noel": ("Noël", lambda y: dt.date(y, 12, 25)),
    "veille_noel": ("veille de Noël", lambda y: dt.date(y, 12, 24)),
    "lendemain_noel": ("lendemain de Noël", lambda y: dt.date(y, 12, 26)),
    "saint_sylvestre": ("Saint-Sylvestre", lambda y: dt.date(y, 12, 31)),
    "fete_roi": ("Fête du Roi", lambda y: dt.date(y, 11, 15)),
    "jour_defunts": ("Jour des défunts", lambda y: dt.date(y, 11, 2)),
    "fete_federation": ("Fête de la Fédération Wallonie-Bruxelles", lambda y: dt.date(y, 9, 27)),
    # Third Sunday of September (decree of 23/07/1998), and the Monday after it.
    "fete_wallonie": ("Fête de la Wallonie", lambda y: _third_sunday_of_september(y)),
    "lundi_wallonie": ("lundi des Fêtes de Wallonie",
                       lambda y: _third_sunday_of_september(y) + dt.timedelta(days=1)),
}
def _third_sunday_of_september(year: int) -> dt.date:
    first = dt.date(year, 9, 1)
    return first + dt.timedelta(days=(6 - first.weekday()) % 7 + 14)


# Longer one-word names that tolerate a typo ("toussain", "pacques"). "noel" is too short
# to guess from ("nouvel" would match), so only its exact spelling counts.
_FUZZY_NAMES = ("paques", "toussaint", "ascension", "pentecote", "assomption", "armistice")
_NAMED_RE = re.compile(r"\b(" + "|".join(
    re.escape(alias) for alias in sorted(_NAMED_DAYS, key=len, reverse=True)) + r")\b")

_PAST_TENSE = re.compile(
    r"\b(?:etait|etaient|etais|etiez|a ete|ont ete|avez ete|avait|avaient|fut|c etait|"
    r"dernier|derniere|l an dernier|l annee derniere)\b")
_NOW_WORDS = re.compile(
    r"\b(?:maintenant|mnt|mtn|actuellement|en ce moment|a l instant|tout de suite|"
    r"direct(?:ement)?|a cette heure ci|encore ouvert|toujours ouvert|deja ouvert|la tout de suite|"
    r"c ouvert la|ouvert la|ouverts la|ouverte la)\b")
# "Quand", "quels jours", "les horaires": the week, even with "ouvert" in the question.
_WEEK_WORDS = re.compile(r"\b(?:quand|quels? jours?|horaires?|heures? d ouverture|"
                         r"jours? d ouverture|jours? et heures?)\b")
# Questions about being open or closing without any moment are about now.
_OPEN_WORDS = re.compile(r"\b(?:ouvert|ouverte|ouverts|ouvertes|ferme|fermee|fermes|fermez|"
                         r"ouvrez|ouvre|ferment|ouvrent|jusqu a quelle heure|"
                         r"jusque quelle heure)\b")


@dataclass(frozen=True)
class Moment:
    kind: str
    days: Tuple[dt.date, ...] = ()
    at: Optional[dt.datetime] = None       # NOW and INSTANT, aware Brussels
    window: Optional[Window] = None         # PART
    label: str = ""                         # a named day ("Noël") or days ("le week-end")
    past: bool = False
    problem: str = ""                       # INVALID: French sentence

    @property
    def day(self) -> Optional[dt.date]:
        return self.days[0] if self.days else (self.at.date() if self.at else None)

    def spec(self) -> str:
        """A compact text that moment_from_spec() reads back (for button payloads)."""
        if self.kind in (NOW, NONE, INVALID):
            return "now" if self.kind == NOW else ""
        if self.kind == INSTANT:
            return f"at:{self.at.strftime('%Y-%m-%dT%H:%M')}"
        if self.kind == PART:
            return (f"part:{self.days[0].isoformat()}:{self.window[0].strftime('%H%M')}-"
                    f"{self.window[1].strftime('%H%M')}")
        if self.kind == DAYS:
            return "days:" + ",".join(d.isoformat() for d in self.days)
        return f"day:{self.days[0].isoformat()}"


# --- helpers -----------------------------------------------------------------------------------

def normalise(text: str) -> str:
    """Lower case, no accents, "’" -> "'", punctuation -> spaces (keeps / : . - in dates and
    times); apostrophes become spaces ("aujourd'hui" -> "aujourd hui")."""
    text = unicodedata.normalize("NFKD", str(text).lower().replace("’", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^a-z0-9/:.\-]+", " ", text)
    text = re.sub(r"(?<![0-9])[.:]|[.:](?![0-9])", " ", text)   # sentence dots and colons
    return " ".join(text.split())


def _brussels(now: dt.datetime) -> dt.datetime:
    return now.replace(tzinfo=BRUSSELS) if now.tzinfo is None else now.astimezone(BRUSSELS)


@functools.lru_cache(maxsize=1024)
def _fuzzy(word: str, choices: Tuple[str, ...], cutoff: float) -> Optional[str]:
    found = difflib.get_close_matches(word, choices, n=1, cutoff=cutoff)
    return found[0] if found else None


def _month(word: str) -> Optional[int]:
    if word in _MONTH_WORDS:
        return _MONTH_WORDS[word]
    if len(word) >= 4:
        close = _fuzzy(word, tuple(k for k in _MONTH_WORDS if len(k) >= 4), 0.8)
        if close:
            return _MONTH_WORDS[close]
    return None


def _weekday(word: str) -> Optional[int]:
    if word in _WEEKDAYS:
        return _WEEKDAYS.index(word)
    if word.endswith("s") and word[:-1] in _WEEKDAYS:       # "les samedis"
        return _WEEKDAYS.index(word[:-1])
    if len(word) >= 5:
        close = _fuzzy(word, tuple(_WEEKDAYS), 0.8)
        if close:
            return _WEEKDAYS.index(close)
    return None


def _date_or_none(year: int, month: int, day: int) -> Optional[dt.date]:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _occurrence(month: int, day: int, today: dt.date, past: bool) -> Optional[dt.date]:
    """The next (or, in the past tense, the latest) existing date with that day and month."""
    step = -1 if past else 1
    year = today.year
    for _ in range(9):          # 29 February exists within 8 years
        candidate = _date_or_none(year, month, day)
        if candidate and ((candidate >= today) if not past else (candidate <= today)):
            return candidate
        year += step
    return None


def _invalid(day: int, month: int, year: Optional[int], shown: str) -> "Moment":
    if not 1 <= month <= 12:
        return Moment(INVALID, problem=f"« {shown} » n'est pas une date valide : il n'y a que "
                                       "12 mois.")
    name = f"{day} {MONTHS_FR[month - 1]}" + (f" {year}" if year else "")
    if year and day == 29 and month == 2:
        return Moment(INVALID, problem=f"Le 29 février {year} n'existe pas : {year} n'est pas "
                                       "une année bissextile.")
    return Moment(INVALID, problem=f"Le {name} n'existe pas.")


# --- day finders: each returns (days, label, explicit_past) or a Moment(INVALID) or None ------

_DATE_WORDS = re.compile(r"\b(1er|premier|\d{1,2})\s+([a-z]{3,})\.?(?:\s+(\d{4}))?\b")
_DATE_NUMS = re.compile(r"\b(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}|\d{2}))?\b"
                        r"|\b(\d{1,2})-(\d{1,2})-(\d{4})\b")

DayFind = Tuple[Tuple[dt.date, ...], str, bool]


def _explicit_date(text: str, today: dt.date, past: bool):
    for match in _DATE_WORDS.finditer(text):
        month = _month(match.group(2))
        if month is None:
            continue
        day = 1 if match.group(1) in ("1er", "premier") else int(match.group(1))
        year = int(match.group(3)) if match.group(3) else None
        shown = match.group(0)
        return _resolve_date(day, month, year, today, past, shown)
    for match in _DATE_NUMS.finditer(text):
        if match.group(0) in ("7/7", "24/24"):          # "ouvert 7/7": not a date
            continue
        groups = match.groups()
        day_s, month_s, year_s = groups[:3] if groups[0] else groups[3:]
        day, month = int(day_s), int(month_s)
        if "." in match.group(0) and not year_s and month > 12:
            continue                                     # "12.30" is a time, not a date
        year = None
        if year_s:
            year = int(year_s) + (2000 if len(year_s) == 2 else 0)
        return _resolve_date(day, month, year, today, past, match.group(0))
    return None


def _resolve_date(day: int, month: int, year: Optional[int], today: dt.date, past: bool,
                  shown: str):
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return _invalid(day, month, year, shown)
    if year is not None:
        date = _date_or_none(year, month, day)
        if date is None:
            return _invalid(day, month, year, shown)
        return (date,), "", date < today
    # Without a year: does the day exist in some year at all (31/02 never does)?
    if _date_or_none(2024, month, day) is None:
        return _invalid(day, month, None, shown)
    date = _occurrence(month, day, today, past)
    return (date,), "", date < today


def _named_day(text: str, today: dt.date, past: bool):
    match = _NAMED_RE.search(text)
    found = match.group(1) if match else None
    if found is None:
        for token in text.split():
            if len(token) >= 5 and token not in _WEEKDAYS:
                close = _fuzzy(token, _FUZZY_NAMES, 0.85)
                if close:
                    found = close
                    break
    if found is None:
        return None
    key = _NAMED_DAYS[found]
    label, date_of = _NAMED_DATES[key]
    year_match = re.search(r"\b(20\d{2})\b", text)
    if year_match:
        date = date_of(int(year_match.group(1)))
        return (date,), label, date < today
    date = date_of(today.year)
    if past and date > today:
        date = date_of(today.year - 1)
    elif not past and date < today:
        date = date_of(today.year + 1)
    return (date,), label, date < today


def _relative_day(text: str, today: dt.date, past: bool):
    table = [
        (r"\bavant[- ]hier\b", -2, ""),
        (r"\bapres[- ]demain\b", 2, ""),
        (r"\bhier\b", -1, ""),
        (r"\b(?:demain|dmain|2main)\b", 1, ""),
        (r"\b(?:aujourd hui|aujourdhui|aujourd hui|auj|ajd|ajourd hui|today|ce jour)\b", 0,
         ""),
        (r"\bce soir\b|\bce matin\b|\bcet apres[- ]?midi\b|\bce midi\b|\btantot\b|"
         r"\bcette nuit\b", 0, ""),
    ]
    for pattern, offset, label in table:
        if re.search(pattern, text):
            date = today + dt.timedelta(days=offset)
            return (date,), label, offset < 0
    return None


def _weekend(text: str, today: dt.date, past: bool):
    if not re.search(r"\bweek[- ]?end\b|\bwe\b|\bwkend\b", text):
        return None
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7)
    if today.weekday() == 6:                       # on Sunday, "ce week-end" is today
        days: Tuple[dt.date, ...] = (today,)
        if re.search(r"prochain", text):
            days = (today + dt.timedelta(days=6), today + dt.timedelta(days=7))
    else:
        if re.search(r"prochain", text) and today.weekday() == 5:
            saturday += dt.timedelta(days=7)
        days = (saturday, saturday + dt.timedelta(days=1))
    if past or re.search(r"dernier|passe", text):
        last_saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7 or 7)
        days = (last_saturday, last_saturday + dt.timedelta(days=1))
    return days, "le week-end", days[-1] < today


def _week(text: str, today: dt.date, past: bool):
    monday = today - dt.timedelta(days=today.weekday())
    if re.search(r"\bsemaine prochaine\b|\bla semaine qui vient\b", text):
        start = monday + dt.timedelta(days=7)
        return tuple(start + dt.timedelta(days=i) for i in range(7)), "la semaine prochaine", False
    if re.search(r"\bcette semaine\b", text):
        return (tuple(today + dt.timedelta(days=i) for i in range(7 - today.weekday())),
                "cette semaine", False)
    return None


def _weekday_in_text(text: str, today: dt.date, past: bool):
    tokens = text.split()
    for index, token in enumerate(tokens):
        weekday = _weekday(token)
        if weekday is None:
            continue
        following = " ".join(tokens[index + 1:index + 3])
        ahead = (weekday - today.weekday()) % 7
        if re.match(r"(?:prochain|qui vient|d apres)", following):
            ahead = ahead or 7
        elif past or re.match(r"(?:dernier|passe)", following):
            back = (today.weekday() - weekday) % 7 or 7
            date = today - dt.timedelta(days=back)
            return (date,), "", True
        return (today + dt.timedelta(days=ahead),), "", False
    return None


def _day_of_month(text: str, today: dt.date, past: bool):
    """'le 15' alone: the next 15th (a month without it is skipped)."""
    match = re.search(r"\b(?:le|du|ce) (\d{1,2}|1er)\b(?!\s*(?:h\b|heures?|:|/|\.\d|-\d|\d))",
                      text)
    if not match:
        return None
    day = 1 if match.group(1) == "1er" else int(match.group(1))
    if not 1 <= day <= 31:
        return Moment(INVALID, problem=f"Le {day} n'est pas un jour du mois.")
    year, month = today.year, today.month
    for _ in range(13):
        date = _date_or_none(year, month, day)
        if date and ((date >= today) if not past else (date <= today)):
            return (date,), "", date < today
        month += -1 if past else 1
        if month == 13:
            year, month = year + 1, 1
        elif month == 0:
            year, month = year - 1, 12
    return None


_DATEPARSER_TRIGGER = re.compile(r"\b(?:dans|d ici)\b")


def _dateparser(text: str, now: dt.datetime):
    """The maintained library for what our rules miss ("dans 3 jours", "dans 2 semaines").
    Only called when such words appear: it is slower (~1 ms) than our rules (~50 µs)."""
    if not _DATEPARSER_TRIGGER.search(text):
        return None
    return _search_dates(text, now)


def _search_dates(text: str, now: dt.datetime):
    from dateparser.search import search_dates   # imported lazily: ~0.4 s, rarely needed

    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "TIMEZONE": "Europe/Brussels",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "DATE_ORDER": "DMY",
    }
    try:
        found = search_dates(text, languages=["fr"], settings=settings)
    except Exception:   # noqa: BLE001 - a parsing library must never break an answer
        return None
    if not found:
        return None
    phrase, value = found[0]
    value = value.replace(tzinfo=BRUSSELS)
    if re.search(r"\b(?:heure|heures|h|minute|minutes|min)\b", phrase):
        return Moment(INSTANT, (value.date(),), at=value, past=value < now)
    return (value.date(),), "", value.date() < now.date()


_DAY_FINDERS: List[Callable] = [_explicit_date, _named_day, _relative_day, _weekend, _week,
                                _weekday_in_text, _day_of_month]

_BETWEEN_DAYS = re.compile(r"\b(?:entre|du) (.+?) (?:et|au) (.+)")
MAX_RANGE_DAYS = 31


def _one_day(text: str, today: dt.date, past: bool) -> Optional[dt.date]:
    for finder in _DAY_FINDERS:
        found = finder(text, today, past)
        if found is not None:
            return found[0][0] if isinstance(found, tuple) and len(found[0]) == 1 else None
    return None


def _between_days(text: str, today: dt.date, past: bool):
    """'entre Noël et Nouvel An', 'du 24 au 26 décembre': every day from the first to the
    last (a bare day number on the left takes the month of the right)."""
    match = _BETWEEN_DAYS.search(text)
    if not match:
        return None
    bare = re.fullmatch(r"(?:le )?(\d{1,2}|1er)", match.group(1).strip())
    if bare:
        last = _one_day(match.group(2), today, past)
        day = 1 if bare.group(1) == "1er" else int(bare.group(1))
        first = _date_or_none(last.year, last.month, day) if last else None
    else:
        first = _one_day(match.group(1), today, past)
        last = _one_day(match.group(2), first, False) if first else None
    if first is None or last is None or not 0 < (last - first).days <= MAX_RANGE_DAYS:
        return None
    days = tuple(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    return days, "", days[-1] < today


# --- times of day ----------------------------------------------------------------------------

_TIME = re.compile(r"\b(?:a|vers|pour|des|avant|apres|jusqu a|de)?\s*"
                   r"(\d{1,2})\s*(?:h|heures?|:)\s*(\d{2})?\b")
_BETWEEN = re.compile(r"\b(?:entre|de)\s+(\d{1,2})\s*(?:h|heures?|:)?\s*(\d{2})?\s*"
                      r"(?:et|a|-)\s*(\d{1,2})\s*(?:h|heures?|:)\s*(\d{2})?")


def _clock(hour: str, minute: Optional[str]) -> Optional[dt.time]:
    h, m = int(hour), int(minute or 0)
    if h > 23 or m > 59:
        return None
    return dt.time(h, m)


def _window(text: str) -> Tuple[Optional[Window], str]:
    match = _BETWEEN.search(text)
    if match:
        start, end = _clock(match.group(1), match.group(2)), _clock(match.group(3),
                                                                     match.group(4))
        if start and end and start < end:
            return (start, end), f"entre {_fmt(start)} et {_fmt(end)}"
    for pattern, window, label in _PARTS:
        if re.search(pattern, text):
            return window, label
    return None, ""


def _time(text: str) -> Optional[dt.time]:
    match = _TIME.search(text)
    if match:
        return _clock(match.group(1), match.group(2))
    if re.search(r"\ba midi\b|\bmidi pile\b", text):
        return dt.time(12, 0)
    return None


def _fmt(value: dt.time) -> str:
    return f"{value.hour}h{value.minute:02d}" if value.minute else f"{value.hour}h"


# --- the parser --------------------------------------------------------------------------------

def parse_moment(text: str, now: dt.datetime) -> Moment:
    """The moment a French message names, relative to `now` (aware; naive = Brussels)."""
    now = _brussels(now)
    today = now.date()
    if text and text.lstrip().startswith("/"):
        text = ""          # a button payload names no moment (see moment_from_spec)
    norm = normalise(text or "")
    if not norm:
        return Moment(NONE)
    past = bool(_PAST_TENSE.search(norm))

    window, window_label = _window(norm)
    # Times are removed before looking for dates, so "14h30" or "12:30" is never a date.
    without_times = _BETWEEN.sub(" ", norm) if window else norm
    clock = None if window else _time(without_times)
    without_times = _TIME.sub(" ", without_times)

    found = None
    for finder in [_between_days] + _DAY_FINDERS:
        found = finder(without_times, today, past)
        if found is not None:
            break
    if found is None:
        found = _dateparser(norm, now)
    if isinstance(found, Moment):
        return found                          # INVALID, or an INSTANT from dateparser

    if found is None:
        if window:
            return Moment(PART, (today,), window=window, label=window_label, past=past)
        if clock:
            # A time alone is its next occurrence (its latest one in the past tense).
            moment_at = dt.datetime.combine(today, clock, tzinfo=BRUSSELS)
            if past and moment_at > now:
                moment_at -= dt.timedelta(days=1)
            elif not past and moment_at < now - dt.timedelta(minutes=1):
                moment_at += dt.timedelta(days=1)
            return Moment(INSTANT, (moment_at.date(),), at=moment_at, past=moment_at < now)
        if _NOW_WORDS.search(norm) or (_OPEN_WORDS.search(norm)
                                       and not _WEEK_WORDS.search(norm)):
            return Moment(NOW, (today,), at=now)
        return Moment(NONE)

    days, label, is_past = found
    if len(days) > 1:
        return Moment(DAYS, days, label=label, past=days[-1] < today)
    day = days[0]
    if window:
        part_past = day < today or (day == today and past)
        return Moment(PART, (day,), window=window, label=window_label, past=part_past)
    if clock:
        moment_at = dt.datetime.combine(day, clock, tzinfo=BRUSSELS)
        return Moment(INSTANT, (day,), at=moment_at, past=moment_at < now)
    return Moment(DAY, (day,), label=label, past=day < today)


_SPEC = re.compile(r"^(?:(now)|day:(\d{4}-\d{2}-\d{2})|days:([\d,-]+)|"
                   r"part:(\d{4}-\d{2}-\d{2}):(\d{4})-(\d{4})|at:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}))$")


def moment_from_spec(spec: str, now: dt.datetime) -> Optional[Moment]:
    """Read back Moment.spec() (carried by a button payload); None when it is not a spec."""
    match = _SPEC.match((spec or "").strip())
    if not match:
        return None
    now = _brussels(now)
    today = now.date()
    (is_now, day, days, part_day, start, end, at) = match.groups()
    try:
        if is_now:
            return Moment(NOW, (today,), at=now)
        if day:
            date = dt.date.fromisoformat(day)
            return Moment(DAY, (date,), past=date < today)
        if days:
            dates = tuple(dt.date.fromisoformat(d) for d in days.split(","))
            return Moment(DAYS, dates, past=dates[-1] < today)
        if part_day:
            date = dt.date.fromisoformat(part_day)
            window = (dt.time(int(start[:2]), int(start[2:])), dt.time(int(end[:2]), int(end[2:])))
            return Moment(PART, (date,), window=window, past=date < today)
        moment_at = dt.datetime.fromisoformat(at).replace(tzinfo=BRUSSELS)
        return Moment(INSTANT, (moment_at.date(),), at=moment_at, past=moment_at < now)
    except ValueError:
        return None


def warm_up() -> None:
    """Load dateparser's French data now, so the first citizen does not wait ~1 s."""
    _search_dates("dans 3 jours", dt.datetime.now(BRUSSELS))
