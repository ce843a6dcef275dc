"""The services catalogue: services, their sites, contacts, weekly hours and sources.

`load_services(directory)` reads services.yml and calendar.yml, validates both whole and
raises one CatalogueError listing every problem (file, entry, field): a catalogue with a
problem is never used.

Lookup (`find`, `mentions`, `closest`) tolerates accents, case, typos and synonyms, so both
NLU entity values and raw user text can be resolved. Plain Python, no Rasa.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import urlparse

from actions.city_catalogue.contract import CONTRACT_SERVICE_IDS
from actions.city_catalogue.calendar import CityCalendar, load_calendar, read_yaml
from actions.city_catalogue.errors import ProblemCollector
from actions.formatting import MONTHS
from actions.hours import WeekHours, parse_week

SERVICES_FILE = "services.yml"

APPOINTMENT_POLICIES = ("unknown", "walk_in", "appointment", "both")

_ENTRY_FIELDS = {"name", "short", "synonyms", "address", "address_note", "phone", "email", "web",
                 "appointment", "notes", "source", "source_date", "checked_on", "hours"}
_SERVICE_FIELDS = _ENTRY_FIELDS | {"sites", "main_site"}
_HOURS_FIELDS = {"week", "source", "source_date", "publisher", "note"}


# --- text normalisation shared by every lookup -----------------------------------------------

def normalise(text: str) -> str:
    """'Thier-à-Liège !' -> 'thier a liege': lower case, no accents, words only."""
    text = unicodedata.normalize("NFKD", str(text).lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("œ", "oe").replace("æ", "ae")
    return " ".join(re.findall(r"[a-z0-9]+", text))


# Words never corrected towards a catalogue word: everyday French of hours questions, whose
# near neighbours in the catalogue (mairie/marie, police/polices…) would be false matches.
_NO_CORRECTION = frozenset(normalise(w) for w in """
    ouvert ouverte ouverts ouvertes ouvre ouvrez ferme fermee fermes fermez ferment horaire
    horaires heure heures aujourd demain samedi dimanche lundi mardi mercredi jeudi vendredi
    matin soir midi semaine prochain prochaine dernier quand comment combien pourquoi
    adresse numero telephone email mail contact contacter trouve trouver situe passer venir
    aller bonjour merci service services bureau guichet guichets encore toujours maintenant
    janvier fevrier mars avril juin juillet aout septembre octobre novembre decembre
    noel paques toussaint quelle quelles quel quels votre notre leurs cette entre
    veille lendemain nouvel ascension pentecote assomption armistice semaine weekend
""".split())


# --- the data model --------------------------------------------------------------------------

@dataclass(frozen=True)
class SourceDate:
    """When the source published a fact: a day, a month or only a year."""

    year: int
    month: Optional[int] = None
    day: Optional[int] = None

    @classmethod
    def parse(cls, raw: object) -> "SourceDate":
        if isinstance(raw, dt.datetime):
            raw = raw.date()
        if isinstance(raw, dt.date):
            return cls(raw.year, raw.month, raw.day)
        text = str(raw).strip()
        match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text)
        if not match:
            raise ValueError(f"'{text}' is not a date: write 2022-09-02, 2023-05 or 2015")
        year, month, day = (int(g) if g else None for g in match.groups())
        if month is not None and not 1 <= month <= 12:
            raise ValueError(f"'{text}' has no month {month}")
        if day is not None:
            dt.date(year, month, day)  # raises ValueError for 2022-02-30
        return cls(year, month, day)

    def earliest(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def of_words(self) -> str:
        """'du 02/09/2022', 'de mai 2023', 'd'août 2021', 'de 2015'."""
        if self.day:
            return f"du {self.day:02d}/{self.month:02d}/{self.year}"
        if self.month:
            month = MONTHS[self.month - 1]
            return ("d'" if month[0] in "aeiouéô" else "de ") + f"{month} {self.year}"
        return f"de {self.year}"

    def french(self) -> str:
        """'le 02/09/2022', 'en mai 2023', 'en 2015'."""
        if self.day:
            return f"le {self.day:02d}/{self.month:02d}/{self.year}"
        if self.month:
            return f"en {MONTHS[self.month - 1]} {self.year}"
        return f"en {self.year}"


