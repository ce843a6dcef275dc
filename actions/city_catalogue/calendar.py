"""The city calendar: legal holidays, administration days, exceptional closures, special hours.

- Legal holidays are computed by the `holidays` package (Belgium, French names), never listed
  by hand. calendar.yml only says which services close on them.
- Administration days (27/09, 02/11, 15/11, 26/12) are configuration: the city decides, and
  its own list was not found (research: belgian-calendar.md). Each carries a status:
  `closed` (the city confirmed), `open`, or `unconfirmed` (normal hours plus a caveat).
- Exceptional closures and special hours cover date ranges, for some services or sites, or
  for every service (`services: all`), each with a reason and a source.

Plain Python, no Rasa.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, List, Mapping, Optional, Tuple

import holidays
import yaml

from actions.city_catalogue.errors import ProblemCollector
from actions.formatting import format_date
from actions.hours import WeekHours, parse_ranges, parse_week

CALENDAR_FILE = "calendar.yml"
STATUSES = ("closed", "open", "unconfirmed")

# Belgian legal holidays come from the package; its Sunday-only entries (Pâques, Pentecôte)
# are kept: they are real holidays and name the day in answers.
_HOLIDAY_CATEGORIES = ("public",)


class _TextDatesLoader(yaml.SafeLoader):
    """YAML without implicit dates: '2024-05-38' stays text, so a bad date becomes a problem
    naming its entry instead of a crash inside the YAML library."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def read_yaml(path: Path, problems: ProblemCollector) -> Optional[dict]:
    """The mapping in `path`, or None after recording why it cannot be read."""
    file = str(path)
    if not path.exists():
        problems.add(file, None, None, "file not found")
        return None
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_TextDatesLoader) or {}
    except (yaml.YAMLError, ValueError) as error:
        problems.add(file, None, None, f"not valid YAML: {error}")
        return None
    if not isinstance(data, dict):
        problems.add(file, None, None, "expected a mapping at the top level")
        return None
    return data


@functools.lru_cache(maxsize=16)
def legal_holidays(year: int) -> Mapping[dt.date, str]:
    """{date: French name} of Belgium's legal holidays in `year`."""
    return dict(holidays.Belgium(years=year, language="fr", categories=_HOLIDAY_CATEGORIES))


def legal_holiday(day: dt.date) -> Optional[str]:
    return legal_holidays(day.year).get(day)


@dataclass(frozen=True)
class AdministrationDay:
    month: int
    day: int
    name: str
    status: str
    services: Optional[FrozenSet[str]]   # None = every service

    def applies(self, service_id: str) -> bool:
        return self.services is None or service_id in self.services


@dataclass(frozen=True)
class DatedRule:
    """An exceptional closure (week is None) or special hours over [start, end]."""

    start: dt.date
    end: Optional[dt.date]                 # None: until further notice
    services: Optional[FrozenSet[str]]     # None = every service
    sites: Optional[FrozenSet[str]]        # None = every site of those services
    reason: str
    source: Tuple[str, ...]
    week: Optional[WeekHours] = None

    def covers(self, day: dt.date, service_id: str, site_id: Optional[str]) -> bool:
        if day < self.start or (self.end is not None and day > self.end):
            return False
        if self.services is not None and service_id not in self.services:
            return False
        if self.sites is not None and site_id not in self.sites:
            # A rule for some sites does not close the service as a whole.
            return False
        return True

    def describe(self, day: Optional[dt.date] = None) -> str:
        """French: 'fermeture exceptionnelle depuis le 18 mai 2024 : rénovation'."""
        if self.end is None:
            span = f"depuis le {format_date(self.start, with_weekday=False, with_year=True)}"
        elif self.start == self.end:
            span = ""
        else:
            span = (f"du {format_date(self.start, with_weekday=False, with_year=True)} "
                    f"au {format_date(self.end, with_weekday=False, with_year=True)}")
        return f"fermeture exceptionnelle {span} : {self.reason}" if span else \
            f"fermeture exceptionnelle : {self.reason}"


