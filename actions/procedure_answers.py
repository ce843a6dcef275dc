"""Answers to ask_procedure and the aspect intents (price, documents, delay, appointment, online).

Plain Python, no Rasa. `answer_aspect()` resolves which procedure the citizen means (entity of
the latest message, words of the message, then the `procedure` slot) and writes a chat-sized
French answer with quick-reply buttons for the other aspects. A field the catalogue does not
know is never guessed: the answer says so and points to the handling service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, List, Optional, Sequence, Tuple

from actions.answers import Answer, Button, UnknownFact, intent_payload
from actions.city_catalogue.procedures import (
    OtherBody, PriceVariant, Procedure, ProcedureCatalogue, content_tokens, normalise,
    situations_mentioned,
)
from actions.formatting import MONTHS, bullet_list, format_price

CITY_WEB = "https://www.liege.be"

# aspect -> (intent, button title). Order = order of the quick replies.
ASPECTS = {
    "procedure": ("ask_procedure", "La démarche"),
    "price": ("ask_price", "Prix"),
    "documents": ("ask_documents", "Documents"),
    "delay": ("ask_delay", "Délai"),
    "appointment": ("ask_appointment", "Rendez-vous"),
    "online": ("ask_online", "En ligne ?"),
}
WHERE_TITLE = "Où ?"
MAX_BUTTONS = 5

# What the citizen wants to know, for "Pour quelle démarche … voulez-vous savoir …".
ASPECT_TOPIC = {
    "procedure": "comment faire cette démarche",
    "price": "le prix",
    "documents": "les documents à fournir",
    "delay": "le délai",
    "appointment": "s'il faut un rendez-vous",
    "online": "si c'est possible en ligne",
}

# "Je n'ai pas d'information sur …".
ASPECT_SUBJECT = {
    "procedure": "les démarches",
    "price": "les prix",
    "documents": "les documents à fournir",
    "delay": "les délais",
    "appointment": "les rendez-vous",
    "online": "les démarches en ligne",
}

# "auprès de …" for each canonical service id.
SERVICE_AUPRES = {
    "population": "du service Population",
    "etat_civil": "du service État civil",
    "etrangers": "du service des Étrangers",
    "urbanisme": "du service Urbanisme",
    "mobilite": "du service Mobilité",
    "proprete": "du service Propreté",
    "taxes": "du service des Taxes",
    "recyparc": "du recyparc",
    "bibliotheque": "de la bibliothèque",
    "piscine": "de la piscine",
    "cpas": "du CPAS",
    "police": "de la police",
    "objets_trouves": "du service des objets trouvés",
    "hotel_de_ville": "de l'administration communale",
}

# "la Ville", "la commune", "l'administration": names the city in general, not a service.
GENERAL_SERVICE = "hotel_de_ville"

# Suggested when the citizen names no procedure at all.
POPULAR = ("carte_identite", "passeport", "changement_adresse", "composition_menage",
           "permis_conduire")

# "le permis de chasse", "une carte de pêche": a document named but not in the catalogue.
_DOCUMENT_MENTION = re.compile(
    r"\b(permis|cartes?|actes?|certificats?|extraits?|attestations?|licences?|plaques?|"
    r"abonnements?|autorisations?|d[ée]clarations?)"
    r"((?:[\s'’]+(?:de|d|du|des|pour|la|le|l|en|à|a|au))*)[\s'’]+([^\W\d_]{4,})",
    re.IGNORECASE,
)
# "permis de chasse", "carte d'abonnement": a document word followed by what kind it is.
_NAMED_KIND = re.compile(r"^\S+[\s'’]+(?:de|d|du|des|pour|en|à|a)\b", re.IGNORECASE)
_NOT_A_QUALIFIER = frozenset(normalise(word) for word in """
    elle elles ils est sont coûte coute coûtent combien faut quoi comment quand svp stp merci
    aussi encore faire obtenir avoir besoin peut peux vous nous mien mienne tien sienne
    perte perdue perdu vol volée volé urgence urgente urgent enfant fils fille bébé
    demain aujourd hier ligne rendez prix délai document documents papiers