@dataclass(frozen=True)
class HoursInfo:
    week: WeekHours
    source: Tuple[str, ...]
    source_date: SourceDate
    note: str = ""
    publisher: str = ""        # for citizens, with its preposition: "par Intradel"

    @property
    def source_host(self) -> str:
        return source_host(self.source[0]) if self.source else ""


def source_host(url: str) -> str:
    """'https://www.liege.be/fr/...' -> 'liege.be'."""
    host = urlparse(url if "//" in url else f"//{url}").netloc.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


@dataclass(eq=False)
class Entry:
    """A service of the contract, or one of its sites (a mairie de quartier, a recyparc…)."""

    id: str
    service_id: str
    name: str
    short: str
    synonyms: Tuple[str, ...] = ()
    address: str = ""
    address_note: str = ""
    phone: str = ""
    email: str = ""
    web: str = ""
    appointment_policy: str = "unknown"
    appointment_text: str = ""
    notes: str = ""
    source: Tuple[str, ...] = ()
    source_date: Optional[SourceDate] = None
    checked_on: Optional[dt.date] = None
    hours: Optional[HoursInfo] = None
    sites: Tuple["Entry", ...] = ()
    main_site: Optional[str] = None
    parent: Optional["Entry"] = field(default=None, repr=False)
    calendar: CityCalendar = field(default_factory=CityCalendar.empty, repr=False)

    @property
    def is_site(self) -> bool:
        return self.parent is not None

    @property
    def site_id(self) -> Optional[str]:
        return self.id if self.is_site else None

    @property
    def effective_hours(self) -> Optional[HoursInfo]:
        """A site without hours of its own follows its service's hours (e.g. every recyparc)."""
        if self.hours is not None or self.parent is None:
            return self.hours
        return self.parent.hours

    def inherited(self, name: str) -> str:
        """Phone, e-mail, web page: a site without its own uses its service's."""
        value = getattr(self, name)
        if value or self.parent is None:
            return value
        return getattr(self.parent, name)

    @property
    def sites_have_own_hours(self) -> bool:
        return any(site.hours is not None for site in self.sites)

    def phrases(self) -> Iterator[str]:
        yield self.name
        yield self.short
        yield from self.synonyms
        if not self.is_site:
            yield self.id.replace("_", " ")


@dataclass(frozen=True)
class Match:
    """What a text or entity value names: a service, maybe one of its sites."""

    service_id: str
    site_id: Optional[str] = None
    phrase: str = ""