class CityCalendar:
    """Answers 'what kind of day is this for that service?' for the hours maths."""

    def __init__(self, holiday_status: Mapping[str, str], default_holiday_status: str,
                 administration_days: List[AdministrationDay], closures: List[DatedRule],
                 special_hours: List[DatedRule]):
        self._holiday_status = dict(holiday_status)
        self._default_holiday_status = default_holiday_status
        self._admin: Dict[Tuple[int, int], List[AdministrationDay]] = {}
        for admin_day in administration_days:
            self._admin.setdefault((admin_day.month, admin_day.day), []).append(admin_day)
        self.administration_days = tuple(administration_days)
        self.closures = tuple(closures)
        self.special_hours = tuple(special_hours)

    def holiday_rule(self, day: dt.date, service_id: str) -> Optional[Tuple[str, str]]:
        """(French name, status) when `day` is a legal holiday, else None."""
        name = legal_holiday(day)
        if name is None:
            return None
        return name, self._holiday_status.get(service_id, self._default_holiday_status)

    def administration_day(self, day: dt.date, service_id: str) -> Optional[Tuple[str, str]]:
        for admin_day in self._admin.get((day.month, day.day), ()):
            if admin_day.applies(service_id):
                return admin_day.name, admin_day.status
        return None

    def closure_on(self, day: dt.date, service_id: str, site_id: Optional[str]
                   ) -> Optional[DatedRule]:
        return next((c for c in self.closures if c.covers(day, service_id, site_id)), None)

    def special_hours_on(self, day: dt.date, service_id: str, site_id: Optional[str]
                         ) -> Optional[DatedRule]:
        return next((s for s in self.special_hours if s.covers(day, service_id, site_id)), None)

    @classmethod
    def empty(cls) -> "CityCalendar":
        return cls({}, "unconfirmed", [], [], [])


# --- loading and validation ------------------------------------------------------------------

def _date(value: object) -> Optional[dt.date]:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _services_field(raw: object, known: Mapping[str, FrozenSet[str]], where: Tuple[str, str],
                    field: str, problems: ProblemCollector) -> Optional[FrozenSet[str]]:
    """'all' -> None; a list of known service ids -> frozenset (unknown ids are problems)."""
    file, entry = where
    if raw == "all":
        return None
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        problems.add(file, entry, field, "expected 'all' or a list of service ids")
        return frozenset()
    for service_id in raw:
        if service_id not in known:
            problems.add(file, entry, field, f"unknown service id '{service_id}' "
                                             f"(known: {', '.join(sorted(known))})")
    return frozenset(str(s) for s in raw)


def _sites_field(raw: object, services: Optional[FrozenSet[str]],
                 known: Mapping[str, FrozenSet[str]], where: Tuple[str, str],
                 problems: ProblemCollector) -> Optional[FrozenSet[str]]:
    file, entry = where
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        problems.add(file, entry, "sites", "expected a list of site ids")
        return frozenset()
    allowed = set().union(*(known[s] for s in (services or known) if s in known))
    for site_id in raw:
        if site_id not in allowed:
            problems.add(file, entry, "sites",
                         f"unknown site '{site_id}' for the services of this entry")
    return frozenset(str(s) for s in raw)


def _source_field(raw: object, where: Tuple[str, str], problems: ProblemCollector
                  ) -> Tuple[str, ...]:
    file, entry = where
    if isinstance(raw, str) and raw.strip():
        return (raw.strip(),)
    if isinstance(raw, list) and raw and all(isinstance(s, str) and s.strip() for s in raw):
        return tuple(s.strip() for s in raw)
    problems.add(file, entry, "source", "missing source (the URL the fact comes from)")
    return ()


_RULE_FIELDS = {"services", "sites", "from", "to", "reason", "source", "source_date",
                "checked_on", "hours", "note"}


def _dated_rules(raw: object, kind: str, known: Mapping[str, FrozenSet[str]], file: str,
                 problems: ProblemCollector) -> List[DatedRule]:
    rules: List[DatedRule] = []
    if raw is None:
        return rules
    if not isinstance(raw, list):
        problems.add(file, kind, None, "expected a list of entries")
        return rules
    for index, item in enumerate(raw, start=1):
        entry = f"{kind}[{index}]"
        where = (file, entry)
        if not isinstance(item, dict):
            problems.add(file, entry, None, "expected a mapping with services, from, to, reason")
            continue
        for unknown in sorted(set(item) - _RULE_FIELDS):
            problems.add(file, entry, str(unknown), "unknown field")
        services = _services_field(item.get("services"), known, where, "services", problems)
        sites = _sites_field(item.get("sites"), services, known, where, problems)
        start = _date(item.get("from"))
        if start is None:
            problems.add(file, entry, "from", f"expected a date like 2026-12-24, "
                                              f"got {item.get('from')!r}")
        end = None
        if item.get("to") is not None:
            end = _date(item.get("to"))
            if end is None:
                problems.add(file, entry, "to", f"expected a date like 2026-12-31 or nothing, "
                                                f"got {item.get('to')!r}")
            elif start is not None and end < start:
                problems.add(file, entry, "to", f"the range is inverted: {end} is before {start}")
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            problems.add(file, entry, "reason", "missing reason (French, shown to citizens)")
            reason = ""
        source = _source_field(item.get("source"), where, problems)
        if item.get("checked_on") is not None and _date(item.get("checked_on")) is None:
            problems.add(file, entry, "checked_on", "expected a date like 2026-11-25")
        week = None
        if kind == "special_hours":
            raw_hours = item.get("hours")
            if isinstance(raw_hours, dict):
                week, week_problems = parse_week(raw_hours)
                for key, message in week_problems:
                    problems.add(file, entry, f"hours.{key}" if key else "hours", message)
            else:
                ranges, range_problems = parse_ranges(raw_hours)
                for message in range_problems:
                    problems.add(file, entry, "hours", message)
                if raw_hours is None:
                    problems.add(file, entry, "hours",
                                 "special hours need hours (a list of ranges or weekdays)")
                week = WeekHours.every_day(ranges)
        elif "hours" in item:
            problems.add(file, entry, "hours", "a closure has no hours: use special_hours")
        if start is not None:
            rules.append(DatedRule(start, end, services, sites, reason.strip(), source, week))
    return rules