""".split())


# --------------------------------------------------------------------------------------------
# Which procedure?


@dataclass(frozen=True)
class Resolution:
    """What the message refers to: a procedure, an unknown one, another body's, or nothing."""

    procedure: Optional[Procedure] = None
    unknown: str = ""  # wording of a procedure the catalogue does not know
    other_body: Optional[OtherBody] = None
    service: Optional[str] = None  # a service named without a procedure it handles
    candidates: Tuple[Procedure, ...] = ()  # to offer as buttons when asking which


def unknown_mention(text: str) -> str:
    """'combien coûte le permis de chasse ?' -> 'permis de chasse' (or '' if none)."""
    for match in _DOCUMENT_MENTION.finditer(text or ""):
        if normalise(match.group(3)) not in _NOT_A_QUALIFIER:
            return " ".join(match.group(0).replace("’", "'").split())
    return ""


def resolve_procedure(catalogue: ProcedureCatalogue, entity_values: Sequence[str],
                      slot_value: Optional[str], text: str,
                      service_value: Optional[str] = None) -> Resolution:
    """Entity of the latest message > procedure named in its text > slot.

    A procedure named but unknown is reported as unknown (never replaced by the slot); a
    procedure of another body is reported as such; a service named alone narrows the choice.
    """
    entity_values = [value for value in entity_values if value]
    text = "" if (text or "").startswith("/") else (text or "")  # a button payload
    for value in entity_values:
        procedure = catalogue.find(value)
        if procedure:
            return Resolution(procedure=procedure)
    procedure = catalogue.find(text)
    if procedure:
        return Resolution(procedure=procedure)
    for value in [*entity_values, text]:
        body = catalogue.find_other_body(value)
        if body:
            return Resolution(other_body=body)
    current = catalogue.get(slot_value)
    mention = unknown = unknown_mention(text)
    if entity_values and normalise(entity_values[0]) not in normalise(unknown):
        unknown = entity_values[0]  # the NLU's wording, unless the text's is fuller
    words = content_tokens(unknown)
    if current and len(words) > 1 and words[0] in content_tokens(
            f"{current.name} {current.label}") and not _NAMED_KIND.match(unknown):
        # "le vieux permis rose" while the conversation is about the driving licence: an
        # adjective on the current procedure's own kind ("permis de chasse" names another).
        return Resolution(procedure=current)
    if len(words) == 1:
        # A bare generic word ("le permis", "la carte"): the current procedure if it fits,
        # else a choice between the procedures it may mean.
        if current and words[0] in content_tokens(f"{current.name} {current.label}"):
            return Resolution(procedure=current)
        candidates = catalogue.closest(unknown, MAX_BUTTONS)
        if candidates:
            return Resolution(candidates=tuple(candidates))
        if not mention:
            unknown = ""  # a stray word tagged by the NLU ("par internet"), not a procedure
    if unknown:
        return Resolution(unknown=unknown, candidates=tuple(catalogue.closest(unknown, 3)))
    if current and service_value == GENERAL_SERVICE:
        service_value = None  # "la commune": the conversation's procedure still holds
    if service_value:
        handled = catalogue.by_service(service_value)
        if current and current in handled:
            return Resolution(procedure=current)
        if len(handled) == 1:
            return Resolution(procedure=handled[0])
        handled.sort(key=lambda p: POPULAR.index(p.id) if p.id in POPULAR else len(POPULAR))
        return Resolution(service=service_value, candidates=tuple(handled[:MAX_BUTTONS]))
    if current:
        return Resolution(procedure=current)
    candidates = catalogue.closest(text, MAX_BUTTONS) if text else []
    if not candidates:
        candidates = [p for p in map(catalogue.get, POPULAR) if p]
    return Resolution(candidates=tuple(candidates))


# --------------------------------------------------------------------------------------------
# The handling service