class ServiceCatalogue:
    """Every service of the contract with its sites, and the city calendar."""

    def __init__(self, services: Sequence[Entry], calendar: CityCalendar,
                 menu: Sequence[str], general_contact: str, directory: Path):
        self._services: Dict[str, Entry] = {s.id: s for s in services}
        self._sites: Dict[str, Entry] = {site.id: site for s in services for site in s.sites}
        self.calendar = calendar
        self.menu = tuple(menu)
        self.general_contact_id = general_contact
        self.directory = directory
        self._build_index()

    # -- plain access --
    def ids(self) -> List[str]:
        return list(self._services)

    def __contains__(self, service_id: object) -> bool:
        return service_id in self._services

    def get(self, service_id: str) -> Entry:
        return self._services[service_id]

    def site(self, site_id: str) -> Entry:
        return self._sites[site_id]

    def has_site(self, site_id: Optional[str]) -> bool:
        return site_id in self._sites

    def services(self) -> List[Entry]:
        return list(self._services.values())

    @property
    def general_contact(self) -> Entry:
        return self._services[self.general_contact_id]

    def entity(self, service_id: str, site_id: Optional[str] = None) -> Entry:
        if site_id and site_id in self._sites and self._sites[site_id].service_id == service_id:
            return self._sites[site_id]
        return self._services[service_id]

    # -- lookup --
    def _build_index(self) -> None:
        """Normalised phrase (as a token tuple) -> the services/sites it names."""
        self._index: Dict[Tuple[str, ...], List[Match]] = {}
        for service in self._services.values():
            for phrase in service.phrases():
                self._add(phrase, Match(service.id, None, phrase))
            for site in service.sites:
                for phrase in site.phrases():
                    self._add(phrase, Match(service.id, site.id, phrase))
        self._max_len = max((len(k) for k in self._index), default=1)
        # Only words of 6+ letters are typo targets: shorter ones ("ville") sit too close
        # to everyday words ("veille").
        self._vocabulary = sorted({token for key in self._index for token in key
                                   if len(token) >= 6})
        self._vocabulary_set = frozenset(self._vocabulary)

    def _add(self, phrase: str, match: Match) -> None:
        key = tuple(normalise(phrase).split())
        if key and match not in self._index.setdefault(key, []):
            self._index[key].append(match)

    @functools.lru_cache(maxsize=4096)
    def _correct(self, token: str) -> str:
        """A typo of a catalogue word -> that word ('populaton' -> 'population')."""
        if (len(token) < 5 or token in self._vocabulary_set or token in _NO_CORRECTION
                or token.isdigit()):
            return token
        close = difflib.get_close_matches(token, self._vocabulary, n=1, cutoff=0.84)
        return close[0] if close else token

    def mentions(self, text: str) -> List[Tuple[Tuple[int, int], List[Match]]]:
        """Every catalogue phrase in `text`, longest first where they overlap:
        [((start_token, end_token), [Match, ...]), ...] in text order."""
        tokens = [self._correct(t) for t in normalise(text).split()]
        found: List[Tuple[Tuple[int, int], List[Match]]] = []
        taken = [False] * len(tokens)
        for length in range(min(self._max_len, len(tokens)), 0, -1):
            for start in range(len(tokens) - length + 1):
                if any(taken[start:start + length]):
                    continue
                matches = self._index.get(tuple(tokens[start:start + length]))
                if matches:
                    found.append(((start, start + length), matches))
                    for i in range(start, start + length):
                        taken[i] = True
        return sorted(found)

    def find(self, text: str, prefer_service: Optional[str] = None) -> Optional[Match]:
        """The service (and site) an entity value or a text names, or None.

        A service phrase and a site phrase together ("piscine de Grivegnée") give that site; a
        site name alone shared by several services ("Grivegnée") goes to `prefer_service` if
        it has one, else to the first service in file order.
        """
        if not text or not normalise(text):
            return None
        if text in self._services:
            return Match(text, None, text)
        found = self.mentions(text)
        if not found:
            return self._fuzzy(text)
        service_hits = [m for _, matches in found for m in matches if m.site_id is None]
        site_hits = [m for _, matches in found for m in matches if m.site_id is not None]
        specific = [m for m in service_hits if m.service_id != self.general_contact_id]
        if specific:
            # "la ville", "la commune" name the general contact only when nothing more
            # specific is named: "les taxes de la commune" are the taxes.
            service_hits = specific
        if service_hits:
            # The longest service phrase wins ("service des étrangers" over a shorter one).
            best = max(service_hits, key=lambda m: len(normalise(m.phrase)))
            for site in site_hits:
                if site.service_id == best.service_id:
                    return site
            return best
        preferred = [m for m in site_hits if m.service_id == prefer_service]
        return (preferred or site_hits)[0]

    def _fuzzy(self, text: str) -> Optional[Match]:
        key = normalise(text)
        phrases = {" ".join(k): v for k, v in self._index.items()}
        close = difflib.get_close_matches(key, list(phrases), n=1, cutoff=0.8)
        return phrases[close[0]][0] if close else None

    def closest(self, text: str, n: int = 3) -> List[str]:
        """The `n` service ids whose names look most like `text` (for "did you mean…")."""
        key = normalise(text)
        scores: Dict[str, float] = {}
        for phrase_key, matches in self._index.items():
            phrase = " ".join(phrase_key)
            score = difflib.SequenceMatcher(None, key, phrase).ratio()
            # A shared word counts more than shared letters.
            if set(key.split()) & set(phrase_key):
                score += 0.5
            for match in matches:
                scores[match.service_id] = max(scores.get(match.service_id, 0.0), score)
        ranked = sorted(self._services, key=lambda s: (-scores.get(s, 0.0),
                                                       self.ids().index(s)))
        return ranked[:n]


# --- loading and validation ------------------------------------------------------------------

def _text(raw: object, file: str, entry: str, name: str, problems: ProblemCollector,
          required: bool = False) -> str:
    if raw is None or raw == "":
        if required:
            problems.add(file, entry, name, "missing")
        return ""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        problems.add(file, entry, name, f"write it between quotes: '{raw}'")
        return str(raw)
    if not isinstance(raw, str):
        problems.add(file, entry, name, f"expected text, got {raw!r}")
        return ""
    return " ".join(raw.split())