def _overlapping_special_hours(rules: List[DatedRule], file: str,
                               problems: ProblemCollector) -> None:
    """Two special hours for the same service (or site) on the same day: which one wins?"""
    far = dt.date.max
    for i, first in enumerate(rules):
        for j, second in enumerate(rules[i + 1:], start=i + 2):
            if first.start > (second.end or far) or second.start > (first.end or far):
                continue
            services_meet = (first.services is None or second.services is None
                             or first.services & second.services)
            sites_meet = (first.sites is None or second.sites is None
                          or first.sites & second.sites)
            if services_meet and sites_meet:
                problems.add(file, f"special_hours[{j}]", "from",
                             f"overlaps special_hours[{i + 1}] for the same service")


def load_calendar(directory: Path, known: Mapping[str, FrozenSet[str]],
                  problems: ProblemCollector) -> CityCalendar:
    """Read calendar.yml; `known` maps service id -> its site ids. Problems are collected,
    not raised: the caller raises them together with the services' problems."""
    path = Path(directory) / CALENDAR_FILE
    file = str(path)
    data = read_yaml(path, problems)
    if data is None:
        return CityCalendar.empty()
    for unknown in sorted(set(data) - {"legal_holidays", "administration_days", "closures",
                                       "special_hours"}):
        problems.add(file, str(unknown), None, "unknown section")

    # Legal holidays: which services close (the dates come from the `holidays` package).
    holiday_status: Dict[str, str] = {}
    legal = data.get("legal_holidays") or {}
    default_status = "unconfirmed"
    if not isinstance(legal, dict):
        problems.add(file, "legal_holidays", None, "expected closed/open/unconfirmed lists")
        legal = {}
    for status in sorted(set(legal) - set(STATUSES) - {"source", "note", "default"}):
        problems.add(file, "legal_holidays", status,
                     f"unknown field (use {', '.join(STATUSES)}, default)")
    if "default" in legal:
        if legal["default"] in STATUSES:
            default_status = legal["default"]
        else:
            problems.add(file, "legal_holidays", "default", f"expected one of {STATUSES}")
    for status in STATUSES:
        if status not in legal:
            continue
        services = _services_field(legal[status], known, (file, "legal_holidays"), status,
                                   problems)
        if services is None:
            default_status = status
            continue
        for service_id in services:
            if service_id in holiday_status:
                problems.add(file, "legal_holidays", status,
                             f"'{service_id}' is listed under two statuses")
            holiday_status[service_id] = status

    # Administration days: fixed day and month, a status the city sets.
    admin_days: List[AdministrationDay] = []
    raw_days = data.get("administration_days") or []
    if not isinstance(raw_days, list):
        problems.add(file, "administration_days", None, "expected a list")
        raw_days = []
    for index, item in enumerate(raw_days, start=1):
        entry = f"administration_days[{index}]"
        if not isinstance(item, dict):
            problems.add(file, entry, None, "expected a mapping with date, name, status")
            continue
        for unknown in sorted(set(item) - {"date", "name", "status", "services", "source",
                                           "note"}):
            problems.add(file, entry, str(unknown), "unknown field")
        day_month = str(item.get("date", "")).strip()
        try:
            day, month = (int(part) for part in day_month.split("/"))
            dt.date(2024, month, day)  # a leap year accepts every real day and month
        except ValueError:
            problems.add(file, entry, "date", f"expected a day/month like 15/11, "
                                              f"got {item.get('date')!r}")
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.add(file, entry, "name", "missing name (French, shown to citizens)")
            name = day_month
        status = item.get("status")
        if status not in STATUSES:
            problems.add(file, entry, "status", f"expected one of {', '.join(STATUSES)}, "
                                                f"got {status!r}")
            status = "unconfirmed"
        services = _services_field(item.get("services", "all"), known, (file, entry),
                                   "services", problems)
        _source_field(item.get("source"), (file, entry), problems)
        admin_days.append(AdministrationDay(month, day, name.strip(), status, services))

    closures = _dated_rules(data.get("closures"), "closures", known, file, problems)
    special = _dated_rules(data.get("special_hours"), "special_hours", known, file, problems)
    _overlapping_special_hours(special, file, problems)
    return CityCalendar(holiday_status, default_status, admin_days, closures, special)
