"""Answers to `ask_hours` and `ask_contact`: which service, then its hours or its contact.

Plain Python, no Rasa: functions take the catalogue, what the tracker holds (entities, slots,
text) and `now`, and return an `actions.answers.Answer` (chat-sized French text, buttons and
the slots to set). Every hours sentence is computed by actions.hours from the catalogue.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import quote

from actions.answers import Answer, Button, UnknownFact, intent_payload
from actions.city_catalogue.services import Entry, ServiceCatalogue, normalise, source_host
from actions.formatting import format_date, join_fr
from actions.hours import (AFTER_CLOSING, BEFORE_OPENING, CLOSED_DAY, CLOSURE, HOLIDAY, OPEN,
                           UNKNOWN, WEEKDAY_ABBR, WEEKDAY_KEYS, DayPlan, Status, brussels,
                           day_plan, format_range, format_ranges, format_time, next_opening,
                           status_at, week_lines)
from actions.moments import (AFTERNOON, DAY, DAYS, EVENING, INSTANT, INVALID, LUNCH, MORNING,
                             NIGHT, NONE, NOW, PART, Moment, moment_from_spec, parse_moment)

MAP_URL = "https://www.openstreetmap.org/search?query="
# Facts published more than this long ago come with their date and "vérifiez".
OLD_AFTER = dt.timedelta(days=365)
# A multi-site answer lists at most this many groups of sites; beyond, it asks which site.
MAX_GROUPS = 4
# Quick-reply buttons for sites only when there are few (Messenger shows 13 at most).
MAX_SITE_BUTTONS = 6


# --- payloads and service resolution ---------------------------------------------------------

def split_payload(text: str) -> Tuple[str, Dict[str, str]]:
    """'/ask_hours{"service":"piscine","site":"piscine_jonfosse"}' -> ('', {...}).

    Button payloads carry the site and the moment ("when") besides the service entity. Rasa
    keeps only the domain's entities, and keeps the payload as the message text, so the
    action reads the rest from the text.
    """
    text = text or ""
    match = re.match(r"^\s*/[\w.-]+(\{.*\})?\s*$", text, re.S)
    if not match:
        return text, {}
    extras: Dict[str, str] = {}
    if match.group(1):
        try:
            data = json.loads(match.group(1))
        except ValueError:
            data = {}
        if isinstance(data, dict):
            extras = {str(k): v for k, v in data.items() if isinstance(v, str)}
    return "", extras


@dataclass(frozen=True)
class Resolution:
    """The service a message is about, or the unknown name it used, or nothing."""

    service_id: Optional[str] = None
    site_id: Optional[str] = None
    unknown: str = ""            # a service name the user used that the catalogue lacks
    unknown_site: str = ""       # a place named with a service that has no site there
    origin: str = ""             # entity, text, procedure, slot

    @property
    def found(self) -> bool:
        return self.service_id is not None


# "le service des licornes", "le bureau de la X": the user names a service. The preposition
# is required: "le guichet électronique", "le bureau me demande" name no service.
_NAMED_SERVICE = re.compile(
    r"\b(?:service|services|bureau|guichet|departement|office)\s+"
    r"(?:des|de la|de l|du|de|d)\s+([a-z0-9]+(?: [a-z0-9]+){0,2})")
_STOP = frozenset("""est sont ouvert ouverte ouverts ferme fermee c ce il elle a au le la les
    de du des svp stp s pour sur et ou quand quel quelle quels quelles comment demain
    aujourd samedi dimanche lundi mardi mercredi jeudi vendredi communal communaux
    ville liege qui que se on y en maintenant horaires horaire adresse numero""".split())


def _named_service_phrase(text: str) -> str:
    match = _NAMED_SERVICE.search(normalise(text))
    if not match:
        return ""
    words = []
    for word in match.group(1).split():
        if word in _STOP:
            break
        words.append(word)
    return " ".join(words)


def resolve_service(catalogue: ServiceCatalogue, entity_values: Sequence[str],
                    slot_value: Optional[str], text: str, site_slot: Optional[str] = None,
                    extras: Optional[Dict[str, str]] = None,
                    procedure_service: Optional[str] = None) -> Resolution:
    """Which service (and site) to answer about.

    Order: the `service` entities of this message; a service or site named in the text; the
    service of a procedure named in this message; an unknown service name ("le service des
    licornes": never fall back to the previous slot); the remembered slots.
    """
    extras = extras or {}
    payload_site = extras.get("site")
    unknown = ""
    for value in entity_values:
        if not value:
            continue
        match = catalogue.find(str(value), prefer_service=slot_value)
        if match is None:
            unknown = unknown or str(value)
            continue
        return _resolved(catalogue, match.service_id, match.site_id, text, payload_site,
                         "entity")
    if text and catalogue.mentions(text):
        match = catalogue.find(text, prefer_service=slot_value)
        if match is not None:
            return _resolved(catalogue, match.service_id, match.site_id, text, payload_site,
                             "text")
    # A procedure named in this message ("le service des cartes d'identité") says which
    # service handles it, before any unknown name.
    if procedure_service and procedure_service in catalogue:
        return Resolution(procedure_service, origin="procedure")
    phrase = _named_service_phrase(text) if text else ""
    if phrase or unknown:
        return Resolution(unknown=phrase or unknown)
    if slot_value and slot_value in catalogue:
        site = next((s for s in (payload_site, site_slot) if _site_of(catalogue, s, slot_value)),
                    None)
        return Resolution(slot_value, site, origin="slot")
    return Resolution()


def _site_of(catalogue: ServiceCatalogue, site_id: Optional[str], service_id: str) -> bool:
    return bool(site_id) and catalogue.has_site(site_id) \
        and catalogue.site(site_id).service_id == service_id


def _resolved(catalogue: ServiceCatalogue, service_id: str, site_id: Optional[str], text: str,
              payload_site: Optional[str], origin: str) -> Resolution:
    mentions = catalogue.mentions(text) if text else []
    if site_id is None and _site_of(catalogue, payload_site, service_id):
        site_id = payload_site
    if site_id is None:
        site_id = next((m.site_id for _, matches in mentions for m in matches
                        if m.service_id == service_id and m.site_id), None)
    if site_id is None and service_id == catalogue.general_contact_id:
        # "la maison communale d'Angleur": the city in general, at a place, is that place's
        # site (its mairie de quartier first, in file order).
        place = next((m for _, matches in mentions for m in matches if m.site_id), None)
        if place is not None:
            return Resolution(place.service_id, place.site_id, origin=origin)
    unknown_site = "" if site_id else (_other_place(catalogue, service_id, mentions)
                                       or _unknown_place(catalogue, service_id, text, mentions))
    return Resolution(service_id, site_id, unknown_site=unknown_site, origin=origin)


def _other_place(catalogue: ServiceCatalogue, service_id: str, mentions) -> str:
    """'recyparc de Sclessin': Sclessin is a place of the catalogue, but has no recyparc."""
    if not catalogue.get(service_id).sites:
        return ""
    for _, matches in mentions:
        if all(m.site_id and m.service_id != service_id for m in matches):
            return catalogue.site(matches[0].site_id).short
    return ""


# Words that follow "la piscine de …" without naming a place.
_NOT_A_PLACE = frozenset("""la le les l mon ma mes ton ta votre vos notre nos ce cette cet
    mon quartier ville liege garde permanence service demain aujourd hier semaine matin soir
    midi apres nuit lundi mardi mercredi jeudi vendredi samedi dimanche noel paques toussaint
    ascension pentecote janvier fevrier mars avril mai juin juillet aout septembre octobre
    novembre decembre chez""".split())


def _unknown_place(catalogue: ServiceCatalogue, service_id: str, text: str, mentions) -> str:
    """'la bibliothèque de Droixhe': a place the catalogue does not know for that service."""
    if not catalogue.get(service_id).sites:
        return ""
    tokens = normalise(text).split()
    for (_start, end), matches in mentions:
        if not any(m.service_id == service_id and m.site_id is None for m in matches):
            continue
        following = tokens[end:end + 2]
        if len(following) == 2 and following[0] in ("de", "d", "du", "des") \
                and following[1].isalpha() and len(following[1]) >= 4 \
                and following[1] not in _NOT_A_PLACE and catalogue.find(following[1]) is None:
            return _as_written(text, following[1])
    return ""


def _as_written(text: str, token: str) -> str:
    """The user's spelling of a place: 'sainte' -> 'Sainte-Walburge'."""
    for word in re.findall(r"[^\W\d_][\w'-]*", text):
        if normalise(word).startswith(token):
            return word.split("'")[-1][:1].upper() + word.split("'")[-1][1:]
    return token.capitalize()


# --- small French helpers --------------------------------------------------------------------

def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _day_words(day: dt.date, today: dt.date, name: str = "") -> str:
    """'aujourd'hui (mercredi 25 novembre)', 'demain (vendredi 25 décembre, Noël)',
    'samedi 28 novembre'."""
    full = format_date(day, today=today)
    relative = {0: "aujourd'hui", 1: "demain", -1: "hier"}.get((day - today).days)
    if relative:
        return f"{relative} ({full}, {name})" if name else f"{relative} ({full})"
    return f"{full} ({name})" if name else full


def _when_words(moment: dt.datetime, today: dt.date) -> str:
    """'aujourd'hui à 13h30', 'demain (jeudi 26 novembre) à 8h30', 'lundi 30 novembre à 8h30'."""
    return f"{_day_words(moment.date(), today)} à {format_time(moment.time())}"


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    # Aware datetimes of one zone subtract as wall time; through UTC the minutes are real.
    delta = end.astimezone(dt.timezone.utc) - start.astimezone(dt.timezone.utc)
    return int(delta.total_seconds() // 60)


_WINDOW_NAMES = {MORNING: ("ce matin", "le matin"),
                 LUNCH: ("entre midi et deux", "entre midi et deux"),
                 AFTERNOON: ("cet après-midi", "l'après-midi"),
                 EVENING: ("ce soir", "le soir"),
                 NIGHT: ("cette nuit", "la nuit")}


def _window_words(window: Tuple[dt.time, dt.time], day: dt.date, today: dt.date) -> str:
    if window in _WINDOW_NAMES:
        this, other = _WINDOW_NAMES[window]
        return this if day == today else other
    return f"entre {format_time(window[0])} et {format_time(window[1])}"


def _pointer(catalogue: ServiceCatalogue, entity: Optional[Entry] = None) -> str:
    """'Consultez https://www.liege.be ou appelez le …' (the service's phone if known)."""
    general = catalogue.general_contact
    phone = (entity.inherited("phone") if entity is not None else "") or general.phone
    return f"Consultez {general.web or 'https://www.liege.be'}" + (
        f" ou appelez le {phone}" if phone else "") + "."


# --- hours: words for one entity -------------------------------------------------------------

def _closed_words(kind: str, reason: str) -> str:
    """'fermé (jour férié : Noël)', 'fermé (ouverture à 14h)', 'fermé le samedi',
    'fermé depuis 16h'."""
    if kind in (CLOSED_DAY, AFTER_CLOSING):
        return f"fermé {reason}"
    return f"fermé ({reason})"


def _plan_words(plan: DayPlan, past: bool = False) -> str:
    """A whole day: 'ouvert 8h30–12h30, 13h30–16h', 'fermé (jour férié : Noël)'…"""
    was = "c'était " if past else ""
    if plan.closed_kind is not None:
        return was + _closed_words(plan.closed_kind, plan.closed_reason)
    if not plan.known:
        return "horaires inconnus"
    special = f" (horaires spéciaux : {plan.special})" if plan.special else ""
    if plan.ranges:
        return f"{was}ouvert {format_ranges(plan.ranges)}{special}"
    return f"{was}fermé" + (special or f" le {WEEKDAY_KEYS[plan.day.weekday()]}")


def _part_words(plan: DayPlan, window: Tuple[dt.time, dt.time], past: bool = False) -> str:
    """Part of a day: 'ouvert 8h30–12h30 et 13h30–16h (fermé de 12h30 à 13h30)',
    'fermé (fermeture à 16h)', 'fermé (ouverture à 14h)'."""
    was = "c'était " if past else ""
    if plan.closed_kind is not None or not plan.known or not plan.ranges:
        return _plan_words(plan, past)
    touching = [r for r in plan.ranges if r[0] < window[1] and r[1] > window[0]]
    if not touching:
        later = [r for r in plan.ranges if r[0] >= window[1]]
        if later:
            return f"{was}fermé (ouverture à {format_time(later[0][0])})"
        return f"{was}fermé (fermeture à {format_time(plan.ranges[-1][1])})"
    text = f"{was}ouvert {' et '.join(format_range(r) for r in touching)}"
    gaps = [(a[1], b[0]) for a, b in zip(touching, touching[1:])]
    if gaps:
        text += " (fermé " + " et ".join(f"de {format_time(a)} à {format_time(b)}"
                                         for a, b in gaps) + ")"
    return text


def _status_words(status: Status, past: bool) -> str:
    """An instant: 'ouvert jusqu'à 12h30 (fermeture dans 1 minute), puis 13h30–16h'."""
    if status.kind == UNKNOWN:
        return _plan_words(status.plan, past)
    until = format_time(status.until.time()) if status.until else ""
    if past:
        return (f"c'était ouvert (jusqu'à {until})" if status.is_open
                else "c'était " + _closed_words(status.kind, status.reason))
    if status.kind == OPEN:
        left = _minutes(status.when, status.until)
        text = f"ouvert jusqu'à {until}"
        if left <= 30:
            text += f" (fermeture dans {left} minute{'s' if left > 1 else ''})"
        later = [r for r in status.plan.ranges if r[0] > status.until.time()]
        return text + (f", puis {format_ranges(later)}" if later else "")
    return _closed_words(status.kind, status.reason)


def _reopening(status: Status, today: dt.date) -> str:
    if status.next_open is None or status.kind == BEFORE_OPENING:
        return ""          # "fermé (ouverture à 14h)" already says it
    if status.next_open.date() == status.when.date():
        return f"Réouverture à {format_time(status.next_open.time())}."
    return f"Prochaine ouverture : {_when_words(status.next_open, today)}."


def _after_day(entity: Entry, day: dt.date, now: dt.datetime) -> str:
    """'Prochaine ouverture : …' after a closed day (or after now, when that is later)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=now.tzinfo)
    opening = next_opening(entity, max(start, now))
    return f"Prochaine ouverture : {_when_words(opening, now.date())}." if opening else ""


def _moment_lines(entity: Entry, moment: Moment, now: dt.datetime) -> List[str]:
    """The answer for one entity with known hours, without its name: short sentences."""
    today = now.date()
    lines: List[str] = []
    if moment.kind in (NOW, INSTANT):
        at = now if moment.kind == NOW else moment.at
        status = status_at(entity, at)
        label = "maintenant" if moment.kind == NOW else _when_words(at, today)
        lines.append(f"{_capital(label)} : {_status_words(status, moment.past)}.")
        if not moment.past and not status.is_open:
            lines.append(_reopening(status, today))
        plan = status.plan
    elif moment.kind == PART:
        day = moment.days[0]
        plan = day_plan(entity, day)
        label = f"{_day_words(day, today)}, {_window_words(moment.window, day, today)}"
        lines.append(f"{_capital(label)} : {_part_words(plan, moment.window, moment.past)}.")
        reopens_that_day = any(r[0] >= moment.window[1] for r in plan.ranges)
        touching = any(r[0] < moment.window[1] and r[1] > moment.window[0]
                       for r in plan.ranges)
        if not moment.past and not touching and not reopens_that_day:
            lines.append(_after_day(entity, day + dt.timedelta(days=1), now))
    elif moment.kind == DAYS:
        return _days_lines(entity, moment, now)
    else:
        day = moment.days[0]
        plan = day_plan(entity, day)
        # A named day ("veille de Noël") unless the closure reason already names it.
        name = moment.label if plan.closed_kind != HOLIDAY else ""
        lines.append(f"{_capital(_day_words(day, today, name))} : "
                     f"{_plan_words(plan, moment.past)}.")
        if day == today and plan.ranges:
            status = status_at(entity, now)
            lines.append(f"Maintenant : {_status_words(status, False)}.")
            if not status.is_open:
                lines.append(_reopening(status, today))
        elif not moment.past and not plan.ranges:
            lines.append(_after_day(entity, day, now))
    if plan.warning and not moment.past:
        lines.append(plan.warning)
    return [line for line in lines if line]


def _days_lines(entity: Entry, moment: Moment, now: dt.datetime) -> List[str]:
    """One line per run of consecutive days with the same hours."""
    today = now.date()
    runs: List[List] = []
    warnings: List[str] = []
    for day in moment.days:
        plan = day_plan(entity, day)
        words = _plan_words(plan, day < today)
        if plan.warning and day >= today and plan.warning not in warnings:
            warnings.append(plan.warning)
        if runs and runs[-1][2] == words and (day - runs[-1][1]).days == 1:
            runs[-1][1] = day
        else:
            runs.append([day, day, words])
    lines = []
    for first, last, words in runs:
        label = (_capital(format_date(first, today=today)) if first == last else
                 f"Du {format_date(first, today=today)} au {format_date(last, today=today)}")
        lines.append(f"{label} : {words}.")
    return lines + warnings


def _compact_words(entity: Entry, moment: Moment, now: dt.datetime) -> str:
    """One entity's answer in a few words, for lists of sites ('' when unknown)."""
    if moment.kind == NONE:
        hours = entity.effective_hours
        if hours is None:
            return ""
        return " ; ".join(line.replace(" : ", " ", 1) for line in week_lines(hours.week)
                          if not line.endswith("fermé")).lower()
    if moment.kind in (NOW, INSTANT):
        status = status_at(entity, now if moment.kind == NOW else moment.at)
        words = _status_words(status, moment.past)
    elif moment.kind == PART:
        words = _part_words(day_plan(entity, moment.days[0]), moment.window, moment.past)
    elif moment.kind == DAYS:
        words = _compact_days(entity, moment.days, now.date())
    else:
        words = _plan_words(day_plan(entity, moment.days[0]), moment.past)
    return "" if words == "horaires inconnus" else words


def _compact_days(entity: Entry, days: Sequence[dt.date], today: dt.date) -> str:
    """'lun–ven : ouvert 8h30–12h30, 13h30–16h ; sam–dim : fermé' ('' when all unknown)."""
    runs: List[List] = []
    for day in days:
        plan = day_plan(entity, day)
        words = _plan_words(plan, day < today)
        if plan.closed_kind is None and not plan.ranges and plan.known and not plan.special:
            words = words.split(" le ")[0]           # "fermé le samedi" -> "fermé"
        if runs and runs[-1][2] == words and (day - runs[-1][1]).days == 1:
            runs[-1][1] = day
        else:
            runs.append([day, day, words])
    if all(words == "horaires inconnus" for _, _, words in runs):
        return ""
    return " ; ".join(
        (WEEKDAY_ABBR[first.weekday()] if first == last else
         f"{WEEKDAY_ABBR[first.weekday()]}–{WEEKDAY_ABBR[last.weekday()]}") + f" : {words}"
        for first, last, words in runs)


def _week_lines(entity: Entry, now: dt.datetime) -> List[str]:
    """The usual week, this week's exceptions (holidays, closures, warnings), and now."""
    hours = entity.effective_hours
    today = now.date()
    lines = week_lines(hours.week)
    exceptions = []
    for offset in range(7):
        day = today + dt.timedelta(days=offset)
        plan = day_plan(entity, day)
        if plan.closed_kind is not None and hours.week.on(day.weekday()):
            exceptions.append(f"fermé le {format_date(day, today=today)} ({plan.closed_reason})")
        elif plan.special:
            exceptions.append(f"{format_date(day, today=today)} : {_plan_words(plan)}")
        elif plan.warning and plan.warning not in exceptions:
            exceptions.append(plan.warning.rstrip("."))
    if exceptions:
        lines.append("Cette semaine : " + " ; ".join(exceptions) + ".")
    status = status_at(entity, now)
    lines.append(f"Maintenant : {_status_words(status, False)}.")
    if not status.is_open:
        lines.append(_reopening(status, today))
    return [line for line in lines if line]


def _source_caveat(entities: Iterable[Entry], now: dt.datetime, moment: Moment) -> str:
    """'(Horaires du 02/09/2022 (liege.be) ; vérifiez avant de vous déplacer.)'."""
    published: List[str] = []
    old = False
    for entity in entities:
        hours = entity.effective_hours
        if hours is None:
            continue
        where = hours.publisher or f"sur {hours.source_host}"
        words = f"{where} {hours.source_date.french()}"
        if words not in published:
            published.append(words)
        old = old or now.date() - hours.source_date.earliest() > OLD_AFTER
    if not published:
        return ""
    if moment.past:
        return f"(D'après les horaires publiés {join_fr(published)}.)" if old else ""
    if old:
        return (f"(Horaires publiés {join_fr(published)} ; vérifiez avant de vous "
                "déplacer.)")
    if moment.kind in (DAY, DAYS, PART, INSTANT):
        return "(Sous réserve de fermeture exceptionnelle.)"
    return ""


# --- hours: the answer -----------------------------------------------------------------------

def _moment_extra(moment: Optional[Moment]) -> Dict[str, str]:
    spec = moment.spec() if moment is not None else ""
    return {"when": spec} if spec else {}


def _site_buttons(service: Entry, intent: str, moment: Optional[Moment] = None
                  ) -> List[Button]:
    if len(service.sites) > MAX_SITE_BUTTONS:
        return []
    return [Button(site.short, intent_payload(intent, service=service.id, site=site.id,
                                              **_moment_extra(moment)))
            for site in service.sites]


def _moment_heading(moment: Moment, now: dt.datetime) -> str:
    today = now.date()
    if moment.kind == NOW:
        return "maintenant"
    if moment.kind == INSTANT:
        return _when_words(moment.at, today)
    if moment.kind == PART:
        day = moment.days[0]
        return f"{_day_words(day, today)}, {_window_words(moment.window, day, today)}"
    if moment.kind == DAYS:
        return (f"du {format_date(moment.days[0], today=today)} au "
                f"{format_date(moment.days[-1], today=today)}")
    return _day_words(moment.days[0], today)


def _sites_answer(service: Entry, moment: Moment, now: dt.datetime, prefix: List[str],
                  slots: Dict) -> Answer:
    """Sites with their own hours: grouped by identical answer, or 'which one?'."""
    groups: Dict[str, List[str]] = {}
    unknown: List[Entry] = []
    for site in service.sites:
        words = _compact_words(site, moment, now)
        if words:
            groups.setdefault(words, []).append(site.short)
        else:
            unknown.append(site)
    buttons = _site_buttons(service, "ask_hours", moment)
    if len(groups) > MAX_GROUPS:
        return Answer("\n".join(prefix + [f"{service.name} : les horaires dépendent du lieu. "
                                          f"Lequel ? {join_fr(s.short for s in service.sites)}"]),
                      buttons, slots)
    heading = service.name if moment.kind == NONE else \
        f"{service.name}, {_moment_heading(moment, now)}"
    lines = prefix + [f"{heading} :"]
    lines += [f"• {join_fr(names)} : {words}" for words, names in groups.items()]
    if unknown:
        lines.append(f"• horaires inconnus : {join_fr(site.short for site in unknown)}")
    caveat = _source_caveat(service.sites, now, moment)
    if caveat:
        lines.append(caveat)
    lines.append("Dites-moi lequel pour le détail.")
    return Answer("\n".join(lines), buttons, slots, topic=service.id,
                  unknown=tuple(unknown_fact(site, "horaires") for site in unknown))


def hours_answer(catalogue: ServiceCatalogue, service_id: str, site_id: Optional[str],
                 moment: Moment, now: dt.datetime, unknown_site: str = "") -> Answer:
    """The hours of a service (or one of its sites) for a moment: the week, or open/closed."""
    now = brussels(now)
    service = catalogue.get(service_id)
    entity = catalogue.entity(service_id, site_id)
    slots = {"service": service_id, "site": entity.site_id}
    prefix = [f"Je ne connais pas de lieu « {unknown_site} » pour : {service.name}."] \
        if unknown_site else []
    if moment.kind == INVALID:
        return Answer("\n".join(prefix + [moment.problem, f"Pour quelle date voulez-vous les "
                                                          f"horaires ({entity.name}) ?"]),
                      slots=slots)
    if entity is service and service.sites_have_own_hours:
        return _sites_answer(service, moment, now, prefix, slots)

    if entity.effective_hours is None:
        return _unknown_hours_answer(catalogue, service, entity, moment, now, prefix, slots)

    if moment.kind == NONE:
        lines = prefix + [f"Horaires – {entity.name} :"] + _week_lines(entity, now)
    else:
        lines = prefix + [f"{entity.name} :"] + _moment_lines(entity, moment, now)
    if entity.effective_hours.note and not moment.past:
        lines.append(entity.effective_hours.note)
    caveat = _source_caveat([entity], now, moment)
    if caveat:
        lines.append(caveat)
    if entity is service and service.sites and moment.kind == NONE:
        lines.append(f"Mêmes horaires pour : {join_fr(site.short for site in service.sites)}.")
    return Answer("\n".join(lines), slots=slots, topic=service_id)


def _unknown_hours_answer(catalogue: ServiceCatalogue, service: Entry, entity: Entry,
                          moment: Moment, now: dt.datetime, prefix: List[str],
                          slots: Dict) -> Answer:
    """Hours unknown: say so, add what is known (holiday, closure), point to liege.be."""
    lines = prefix + [f"{entity.name} : je ne connais pas les horaires."]
    day = moment.day or now.date()
    targets = list(service.sites) if entity is service and service.sites else [entity]
    for target in targets:
        plan = day_plan(target, day)
        if plan.closed_kind == CLOSURE or (plan.closed_kind and target is entity
                                           and moment.kind != NONE):
            name = f"{target.name}, " if target is not entity else ""
            lines.append(f"{_capital(name + _day_words(day, now.date()))} : "
                         f"{_plan_words(plan, moment.past)}.")
        elif plan.warning and target is entity and moment.kind != NONE and not moment.past:
            lines.append(plan.warning)
    lines.append(_pointer(catalogue, entity))
    return Answer("\n".join(lines), slots=slots, topic=service.id,
                  unknown=(unknown_fact(entity, "horaires"),))


def ask_which_service(catalogue: ServiceCatalogue, intent: str,
                      moment: Optional[Moment] = None) -> Answer:
    buttons = [Button(catalogue.get(sid).short,
                      intent_payload(intent, service=sid, **_moment_extra(moment)))
               for sid in catalogue.menu]
    question = ("De quel service voulez-vous les horaires ?" if intent == "ask_hours"
                else "De quel service voulez-vous les coordonnées ?")
    return Answer(question, buttons)


def unknown_service_answer(catalogue: ServiceCatalogue, name: str, intent: str,
                           moment: Optional[Moment] = None) -> Answer:
    closest = catalogue.closest(name, 3)
    names = join_fr((catalogue.get(sid).short for sid in closest), last="ou")
    buttons = [Button(catalogue.get(sid).short,
                      intent_payload(intent, service=sid, **_moment_extra(moment)))
               for sid in closest]
    return Answer(f"Je ne connais pas de service « {name} ». Les plus proches : {names}. "
                  "Lequel voulez-vous ?", buttons)


def answer_hours(catalogue: ServiceCatalogue, entity_values: Sequence[str],
                 slot_service: Optional[str], slot_site: Optional[str], text: str,
                 now: dt.datetime, procedure_service: Optional[str] = None) -> Answer:
    """The whole `ask_hours` turn: resolve the service, parse the moment, answer."""
    now = brussels(now)
    plain, extras = split_payload(text)
    moment = moment_from_spec(extras.get("when", ""), now) or parse_moment(plain, now)
    resolution = resolve_service(catalogue, entity_values, slot_service, plain, slot_site,
                                 extras, procedure_service)
    if resolution.unknown:
        return unknown_service_answer(catalogue, resolution.unknown, "ask_hours", moment)
    if not resolution.found:
        if moment.kind == INVALID:
            return Answer(moment.problem)
        return ask_which_service(catalogue, "ask_hours", moment)
    return hours_answer(catalogue, resolution.service_id, resolution.site_id, moment, now,
                        resolution.unknown_site)


# --- contact ---------------------------------------------------------------------------------

def map_link(address: str) -> str:
    """OpenStreetMap search for the address, within Liège."""
    query = address if re.search(r"li[eè]ge", address, re.I) else f"{address}, Liège"
    return MAP_URL + quote(query, safe="")


def unknown_fact(entity: Entry, fact: str) -> UnknownFact:
    """`fact` ("horaires", "téléphone"…) of a service or site, answered as unknown."""
    entry = f"{entity.service_id}/{entity.id}" if entity.is_site else entity.service_id
    return UnknownFact(entry, entity.name, fact)


# The contact facts a citizen is told are unknown, with their words in the answer.
_CONTACT_FACTS = (("adresse", "son adresse"), ("téléphone", "son téléphone"),
                  ("e-mail", "son e-mail"))


def missing_contact(entity: Entry) -> List[str]:
    """The contact facts of `entity` the catalogue lacks ("adresse", "téléphone", "e-mail");
    a service with sites has no address of its own: its sites' follow."""
    missing = [] if entity.address or entity.sites else ["adresse"]
    return missing + [fact for fact, name in (("téléphone", "phone"), ("e-mail", "email"))
                      if not entity.inherited(name)]


def _contact_lines(catalogue: ServiceCatalogue, entity: Entry, now: dt.datetime) -> List[str]:
    lines = [entity.name]
    if entity.address:
        note = f" ({entity.address_note})" if entity.address_note else ""
        lines.append(f"Adresse : {entity.address}{note}")
    for label, name in (("Tél.", "phone"), ("E-mail", "email"), ("Site web", "web")):
        value = entity.inherited(name)
        if value:
            lines.append(f"{label} : {value}")
    if entity.address:
        lines.append(f"Plan : {map_link(entity.address)}")
    if entity.notes:
        lines.append(entity.notes)
    missing = missing_contact(entity)
    if missing:
        words = [name for fact, name in _CONTACT_FACTS if fact in missing]
        lines.append(f"Je ne connais pas {join_fr(words, last='ni')}. "
                     + _pointer(catalogue, None))
    states_facts = entity.address or entity.phone or entity.email
    if states_facts and entity.source and entity.source_date is not None \
            and now.date() - entity.source_date.earliest() > OLD_AFTER:
        when = entity.source_date.french().split(" ", 1)[1]      # "le 02/09/2022" -> date
        lines.append(f"(Source : {source_host(entity.source[0])}, {when} ; vérifiez avant de "
                     "vous déplacer.)")
    return lines


def contact_answer(catalogue: ServiceCatalogue, service_id: str, site_id: Optional[str],
                   now: dt.datetime, unknown_site: str = "") -> Answer:
    """Address, phone, e-mail, web page and a map link of a service or one of its sites."""
    now = brussels(now)
    service = catalogue.get(service_id)
    entity = catalogue.entity(service_id, site_id)
    slots = {"service": service_id, "site": entity.site_id}
    lines = [f"Je ne connais pas de lieu « {unknown_site} » pour : {service.name}."] \
        if unknown_site else []
    buttons: List[Button] = []
    shown = entity
    if entity is service and service.sites:
        main = catalogue.entity(service_id, service.main_site) if service.main_site else service
        shown = main
        if main is not service:
            lines.append(f"{service.name} – lieu principal :")
        lines += _contact_lines(catalogue, main, now)
        others = [site for site in service.sites if site.id != service.main_site]
        lines.append(f"Autres lieux : {join_fr(site.short for site in others)}. "
                     "Dites-moi lequel.")
        if len(others) <= MAX_SITE_BUTTONS:
            buttons = [Button(site.short, intent_payload("ask_contact", service=service_id,
                                                         site=site.id)) for site in others]
    else:
        lines += _contact_lines(catalogue, entity, now)
    return Answer("\n".join(lines), buttons, slots, topic=service_id,
                  unknown=tuple(unknown_fact(shown, fact) for fact in missing_contact(shown)))


def answer_contact(catalogue: ServiceCatalogue, entity_values: Sequence[str],
                   slot_service: Optional[str], slot_site: Optional[str], text: str,
                   now: dt.datetime, procedure_service: Optional[str] = None) -> Answer:
    """The whole `ask_contact` turn."""
    plain, extras = split_payload(text)
    resolution = resolve_service(catalogue, entity_values, slot_service, plain, slot_site,
                                 extras, procedure_service)
    if resolution.unknown:
        return unknown_service_answer(catalogue, resolution.unknown, "ask_contact")
    if not resolution.found:
        return ask_which_service(catalogue, "ask_contact")
    return contact_answer(catalogue, resolution.service_id, resolution.site_id, now,
                          resolution.unknown_site)