@dataclass(frozen=True)
class ServiceContact:
    id: str
    aupres: str  # "du service Population"
    phone: str = ""
    email: str = ""
    web: str = ""
    name: str = ""
    appointment: str = ""  # the service's own appointment policy, when the catalogue has it

    def details(self) -> str:
        parts = [f"tél. {self.phone}" if self.phone else "", self.email,
                 _as_url(self.web) if self.web else ""]
        return ", ".join(part for part in parts if part) or CITY_WEB

    def sentence(self, lead: str = "Renseignez-vous") -> str:
        details = self.details()
        end = "" if re.search(r"https?://\S+$", details) else "."  # keep the link clickable
        return f"{lead} auprès {self.aupres} : {details}{end}"


def service_contact(services: Any, service_id: str) -> ServiceContact:
    """Contact of a handling service, from the services catalogue when it knows it."""
    entry = None
    try:
        if service_id in services.ids():
            entry = services.get(service_id)
    except (AttributeError, KeyError, TypeError):
        entry = None
    name = _attribute(entry, "short", "name")
    aupres = SERVICE_AUPRES.get(service_id) or (f"de « {name} »" if name else "de la Ville")
    return ServiceContact(
        id=service_id, aupres=aupres, name=name,
        phone=_attribute(entry, "phone"), email=_attribute(entry, "email"),
        web=_attribute(entry, "web"), appointment=_attribute(entry, "appointment_text"),
    )


