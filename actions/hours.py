"""Opening-hours maths: is a service open at a moment, until when, and when does it reopen?

Plain Python, no Rasa. Every answer about hours is computed here from the catalogue's weekly
hours and the city calendar (legal holidays, administration days, exceptional closures and
special hours); nothing is written by hand per case.

All datetimes are aware and in Europe/Brussels. Weekly hours are wall-clock times, so a
day's ranges are combined with the date in the Brussels zone: summer/winter time changes
(which happen at night, outside any opening range) need no special case.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from actions.clock import BRUSSELS

Range = Tuple[dt.time, dt.time]

# French weekday names, Monday first (date.weekday() order). City staff write these in YAML.
WEEKDAY_KEYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
WEEKDAY_ABBR = ["lun", "mar", "mer", "jeu", "ven", "sam", "dim"]
_WEEKDAY_INDEX = {name: i for i, name in enumerate(WEEKDAY_KEYS)}
_WEEKDAY_INDEX.update({name: i for i, name in enumerate(WEEKDAY_ABBR)})

# Why a service is closed (or that it is open). The French wording lives in `reason`.
OPEN = "open"
HOLIDAY = "holiday"
ADMIN_DAY = "administration_day"
CLOSURE = "closure"
LUNCH = "lunch"
BEFORE_OPENING = "before_opening"
AFTER_CLOSING = "after_closing"
CLOSED_DAY = "closed_day"
UNKNOWN = "unknown"

# next_opening() looks this far ahead; a year covers any closure the city would announce.
HORIZON_DAYS = 400


# --- weekly hours: the data model and its parsing from YAML ----------------------------------

@dataclass(frozen=True)
class WeekHours:
    """Opening ranges for each weekday, Monday first; an empty tuple means closed that day."""

    days: Tuple[Tuple[Range, ...], ...]

    def on(self, weekday: int) -> Tuple[Range, ...]:
        return self.days[weekday]

    @classmethod
    def every_day(cls, ranges: Sequence[Range]) -> "WeekHours":
        return cls(tuple(tuple(ranges) for _ in range(7)))


_TIME_RE = re.compile(r"^\s*(\d{1,2})\s*(?:[:h]\s*(\d{2})?)?\s*$")
_RANGE_SPLIT_RE = re.compile(r"\s*[-–—]\s*|\s+à\s+")


def parse_time(text: str) -> dt.time:
    """'8:30', '08h30', '8h', '16' -> time. Raises ValueError with a readable message."""
    match = _TIME_RE.match(str(text))
    if not match:
        raise ValueError(f"'{text}' is not a time (write it like 8:30 or 8h30)")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour == 24 and minute == 0:
        # "until midnight": the last representable minute keeps ranges inside the day.
        return dt.time(23, 59)
    if hour > 23 or minute > 59:
        raise ValueError(f"'{text}' is not a valid time")
    return dt.time(hour, minute)


def parse_range(text: object) -> Range:
    """'8:30-12:30' -> (8:30, 12:30); the start must come before the end."""
    if not isinstance(text, str):
        raise ValueError(
            f"{text!r} is not a range of hours: write it between quotes, like '8:30-12:30'")
    parts = _RANGE_SPLIT_RE.split(text.strip())
    if len(parts) != 2:
        raise ValueError(f"'{text}' is not a range of hours (write it like 8:30-12:30)")
    start, end = parse_time(parts[0]), parse_time(parts[1])
    if start >= end:
        raise ValueError(f"'{text}' is inverted or empty: the start must come before the end")
    return start, end


def parse_weekdays(key: object) -> List[int]:
    """'lundi', 'lun', 'lundi-vendredi', 'samedi, dimanche' -> weekday numbers (Monday = 0)."""
    text = str(key).strip().lower()
    days: List[int] = []
    for part in re.split(r"\s*[,;]\s*|\s+et\s+", text):
        bounds = _RANGE_SPLIT_RE.split(part)
        if len(bounds) == 1:
            if bounds[0] not in _WEEKDAY_INDEX:
                raise ValueError(f"'{bounds[0]}' is not a weekday (use lundi … dimanche)")
            days.append(_WEEKDAY_INDEX[bounds[0]])
        elif len(bounds) == 2:
            for bound in bounds:
                if bound not in _WEEKDAY_INDEX:
                    raise ValueError(f"'{bound}' is not a weekday (use lundi … dimanche)")
            first, last = _WEEKDAY_INDEX[bounds[0]], _WEEKDAY_INDEX[bounds[1]]
            if last < first:
                raise ValueError(f"'{part}' is inverted: write the first day first")
            days.extend(range(first, last + 1))
        else:
            raise ValueError(f"'{part}' is not a weekday or a range of weekdays")
    return days


def check_ranges(ranges: Sequence[Range]) -> Optional[str]:
    """A message if two ranges of the same day overlap, else None."""
    ordered = sorted(ranges)
    for (start_a, end_a), (start_b, end_b) in zip(ordered, ordered[1:]):
        if start_b < end_a:
            return (f"ranges {format_range((start_a, end_a))} and "
                    f"{format_range((start_b, end_b))} overlap")
    return None


def parse_ranges(raw: object) -> Tuple[Tuple[Range, ...], List[str]]:
    """A YAML list of ranges -> sorted ranges and the problems found (messages)."""
    problems: List[str] = []
    if raw is None:
        return (), problems
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        return (), [f"expected a list of ranges like ['8:30-12:30', '13:30-16:00'], got {raw!r}"]
    ranges: List[Range] = []
    for item in raw:
        if str(item).strip().lower() in ("fermé", "ferme", "closed"):
            continue
        try:
            ranges.append(parse_range(item))
        except ValueError as error:
            problems.append(str(error))
    overlap = check_ranges(ranges)
    if overlap:
        problems.append(overlap)
    return tuple(sorted(ranges)), problems


def parse_week(raw: object) -> Tuple[Optional[WeekHours], List[Tuple[str, str]]]:
    """{'lundi-vendredi': [...], 'samedi': [...]} -> WeekHours and (key, message) problems.

    A weekday that no key names is closed. A weekday named by two keys is a problem: staff
    would not know which line wins.
    """
    problems: List[Tuple[str, str]] = []
    if not isinstance(raw, dict) or not raw:
        return None, [("", "expected weekdays with their ranges, e.g. lundi-vendredi: "
                           "['8:30-12:30', '13:30-16:00']")]
    days: Dict[int, Tuple[Range, ...]] = {}
    for key, value in raw.items():
        ranges, range_problems = parse_ranges(value)
        problems.extend((str(key), message) for message in range_problems)
        try:
            weekdays = parse_weekdays(key)
        except ValueError as error:
            problems.append((str(key), str(error)))
            continue
        for weekday in weekdays:
            if weekday in days:
                problems.append((str(key), f"{WEEKDAY_KEYS[weekday]} is given twice"))
            days[weekday] = ranges
    return WeekHours(tuple(days.get(i, ()) for i in range(7))), problems


# --- French rendering of hours ---------------------------------------------------------------

def format_time(value: dt.time) -> str:
    """8:30 -> '8h30', 12:00 -> '12h'; 23:59 is the 'midnight' of parse_time."""
    if value == dt.time(23, 59):
        return "minuit"
    return f"{value.hour}h{value.minute:02d}" if value.minute else f"{value.hour}h"


def format_range(value: Range) -> str:
    return f"{format_time(value[0])}–{format_time(value[1])}"


def format_ranges(ranges: Iterable[Range]) -> str:
    """'8h30–12h30, 13h30–16h'."""
    return ", ".join(format_range(r) for r in ranges)


def _day_label(days: Sequence[int]) -> str:
    """[0,1,2,3,4] -> 'lun–ven'; [0,4] -> 'lun et ven'; [1,3,5,6] -> 'mar, jeu et sam–dim'."""
    runs: List[List[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = [WEEKDAY_ABBR[run[0]] if len(run) == 1
             else f"{WEEKDAY_ABBR[run[0]]}–{WEEKDAY_ABBR[run[-1]]}" for run in runs]
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " et " + parts[-1]


def week_lines(week: WeekHours) -> List[str]:
    """One line per group of days with the same hours: ['Lun–ven : 8h30–12h30, 13h30–16h']."""
    groups: Dict[Tuple[Range, ...], List[int]] = {}
    for weekday in range(7):
        groups.setdefault(week.on(weekday), []).append(weekday)
    lines = []
    closed: List[int] = []
    for ranges, days in sorted(groups.items(), key=lambda item: item[1][0]):
        if not ranges:
            closed = days
            continue
        label = _day_label(days)
        lines.append(f"{label[0].upper()}{label[1:]} : {format_ranges(ranges)}")
    if closed:
        label = _day_label(closed)
        if " et " in label and lines:
            label = "autres jours"       # scattered closed days read better this way
        lines.append(f"{label[0].upper()}{label[1:]} : fermé")
    return lines


# --- one day of one entity -------------------------------------------------------------------

@dataclass(frozen=True)
class DayPlan:
    """What a service (or site) does on one date, all rules applied."""

    day: dt.date
    ranges: Tuple[Range, ...]
    known: bool                   # False when the catalogue has no hours for this entity
    closed_kind: Optional[str] = None    # HOLIDAY, ADMIN_DAY or CLOSURE when closed all day
    closed_reason: str = ""       # French: "jour férié : Toussaint"
    warning: str = ""             # French caveat: unconfirmed closure day
    special: str = ""             # French: why the hours differ from the usual week

    @property
    def open_all_day_closed(self) -> bool:
        return self.closed_kind is not None


def day_plan(entity, day: dt.date) -> DayPlan:
    """The hours of `entity` (a catalogue Entry: service or site) on `day`.

    Precedence: an exceptional closure, then special hours, then a legal holiday or an
    administration day the city closes, then the usual week. A day whose closure is not
    confirmed keeps the usual hours with a warning.
    """
    calendar = entity.calendar
    service_id, site_id = entity.service_id, entity.site_id
    hours = entity.effective_hours
    closure = calendar.closure_on(day, service_id, site_id)
    if closure is not None:
        return DayPlan(day, (), hours is not None, CLOSURE, closure.describe(day))
    special = calendar.special_hours_on(day, service_id, site_id)
    if special is not None:
        return DayPlan(day, special.week.on(day.weekday()), True, special=special.reason)
    known = hours is not None
    usual = hours.week.on(day.weekday()) if known else ()
    warning = ""
    holiday = calendar.holiday_rule(day, service_id)
    if holiday is not None:
        name, status = holiday
        if status == "closed":
            return DayPlan(day, (), known, HOLIDAY, f"jour férié : {name}")
        if status == "unconfirmed" and (usual or not known):
            warning = (f"Le {day.day}/{day.month:02d} est un jour férié ({name}) : "
                       "l'ouverture n'est pas confirmée, vérifiez avant de vous déplacer.")
    admin = calendar.administration_day(day, service_id)
    if admin is not None:
        name, status = admin
        if status == "closed":
            return DayPlan(day, (), known, ADMIN_DAY, f"congé des services communaux : {name}")
        if status == "unconfirmed" and (usual or not known) and not warning:
            warning = (f"Le {day.day}/{day.month:02d} ({name}), beaucoup d'administrations "
                       "communales ferment ; la Ville n'a pas publié sa décision : vérifiez "
                       "sur liege.be.")
    return DayPlan(day, usual, known, warning=warning)


def _at(day: dt.date, value: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, value, tzinfo=BRUSSELS)


def brussels(moment: dt.datetime) -> dt.datetime:
    """Any datetime -> aware Brussels time (a naive one is taken as Brussels wall time)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=BRUSSELS)
    return moment.astimezone(BRUSSELS)