def _sources(raw: object, file: str, entry: str, name: str, problems: ProblemCollector
             ) -> Tuple[str, ...]:
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        problems.add(file, entry, name, "missing source (the URL the facts come from)")
        return ()
    urls = []
    for item in items:
        if not isinstance(item, str) or not re.match(r"https?://\S+$", item.strip()):
            problems.add(file, entry, name, f"{item!r} is not a URL (http:// or https://)")
        else:
            urls.append(item.strip())
    return tuple(urls)


def _source_date(raw: object, file: str, entry: str, name: str, problems: ProblemCollector,
                 required: bool) -> Optional[SourceDate]:
    if raw is None or raw == "":
        if required:
            problems.add(file, entry, name, "missing (the date the source gives, e.g. 2022-09-02)")
        return None
    try:
        return SourceDate.parse(raw)
    except ValueError as error:
        problems.add(file, entry, name, str(error))
        return None


def _checked_on(raw: object, file: str, entry: str, problems: ProblemCollector
                ) -> Optional[dt.date]:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        problems.add(file, entry, "checked_on",
                     "missing or not a date (the day someone checked the source: 2026-11-25)")
        return None


def _hours(raw: object, file: str, entry: str, problems: ProblemCollector
           ) -> Optional[HoursInfo]:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.add(file, entry, "hours", "expected week, source and source_date (or nothing "
                                           "when the hours are unknown)")
        return None
    for unknown in sorted(set(raw) - _HOURS_FIELDS):
        problems.add(file, entry, f"hours.{unknown}", "unknown field")
    week, week_problems = parse_week(raw.get("week"))
    for key, message in week_problems:
        problems.add(file, entry, f"hours.week.{key}" if key else "hours.week", message)
    source = _sources(raw.get("source"), file, entry, "hours.source", problems)
    date = _source_date(raw.get("source_date"), file, entry, "hours.source_date", problems,
                        required=True)
    note = _text(raw.get("note"), file, entry, "hours.note", problems)
    publisher = _text(raw.get("publisher"), file, entry, "hours.publisher", problems)
    if week is None or date is None:
        return None
    return HoursInfo(week, source, date, note, publisher)


_FACT_FIELDS = ("address", "phone", "email", "web", "notes", "hours", "appointment")


def _entry_sources(raw: dict, file: str, label: str, problems: ProblemCollector
                   ) -> Tuple[str, ...]:
    """Every fact needs its source; an entry that states none (only a name, e.g. a service
    whose details were not found) may have none, but still its checked_on."""
    if raw.get("source") is None and not any(raw.get(name) for name in _FACT_FIELDS):
        return ()
    return _sources(raw.get("source"), file, label, "source", problems)


def _entry(raw: object, entry_id: str, service_id: str, file: str, label: str,
           problems: ProblemCollector, allowed: set) -> Optional[Entry]:
    if not isinstance(raw, dict):
        problems.add(file, label, None, "expected a mapping of fields")
        return None
    for unknown in sorted(set(raw) - allowed):
        problems.add(file, label, str(unknown), "unknown field")
    name = _text(raw.get("name"), file, label, "name", problems, required=True)
    short = _text(raw.get("short"), file, label, "short", problems) or name
    synonyms = raw.get("synonyms") or []
    if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
        problems.add(file, label, "synonyms", "expected a list of texts")
        synonyms = []
    email = _text(raw.get("email"), file, label, "email", problems)
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", email):
        problems.add(file, label, "email", f"'{email}' is not an e-mail address")
    web = _text(raw.get("web"), file, label, "web", problems)
    if web and not re.match(r"(https?://)?[\w-]+(\.[\w-]+)+(/\S*)?$", web):
        problems.add(file, label, "web", f"'{web}' is not a web address")
    phone = _text(raw.get("phone"), file, label, "phone", problems)
    if phone and not re.fullmatch(r"\+?[\d /.()-]{6,}", phone):
        problems.add(file, label, "phone", f"'{phone}' is not a phone number")
    appointment = raw.get("appointment") or {}
    policy, appointment_text = "unknown", ""
    if not isinstance(appointment, dict):
        problems.add(file, label, "appointment", "expected policy and text")
    else:
        for unknown in sorted(set(appointment) - {"policy", "text"}):
            problems.add(file, label, f"appointment.{unknown}", "unknown field")
        policy = appointment.get("policy", "unknown")
        if policy not in APPOINTMENT_POLICIES:
            problems.add(file, label, "appointment.policy",
                         f"expected one of {', '.join(APPOINTMENT_POLICIES)}, got {policy!r}")
            policy = "unknown"
        appointment_text = _text(appointment.get("text"), file, label, "appointment.text",
                                 problems)
    return Entry(
        id=entry_id,
        service_id=service_id,
        name=name,
        short=short,
        synonyms=tuple(" ".join(s.split()) for s in synonyms),
        address=_text(raw.get("address"), file, label, "address", problems),
        address_note=_text(raw.get("address_note"), file, label, "address_note", problems),
        phone=phone,
        email=email,
        web=web,
        appointment_policy=policy,
        appointment_text=appointment_text,
        notes=_text(raw.get("notes"), file, label, "notes", problems),
        source=_entry_sources(raw, file, label, problems),
        source_date=_source_date(raw.get("source_date"), file, label, "source_date", problems,
                                 required=False),
        checked_on=_checked_on(raw.get("checked_on"), file, label, problems),
        hours=_hours(raw.get("hours"), file, label, problems),
    )