def _attribute(entry: Any, *names: str) -> str:
    for name in names:
        value = entry.get(name) if isinstance(entry, dict) else getattr(entry, name, None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _as_url(web: str) -> str:
    return web if web.startswith(("http://", "https://")) else f"https://{web}"


def details_link(procedure: Procedure, contact: ServiceContact) -> str:
    return procedure.link or (_as_url(contact.web) if contact.web else CITY_WEB)


# --------------------------------------------------------------------------------------------
# Rendering


def answer_aspect(aspect: str, catalogue: ProcedureCatalogue, services: Any,
                  entity_values: Sequence[str] = (), slot_value: Optional[str] = None,
                  text: str = "", service_value: Optional[str] = None) -> Answer:
    """The whole turn: which procedure, then the answer about `aspect` (see ASPECTS)."""
    if aspect not in ASPECTS:
        raise ValueError(f"unknown aspect {aspect!r}")
    resolution = resolve_procedure(catalogue, entity_values, slot_value, text, service_value)
    if resolution.procedure:
        return render(aspect, resolution.procedure, services, text)
    if resolution.other_body:
        return render_other_body(resolution.other_body)
    if resolution.unknown:
        return render_unknown(aspect, resolution.unknown, resolution.candidates)
    if resolution.service:
        contact = service_contact(services, resolution.service)
        if aspect == "appointment" and contact.appointment:
            heading = contact.name or "Service"
            return Answer(text=_lines(f"{heading} – rendez-vous : "
                                      f"{_after_colon(contact.appointment)}", contact.sentence()),
                          buttons=_procedure_buttons(aspect, resolution.candidates),
                          slots={"service": resolution.service}, topic=resolution.service)
        if not resolution.candidates:
            return render_service_without_procedures(aspect, resolution.service, services)
    return ask_which(aspect, resolution.candidates, resolution.service, services)


def render(aspect: str, procedure: Procedure, services: Any, text: str = "") -> Answer:
    """The answer about one aspect of a known procedure, with buttons for the others."""
    contact = service_contact(services, procedure.service)
    text = "" if (text or "").startswith("/") else (text or "")
    builder = {
        "procedure": _procedure_text, "price": _price_text, "documents": _documents_text,
        "delay": _delay_text, "appointment": _appointment_text, "online": _online_text,
    }[aspect]
    answer_text = builder(procedure, contact, text)
    return Answer(
        text=answer_text,
        buttons=aspect_buttons(procedure, answered=aspect),
        slots={"procedure": procedure.id, "service": procedure.service},
        topic=procedure.id,
        unknown=tuple(UnknownFact(procedure.id, procedure.name, fact)
                      for fact in unknown_facts(aspect, procedure, text, answer_text)),
    )


# What an answer about each aspect calls unknown, for the trainers' report.
ASPECT_FACTS = {"procedure": "étapes", "price": "prix", "documents": "documents",
                "delay": "délai", "appointment": "rendez-vous", "online": "démarche en ligne"}
UNKNOWN_WORDS = ("je ne connais pas", "je ne sais pas", "je n'ai pas", "inconnu")


def unknown_facts(aspect: str, procedure: Procedure, text: str, answer_text: str) -> List[str]:
    """The facts the answer (`answer_text`) says it does not know, for the citizen's `text`:
    "prix", "documents"… or, for the overview, the steps and the situations asked about
    ("en cas de perte") the catalogue does not describe."""
    if aspect == "procedure":
        missing = [f"en cas de {kind}" for kind in ("perte", "vol")
                   if kind in situations_mentioned(text) and kind not in procedure.situations]
        return missing + ([] if procedure.steps or missing else ["étapes"])
    if not any(words in answer_text.lower() for words in UNKNOWN_WORDS):
        return []
    if aspect == "price" and procedure.price.known:
        return ["prix (certains tarifs)"]
    return [ASPECT_FACTS[aspect]]


def aspect_buttons(procedure: Procedure, answered: str) -> List[Button]:
    """Prix, Documents, Délai, Rendez-vous, En ligne ? (not the one answered), then Où ?."""
    others = [aspect for aspect in ASPECTS if aspect not in (answered, "procedure")]
    if len(others) >= MAX_BUTTONS:
        others.remove("appointment")  # after the overview: the four main aspects and "Où ?"
    buttons = [Button(ASPECTS[aspect][1], intent_payload(ASPECTS[aspect][0],
                                                         procedure=procedure.id))
               for aspect in others]
    buttons.append(Button(WHERE_TITLE, intent_payload("ask_contact", service=procedure.service)))
    return buttons


def title(procedure: Procedure) -> str:
    """'Carte d'identité électronique (eID)': the procedure's name as a heading."""
    return procedure.name[:1].upper() + procedure.name[1:]


def _after_colon(sentence: str) -> str:
    """'Environ 3 semaines' -> 'environ 3 semaines' (French lower case after a colon)."""
    if len(sentence) > 1 and sentence[0].isupper() and sentence[1].islower():
        return sentence[0].lower() + sentence[1:]
    return sentence


def _lines(*parts: Optional[str]) -> str:
    return "\n".join(part for part in parts if part)


def _procedure_text(procedure: Procedure, contact: ServiceContact, text: str) -> str:
    link = f"Plus d'infos : {details_link(procedure, contact)}"
    mentioned = situations_mentioned(text)
    described = [kind for kind in procedure.situations if kind in mentioned]
    if described:
        body = procedure.situations[described[0]]
        for kind in described[1:]:
            if len(body) + len(procedure.situations[kind]) < 520:
                body += "\n" + procedure.situations[kind]
        return _lines(body, link)
    missing = [kind for kind in ("perte", "vol") if kind in mentioned]
    honest = ""
    if missing:
        honest = (f"Je n'ai pas d'information vérifiée en cas de {' ou de '.join(missing)}. "
                  + contact.sentence())
    if not procedure.steps:
        unknown = ("Je ne connais pas encore le détail des étapes. " + contact.sentence()
                   if not honest else "")
        return _lines(procedure.summary, honest, unknown)
    return _lines(honest, procedure.summary, bullet_list(procedure.steps), link)


def format_valid_from(variant: PriceVariant) -> str:
    """'depuis 2025', 'depuis juillet 2025', 'depuis le 29 juillet 2025', 'info de 2020'."""
    if variant.valid_from:
        parts = [int(part) for part in variant.valid_from.split("-")]
        if len(parts) == 1:
            return f"depuis {parts[0]}"
        if len(parts) == 2:
            return f"depuis {MONTHS[parts[1] - 1]} {parts[0]}"
        day = "1er" if parts[2] == 1 else str(parts[2])
        return f"depuis le {day} {MONTHS[parts[1] - 1]} {parts[0]}"
    if variant.as_of and re.match(r"^\d{4}", variant.as_of):
        return f"info de {variant.as_of[:4]}"
    return ""


def format_variant(variant: PriceVariant) -> str:
    if not variant.known:
        return f"{variant.label} : tarif actuel inconnu"
    amount = "gratuit" if variant.amount == 0 else format_price(variant.amount)
    if variant.up_to and variant.amount:
        amount = f"jusqu'à {amount}"
    when = format_valid_from(variant)
    return f"{variant.label} : {amount}" + (f" ({when})" if when else "")


def _price_text(procedure: Procedure, contact: ServiceContact, text: str) -> str:
    price = procedure.price
    if not price.known:
        return _lines(
            f"{title(procedure)} : je ne connais pas le prix actuel à Liège.",
            price.note,
            contact.sentence("Pour le tarif à jour, renseignez-vous"),
        )
    lines = [f"{title(procedure)} – prix à Liège :",
             bullet_list(format_variant(variant) for variant in price.variants), price.note]
    if price.unknown:
        lines.append(contact.sentence("Pour les autres tarifs, renseignez-vous"))
    else:
        lines.append(f"Plus d'infos : {details_link(procedure, contact)}")
    return _lines(*lines)


def _documents_text(procedure: Procedure, contact: ServiceContact, text: str) -> str:
    documents = procedure.documents
    if not documents.items:
        return _lines(
            f"{title(procedure)} : je ne connais pas la liste des documents à fournir à Liège.",
            documents.note,
            contact.sentence(),
            f"Plus d'infos : {procedure.link}"
            if procedure.link and procedure.link not in contact.details() else "",
        )
    return _lines(f"{title(procedure)} – à prévoir :", bullet_list(documents.items),
                  documents.note, f"Plus d'infos : {details_link(procedure, contact)}")


def _delay_text(procedure: Procedure, contact: ServiceContact, text: str) -> str:
    if not procedure.delay:
        return _lines(f"{title(procedure)} : je ne connais pas le délai habituel à Liège.",
                      contact.sentence())
    extra = contact.sentence() if "ne connais pas" in procedure.delay else ""
    return _lines(f"{title(procedure)} – délai : {_after_colon(procedure.delay)}", extra)


def _appointment_text(procedure: Procedure, contact: ServiceContact, text: str) -> str:
    appointment = procedure.appointment
    if not appointment.text and contact.appointment:
        return _lines(f"{title(procedure)} – rendez-vous : {_after_colon(contact.appointment)}",
                      contact.sentence("Renseignez-vous avant de vous déplacer"))
    if not appointment.text:
        return _lines(
            f"{title(procedure)} : je ne sais pas s'il faut un rendez-vous à Liège.",
            contact.sentence("Renseignez-vous avant de vous déplacer"),
        )
    extra = contact.sentence("Renseignez-vous avant de vous déplacer") \
        if appointment.needed is None else ""
    return _lines(f"{title(procedure)} – rendez-vous : {_after_colon(appointment.text)}", extra)


def _online_text(procedure: Procedure, contact: ServiceContact, text: str) -> str:
    online = procedure.online
    options = [_online_option(option) for option in online.options]
    if online.possible is True:
        head = f"{title(procedure)} – en ligne : oui."
    elif online.possible is False:
        head = f"{title(procedure)} – en ligne : non."
    elif options:
        head = f"{title(procedure)} – en ligne, voici ce que je connais :"
    else:
        return _lines(
            f"{title(procedure)} : je ne connais pas de démarche en ligne pour cela.",
            online.note, contact.sentence(),
        )
    if online.possible is False:
        lines = [head, online.note, "À savoir :" if options else "", bullet_list(options)]
    else:
        lines = [head, bullet_list(options), online.note]
    if any(not option.url for option in online.options) or not options:
        lines.append(f"Plus d'infos : {details_link(procedure, contact)}")
    return _lines(*lines)


def _online_option(option: Any) -> str:
    line = option.name + (f" : {option.what}" if option.what else "")
    return line + (f" – {option.url}" if option.url else "")


# --------------------------------------------------------------------------------------------
# When no known procedure answers


def render_unknown(aspect: str, wording: str, candidates: Iterable[Procedure]) -> Answer:
    candidates = list(candidates)
    text = f"Je ne connais pas la démarche « {wording} »."
    if candidates:
        text += " Vouliez-vous parler de l'une de celles-ci ?"
    else:
        text += f" Essayez avec d'autres mots, ou consultez {CITY_WEB}."
    return Answer(text=text, buttons=_procedure_buttons(aspect, candidates),
                  slots={"procedure": None})


def render_other_body(body: OtherBody) -> Answer:
    name = body.name[:1].upper() + body.name[1:]
    lines = [f"{name} : ce n'est pas une démarche de la Ville de Liège."]
    if body.body:
        lines.append(f"C'est {body.body} qui s'en occupe.")
    else:
        lines.append("Je ne sais pas quel organisme s'en occupe.")
    lines.append(body.note)
    if body.contact or body.link:
        lines.append("Contact : " + ", ".join(part for part in (body.contact, body.link) if part))
    elif body.body:
        lines.append("Je n'ai pas ses coordonnées.")
    return Answer(text=_lines(*lines), slots={"procedure": None})


def ask_which(aspect: str, candidates: Iterable[Procedure], service_id: Optional[str] = None,
              services: Any = None) -> Answer:
    if service_id:
        contact = service_contact(services, service_id)
        text = (f"Pour quelle démarche {contact.aupres} voulez-vous savoir "
                f"{ASPECT_TOPIC[aspect]} ?")
    else:
        text = "De quelle démarche s'agit-il ? Choisissez-la ou écrivez son nom."
    return Answer(text=text, buttons=_procedure_buttons(aspect, candidates))


def render_service_without_procedures(aspect: str, service_id: str, services: Any) -> Answer:
    """An aspect asked about a service that handles no catalogue procedure (pool, library…)."""
    contact = service_contact(services, service_id)
    text = _lines(f"Je n'ai pas d'information sur {ASPECT_SUBJECT[aspect]} pour ce service.",
                  contact.sentence())
    return Answer(
        text=text,
        buttons=[Button("Horaires", intent_payload("ask_hours", service=service_id)),
                 Button(WHERE_TITLE, intent_payload("ask_contact", service=service_id))],
        slots={"service": service_id},
    )


def _procedure_buttons(aspect: str, procedures: Iterable[Procedure]) -> List[Button]:
    intent = ASPECTS[aspect][0]
    return [Button(procedure.label, intent_payload(intent, procedure=procedure.id))
            for procedure in list(procedures)[:MAX_BUTTONS]]


# --------------------------------------------------------------------------------------------
# Precise questions: an FAQ entry, or an honest "not known" with who knows


# Words of a plain "how do I get it" question: what is left once they (and the procedure's own
# words) are removed is the precise point the citizen asks about.
_HOW_TO = frozenset(normalise(word) for word in """
    comment faire fait fais obtenir avoir demander demande renouveler renouvellement refaire
    nouveau nouvelle nouvel procédure procedure démarche démarches demarche quoi quel quelle
    quels quelles besoin faut veux voudrais voudrait voulons souhaite souhaiterais dois doit
    devons peux peut pouvons bonjour bjr bonsoir svp stp merci madame monsieur liège liege ville
    commune là ici où ou est-ce est ce qu que qui c ca ça se s y en il elle on nous vous je j
    me mon ma mes sa son ses leur leurs pour par sur avec dans chez quand cela ceci tout tous
    aller venir passer prendre faire fais fait oui non ok alors donc aussi encore déjà deja
    plus moins bien bon bonne être etre suis es sommes êtes sont ai as avons avez ont
    svp aide aider savoir dire expliquer info infos information informations comme
""".split())
# Words that only name an aspect ("combien ça coûte", "faut-il un rdv"): a question made of
# them and of the procedure's name is a generic aspect question, answered from the catalogue.
_ASPECT_WORDS = frozenset(normalise(word) for word in """
    combien cb coûte coute coutent coût cout prix tarif tarifs payant payante payer paye gratuit
    gratuite frais euro euros cher montant temps délai delai long longtemps jour jours semaine
    semaines mois prêt prete prête rapide vite rendez vous rdv réserver reserver prendre papier
    papiers document documents pièce pièces apporter amener fournir photo ligne internet online
    guichet horaire horaires ouvert ouverte fermé ferme fermée adresse téléphone telephone numéro
    numero possible faire
""".split())
PRECISE_MIN_WORDS = 2  # below, an ask_procedure message is a plain "how do I…"
FAQ_MIN_WORDS = 1  # below, no FAQ lookup: the message only names aspects


def precise_words(text: str, names: Iterable[str]) -> Tuple[str, ...]:
    """The words of the message beyond the names given, "how do I" and aspect words."""
    if not text or text.startswith("/"):
        return ()
    own = set(content_tokens(" ".join(names)))
    return tuple(word for word in content_tokens(text)
                 if word not in own and word not in _HOW_TO and word not in _ASPECT_WORDS
                 and len(word) > 2 and not word.isdigit())


def precise_point(text: str, procedure: Procedure) -> Tuple[str, ...]:
    """The words of the message beyond 'how do I get <procedure>' (empty: a plain how-to)."""
    return precise_words(text, (procedure.id.replace("_", " "), procedure.name, procedure.label,
                                *procedure.synonyms))


def described_situation(text: str, procedure: Procedure) -> bool:
    """The message names a situation the catalogue describes for it (loss, theft, PIN…)."""
    return bool(set(situations_mentioned(text)) & set(procedure.situations))


def faq_candidates(catalogue: Any, procedure: Optional[Procedure],
                   service_id: Optional[str] = None) -> List[Any]:
    """The FAQ entries a question may be answered from: its procedure's, then its service's."""
    faq = getattr(catalogue, "faq", None)
    if faq is None:
        return []
    entries = list(faq.for_procedure(procedure.id)) if procedure else []
    for service in dict.fromkeys([procedure.service if procedure else None, service_id]):
        if service:
            entries += faq.for_service(service)
    return entries


def render_faq(entry: Any, procedure: Optional[Procedure], services: Any) -> Answer:
    """A precise question answered from its FAQ entry, with the page it comes from."""
    heading = f"{title(procedure)} – {entry.question}" \
        if procedure and entry.owner == procedure.id else entry.question
    text = _lines(heading, entry.answer, f"Source : {entry.source}")
    if procedure is None:
        return Answer(text=text, slots={"service": entry.owner}, topic=entry.owner, buttons=[
            Button("Horaires", intent_payload("ask_hours", service=entry.owner)),
            Button(WHERE_TITLE, intent_payload("ask_contact", service=entry.owner))])
    return Answer(text=text, buttons=aspect_buttons(procedure, answered="procedure"),
                  slots={"procedure": procedure.id, "service": procedure.service},
                  topic=procedure.id)


def render_precise_unknown(procedure: Procedure, services: Any) -> Answer:
    """A precise point the catalogue does not hold: say so, then the summary and who knows."""
    contact = service_contact(services, procedure.service)
    text = _lines(
        f"{title(procedure)} : je n'ai pas d'information vérifiée sur ce point précis.",
        procedure.summary,
        f"La page de la démarche : {details_link(procedure, contact)}",
        contact.sentence("Pour une réponse sûre, adressez-vous"),
    )
    return Answer(text=text, buttons=aspect_buttons(procedure, answered="procedure"),
                  slots={"procedure": procedure.id, "service": procedure.service},
                  topic=procedure.id,
                  unknown=(UnknownFact(procedure.id, procedure.name, "question précise"),))
