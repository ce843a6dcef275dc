"""Answers in Dutch, English or German (issue 16), from the same catalogue as the French ones.

Opening hours (open now? on a day? the week) and contact details of a service or a site, in
the citizen's language with days and times written the local way (actions/languages.py); for
anything else, what the assistant can do in that language, that it works in French, the city's
general contact, and an offer to go on in French. Facts come only from the catalogue: a fact it
does not hold is said to be unknown, with the service's web page or the city's. Plain Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, List, Optional

from actions.answers import Answer, Button
from actions.hours import day_plan, status_at
from actions.languages import Question, Texts

SPEAK_FRENCH = "/speak_french"
MAX_SITES_LISTED = 4
WEEK = range(7)


def french_button(texts: Texts) -> Button:
    return Button(texts.texts["button_french"], SPEAK_FRENCH)


def city_contact(texts: Texts, services: Any) -> str:
    general = services.general_contact
    return texts.say("city_contact", web=general.inherited("web") or "https://www.liege.be")


def _with_offer(texts: Texts, lines: List[str]) -> Answer:
    return Answer("\n".join(line for line in lines if line)
                  + "\n" + texts.say("offer_french"), [french_button(texts)])


def welcome(texts: Texts, services: Any) -> Answer:
    return _with_offer(texts, [texts.say("welcome", contact=city_contact(texts, services))])


def only_french(texts: Texts, services: Any) -> Answer:
    return _with_offer(texts, [texts.say("only_french", contact=city_contact(texts, services))])


def _name(texts: Texts, entity: Any) -> str:
    if entity.is_site:
        return entity.name  # a place's own name (Piscine de Jonfosse)
    return texts.service_name(entity.id, entity.name)


def _target(services: Any, question: Question) -> Optional[Any]:
    if not question.service_id or question.service_id not in services.ids():
        return None
    return services.entity(question.service_id, question.site_id)


def which_service(texts: Texts, services: Any) -> Answer:
    names = [texts.service_name(service.id, service.name) for service in services.services()
             if service.effective_hours is not None or service.sites_have_own_hours
             or service.inherited("address") or service.inherited("web")]
    return _with_offer(texts, [texts.say("which_service", services=", ".join(names))])


# --- opening hours -----------------------------------------------------------------------------

def _day(moment: dt.datetime, when: Optional[str]) -> dt.date:
    today = moment.date()
    if when == "tomorrow":
        return today + dt.timedelta(days=1)
    if when and when.isdigit():
        return today + dt.timedelta(days=(int(when) - today.weekday()) % 7)
    return today


def _status_lines(texts: Texts, entity: Any, now: dt.datetime) -> List[str]:
    name = _name(texts, entity)
    status = status_at(entity, now)
    if status.is_open:
        return [texts.say("open_now", service=name, time=texts.time(status.until.time()))]
    lines = [texts.say("closed_now", service=name)]
    if status.next_open is not None:
        lines.append(texts.say("opens_again", when=texts.when(status.next_open.date(),
                                                              now.date()),
                               time=texts.time(status.next_open.time())))
    else:
        lines.append(texts.say("not_open_soon"))
    return lines


def _day_lines(texts: Texts, entity: Any, day: dt.date, now: dt.datetime) -> List[str]:
    name, when = _name(texts, entity), texts.when(day, now.date())
    plan = day_plan(entity, day)
    if plan.ranges:
        return [texts.say("day_hours", service=name, when=when, ranges=texts.ranges(plan.ranges))]
    closed = texts.say("day_closed", service=name, when=when)
    if plan.closed_kind is not None:
        closed = f"{closed.rstrip('.')} ({texts.texts['holiday']})."
    return [closed]


def _week_lines(texts: Texts, entity: Any) -> List[str]:
    week = entity.effective_hours.week
    lines = [texts.say("week_intro", service=_name(texts, entity))]
    runs: List[List[int]] = []
    for weekday in WEEK:
        if runs and week.on(runs[-1][-1]) == week.on(weekday):
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    for run in runs:
        ranges = week.on(run[0])
        lines.append(texts.say("week_line", days=texts.day_span(run[0], run[-1]),
                               ranges=texts.ranges(ranges) if ranges
                               else texts.texts["closed_word"]))
    return lines


def _entity_hours(texts: Texts, entity: Any, question: Question, now: dt.datetime
                  ) -> List[str]:
    if entity.effective_hours is None:
        web = entity.inherited("web")
        return [texts.say("hours_unknown", service=_name(texts, entity)),
                texts.say("more_info", web=web) if web else ""]
    if question.when == "now":
        return _status_lines(texts, entity, now)
    if question.when is not None:
        return _day_lines(texts, entity, _day(now, question.when), now)
    return _week_lines(texts, entity) + _status_lines(texts, entity, now)


def hours_answer(texts: Texts, services: Any, question: Question, now: dt.datetime) -> Answer:
    entity = _target(services, question)
    if entity is None:
        return which_service(texts, services)
    if not entity.is_site and entity.effective_hours is None and entity.sites_have_own_hours:
        lines: List[str] = []
        sites = [site for site in entity.sites if site.effective_hours is not None]
        for site in sites[:MAX_SITES_LISTED]:
            lines += _entity_hours(texts, site, question, now)
        return _with_offer(texts, lines)
    if not entity.is_site and entity.effective_hours is None and entity.main_site:
        entity = services.site(entity.main_site)
    return _with_offer(texts, _entity_hours(texts, entity, question, now))


# --- contact ---------------------------------------------------------------------------------

def _contact_lines(texts: Texts, services: Any, entity: Any) -> List[str]:
    if not entity.is_site and not entity.address and entity.main_site:
        entity = services.site(entity.main_site)  # the service's main desk (Population)
    details = [texts.say(key, **{key: value}) for key, value in (
        ("address", entity.address), ("phone", entity.inherited("phone")),
        ("email", entity.inherited("email")), ("web", entity.inherited("web"))) if value]
    if not details:
        return [texts.say("contact_unknown", service=_name(texts, entity)),
                city_contact(texts, services)]
    return [texts.say("contact_intro", service=_name(texts, entity)), *details]


def contact_answer(texts: Texts, services: Any, question: Question) -> Answer:
    entity = _target(services, question)
    if entity is None:
        return which_service(texts, services)
    return _with_offer(texts, _contact_lines(texts, services, entity))


def procedure_answer(texts: Texts, services: Any, question: Question) -> Answer:
    """Procedures are answered in French only; the service's contact when it is named."""
    entity = _target(services, question)
    lines = [texts.say("only_french", contact=city_contact(texts, services))]
    if entity is not None:
        lines += _contact_lines(texts, services, entity)
    return _with_offer(texts, lines)


def answer(texts: Texts, services: Any, question: Question, now: dt.datetime) -> Answer:
    """The answer to `question` in the language of `texts`."""
    if question.topic == "hours":
        return hours_answer(texts, services, question, now)
    if question.topic == "contact":
        return contact_answer(texts, services, question)
    if question.topic == "procedure":
        return procedure_answer(texts, services, question)
    if question.topic == "thanks":
        return Answer(texts.say("thanks"))
    if question.topic == "greeting":
        return welcome(texts, services)
    if question.topic == "french":
        return Answer(texts.say("offer_french"), [french_button(texts)])
    return only_french(texts, services)