def load_services(directory: Path) -> ServiceCatalogue:
    """Load and validate services.yml and calendar.yml of `directory`.

    Raises CatalogueError listing every problem found in both files.
    """
    directory = Path(directory)
    problems = ProblemCollector()
    path = directory / SERVICES_FILE
    file = str(path)
    data = read_yaml(path, problems) or {}
    for unknown in sorted(set(data) - {"services", "menu", "general_contact"}):
        problems.add(file, str(unknown), None, "unknown section")

    raw_services = data.get("services") or {}
    if not isinstance(raw_services, dict):
        problems.add(file, "services", None, "expected a mapping of service id -> fields")
        raw_services = {}
    services: List[Entry] = []
    site_owner: Dict[str, str] = {}
    for service_id, raw in raw_services.items():
        service_id = str(service_id)
        if service_id not in CONTRACT_SERVICE_IDS:
            close = difflib.get_close_matches(service_id, CONTRACT_SERVICE_IDS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.add(file, service_id, None, f"unknown service id{hint}; the service ids "
                                                 f"are fixed by the NLU contract")
            continue
        service = _entry(raw, service_id, service_id, file, service_id, problems, _SERVICE_FIELDS)
        if service is None:
            continue
        sites: List[Entry] = []
        raw_sites = raw.get("sites") or {}
        if not isinstance(raw_sites, dict):
            problems.add(file, service_id, "sites", "expected a mapping of site id -> fields")
            raw_sites = {}
        for site_id, raw_site in raw_sites.items():
            site_id = str(site_id)
            label = f"{service_id}.sites.{site_id}"
            if site_id in raw_services or site_id in site_owner:
                problems.add(file, label, None, "site id already used (site ids are unique "
                                                "across the catalogue)")
                continue
            site = _entry(raw_site, site_id, service_id, file, label, problems, _ENTRY_FIELDS)
            if site is not None:
                site.parent = service
                sites.append(site)
                site_owner[site_id] = service_id
        service.sites = tuple(sites)
        main_site = raw.get("main_site")
        if main_site is not None and main_site not in {s.id for s in sites}:
            problems.add(file, service_id, "main_site", f"'{main_site}' is not one of its sites")
            main_site = None
        service.main_site = main_site
        services.append(service)

    present = {s.id for s in services} | set(raw_services)
    for missing in CONTRACT_SERVICE_IDS:
        if missing not in present:
            problems.add(file, missing, None, "missing: every service id of the contract "
                                              "needs an entry (leave unknown fields empty)")
    menu = data.get("menu") or []
    if not isinstance(menu, list):
        problems.add(file, "menu", None, "expected a list of service ids")
        menu = []
    for service_id in menu:
        if service_id not in CONTRACT_SERVICE_IDS:
            problems.add(file, "menu", None, f"unknown service id '{service_id}'")
    general = data.get("general_contact", "hotel_de_ville")
    if general not in CONTRACT_SERVICE_IDS:
        problems.add(file, "general_contact", None, f"unknown service id '{general}'")

    known: Dict[str, FrozenSet[str]] = {
        sid: frozenset(s for s, owner in site_owner.items() if owner == sid)
        for sid in CONTRACT_SERVICE_IDS}
    calendar = load_calendar(directory, known, problems)
    problems.raise_if_any()

    for service in services:
        service.calendar = calendar
        for site in service.sites:
            site.calendar = calendar
    return ServiceCatalogue(services, calendar, [m for m in menu if m in present], general,
                            directory)
