"""One reply to a whole message: every question it asks, in the order asked, or its FAQ answer.

Plain Python, no Rasa. The thin actions call:

- `answer_procedure_turn()` for ask_procedure and the aspect intents: which procedure (as
  before), then the FAQ entry if the message asks a precise point the FAQ holds, else every
  aspect asked (`actions.aspect_detection`), including the handling service's hours or address;
  a precise point the FAQ lacks gets an honest "not known" and who to ask;
- `extra_procedure_answers()` for ask_hours/ask_contact messages that also ask about a procedure
  ("c'est ouvert samedi et combien coûte la kids id ?");
- `service_faq_answer()` for a precise question about a service ("je peux sortir mes poubelles
  à quelle heure la veille ?"), answered from the service's FAQ entries.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any, List, Optional, Sequence

from actions.answers import Answer
from actions.aspect_detection import ASPECT_INTENT, aspects_asked
from actions.faq_retrieval import FaqIndex, Match, owner_words, shares_point
from actions.procedure_answers import (
    ASPECTS, FAQ_MIN_WORDS, PRECISE_MIN_WORDS, answer_aspect, faq_candidates, precise_point, render,
    described_situation, precise_words, render_faq, render_precise_unknown, resolve_procedure,
)
from actions.service_answers import answer_contact, answer_hours

SERVICE_ASPECTS = ("hours", "contact")


@functools.lru_cache(maxsize=4)
def faq_index(catalogue: Any) -> FaqIndex:
    """The FAQ index of a loaded catalogue (built once per catalogue)."""
    return FaqIndex(list(getattr(catalogue, "faq", None) or []),
                    owner_words=owner_words(catalogue))


def find_faq(catalogue: Any, procedure: Any, service_value: Optional[str],
             text: str) -> Optional[Match]:
    """The FAQ entry that answers `text` about `procedure` (or the named service), if any.

    Only a message with a precise point is looked up: one made of the procedure's name and
    aspect words ("combien ça coûte et faut-il un rdv ?") gets the catalogue's aspects."""
    candidates = faq_candidates(catalogue, procedure, service_value)
    point = precise_point(text, procedure) if procedure is not None else ()
    if not candidates or (procedure is not None and len(point) < FAQ_MIN_WORDS):
        return None
    owner = procedure.id if procedure else service_value
    match = faq_index(catalogue).answer(text, candidates, owner=owner)
    if match and procedure is not None and not shares_point(match.entry, point, text):
        return None  # the likeness came from generic words, not from the precise point
    return match


def combine(answers: Sequence[Answer]) -> Answer:
    """Several answers as one reply: texts in order, the last answer's buttons, all slots,
    the first topic and every unknown fact."""
    answers = [answer for answer in answers if answer is not None]
    if len(answers) == 1:
        return answers[0]
    slots = {}
    for answer in answers:
        slots.update(answer.slots)
    topic = next((answer.topic for answer in answers if answer.topic), "")
    unknown = tuple(dict.fromkeys(fact for answer in answers for fact in answer.unknown))
    return Answer(text="\n\n".join(answer.text for answer in answers),
                  buttons=list(answers[-1].buttons), slots=slots, topic=topic, unknown=unknown)


def answer_procedure_turn(aspect: str, catalogue: Any, entity_values: Sequence[str] = (),
                          slot_value: Optional[str] = None, text: str = "",
                          service_value: Optional[str] = None,
                          now: Optional[dt.datetime] = None) -> Answer:
    """The reply to ask_procedure / ask_<aspect>: see the module docstring."""
    resolution = resolve_procedure(catalogue.procedures, entity_values, slot_value, text,
                                   service_value)
    procedure = resolution.procedure
    if procedure is None:
        return answer_aspect(aspect, catalogue.procedures, catalogue.services, entity_values,
                             slot_value, text, service_value)
    services = catalogue.services
    match = find_faq(catalogue, procedure, service_value, text)
    if match:
        return render_faq(match.entry, procedure, services)
    answers: List[Answer] = []
    for asked in aspects_asked(ASPECT_INTENT[aspect], text):
        if asked == "procedure" and aspect == "procedure" \
                and len(precise_point(text, procedure)) >= PRECISE_MIN_WORDS \
                and not described_situation(text, procedure):
            answers.append(render_precise_unknown(procedure, services))
        elif asked in ASPECTS:
            answers.append(render(asked, procedure, services, text))
        elif asked in SERVICE_ASPECTS and now is not None:
            answer = answer_hours if asked == "hours" else answer_contact
            answers.append(answer(services, [], procedure.service, None, text, now,
                                  procedure.service))
    return combine(answers)


def extra_procedure_answers(intent: str, catalogue: Any, procedure_values: Sequence[str],
                            slot_value: Optional[str], text: str) -> List[Answer]:
    """Answers to the procedure aspects a service question also asks (none when it asks none)."""
    extra = [aspect for aspect in aspects_asked(intent, text)[1:] if aspect in ASPECTS]
    if not extra or getattr(catalogue, "procedures", None) is None:
        return []
    resolution = resolve_procedure(catalogue.procedures, procedure_values, slot_value, text)
    if resolution.procedure is None:
        return []
    return [render(aspect, resolution.procedure, catalogue.services, text) for aspect in extra]


# Words of an hours question that say nothing precise ("samedi matin", "demain").
_MOMENT_WORDS = tuple("""lundi mardi mercredi jeudi vendredi samedi dimanche demain aujourd hui
    matin midi soir heure heures semaine weekend week end ferie""".split())


def find_service_faq(catalogue: Any, service_id: Optional[str], text: str) -> Optional[Match]:
    """The service's FAQ entry a precise question asks, if one is close enough."""
    services = catalogue.services
    if not service_id or service_id not in services or not getattr(catalogue, "faq", None):
        return None
    service = services.get(service_id)
    names = [*service.phrases(), *(p for site in service.sites for p in site.phrases()),
             *_MOMENT_WORDS]
    if len(precise_words(text, names)) < PRECISE_MIN_WORDS:
        return None
    return faq_index(catalogue).answer(text, catalogue.faq.for_service(service_id),
                                       owner=service_id)


def service_faq_answer(catalogue: Any, service_id: Optional[str], text: str) -> Optional[Answer]:
    """A precise question about a service answered from its FAQ entry (None: no entry)."""
    match = find_service_faq(catalogue, service_id, text)
    return render_faq(match.entry, None, catalogue.services) if match else None