def _merged(ranges: Sequence[Range]) -> List[Range]:
    """Contiguous ranges (12:00-13:00, 13:00-14:00) read as one for 'open until'."""
    merged: List[Range] = []
    for start, end in sorted(ranges):
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


# --- status at a moment, next opening --------------------------------------------------------

@dataclass(frozen=True)
class Status:
    """Open or closed at `when`, why, until when, and when it opens next."""

    when: dt.datetime
    is_open: Optional[bool]       # None: hours unknown
    kind: str
    reason: str                   # French, "" when open
    until: Optional[dt.datetime]  # closing time when open
    next_open: Optional[dt.datetime]
    plan: DayPlan


def next_opening(entity, after: dt.datetime, horizon_days: int = HORIZON_DAYS
                 ) -> Optional[dt.datetime]:
    """The first opening strictly after `after`, skipping holidays and closures, or None
    (hours unknown, or closed for the whole horizon)."""
    after = brussels(after)
    if entity.effective_hours is None:
        return None
    day = after.date()
    for _ in range(horizon_days):
        for start, _end in _merged(day_plan(entity, day).ranges):
            opening = _at(day, start)
            if opening > after:
                return opening
        day += dt.timedelta(days=1)
    return None


def status_at(entity, when: dt.datetime) -> Status:
    """Open or closed at `when` (any aware datetime; converted to Brussels)."""
    when = brussels(when)
    plan = day_plan(entity, when.date())
    now_time = when.time().replace(tzinfo=None)
    if plan.closed_kind is not None:
        return Status(when, False, plan.closed_kind, plan.closed_reason, None,
                      next_opening(entity, when), plan)
    if not plan.known:
        return Status(when, None, UNKNOWN, "horaires inconnus", None, None, plan)
    ranges = _merged(plan.ranges)
    for start, end in ranges:
        if start <= now_time < end:
            return Status(when, True, OPEN, "", _at(plan.day, end), None, plan)
    # Reasons are French phrases that follow "fermé" in an answer.
    if not ranges:
        kind, reason = CLOSED_DAY, f"le {WEEKDAY_KEYS[when.weekday()]}"
    elif now_time < ranges[0][0]:
        kind, reason = BEFORE_OPENING, f"ouverture à {format_time(ranges[0][0])}"
    elif now_time >= ranges[-1][1]:
        kind, reason = AFTER_CLOSING, f"depuis {format_time(ranges[-1][1])}"
    else:
        gap = next((prev_end, start) for (_, prev_end), (start, _) in zip(ranges, ranges[1:])
                   if prev_end <= now_time < start)
        kind = LUNCH
        noon = dt.time(11, 30) <= gap[0] <= dt.time(14, 30)
        reason = (("pause de midi" if noon else "interruption")
                  + f" de {format_time(gap[0])} à {format_time(gap[1])}")
    return Status(when, False, kind, reason, None, next_opening(entity, when), plan)


def open_ranges(entity, day: dt.date) -> Tuple[Range, ...]:
    """The day's opening ranges after every rule (empty when closed or unknown)."""
    return day_plan(entity, day).ranges


def ranges_within(ranges: Sequence[Range], window: Range) -> List[Range]:
    """The parts of `ranges` inside `window` (for "ce soir", "entre midi et deux")."""
    inside = []
    for start, end in ranges:
        low, high = max(start, window[0]), min(end, window[1])
        if low < high:
            inside.append((low, high))
    return inside
