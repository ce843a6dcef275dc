"""Only canonical ids reach the actions: every NLU entity is resolved against the catalogue.

Plain Python, no Rasa. The NLU pipeline's last entity step (`rasa_extensions.canonical_entities`) calls
`resolve_entities()` on each parsed message, so the slots and the actions only ever see the
contract's ids:

- a value that is already a canonical id is kept;
- another value (a wording the synonyms missed, "pasport", "carte d'id électronique") is looked
  up in the catalogue's names and synonyms, and replaced by the id it names;
- anything else is dropped: one-word junk spans ("de", "et", "c"), a bare generic word that names
  no single procedure ("permis", "carte": the action then asks which one with buttons), a
  document the city does not issue (the action finds it in the text and says so);
- a district town hall ("la mairie de Jupille") is the Population service at that site, not the
  central town hall: the service becomes `population` (the action finds the site in the text).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional

from actions.city_catalogue.procedures import STOPWORDS, content_tokens, normalise

PROCEDURE = "procedure"
SERVICE = "service"
CATALOGUE_ENTITIES = (PROCEDURE, SERVICE)
TOWN_HALL = "hotel_de_ville"
POPULATION = "population"
RESOLVER = "CanonicalEntities"

# Words that name a kind of document, not one procedure: alone, they are never an id.
GENERIC_WORDS = frozenset("""
    permis carte cartes acte actes certificat certificats extrait extraits attestation
    document documents papier papiers formulaire demande dossier titre
""".split())

# Spans that cannot name anything: too short, or only function words and fillers.
_FILLERS = STOPWORDS | frozenset("c est svp stp bjr bonjour merci ok oui non".split())

_TOWN_HALL_WORD = re.compile(r"\bmairies?\b")


def is_junk(span: str) -> bool:
    """'de', 'et', 'c', ' la ': spans that name neither a procedure nor a service."""
    words = normalise(span).split()
    return not words or len("".join(words)) < 3 or all(word in _FILLERS for word in words)


def is_generic(span: str) -> bool:
    """'le permis', 'ma carte': one generic document word and nothing that says which."""
    words = content_tokens(span)
    return len(words) == 1 and words[0] in GENERIC_WORDS


def canonical_procedure(value: str, span: str, procedures: Any) -> Optional[str]:
    """The procedure id a `procedure` entity names, or None to drop it."""
    if value in procedures.ids():
        return value
    for wording in (value, span):
        if not wording or is_junk(wording) or is_generic(wording):
            continue
        found = procedures.find(wording)
        if found is not None:
            return found.id
    return None


def canonical_service(value: str, span: str, services: Any) -> Optional[str]:
    """The service id a `service` entity names, or None to drop it."""
    if value in services.ids():
        return value
    for wording in (value, span):
        if not wording or is_junk(wording):
            continue
        match = services.find(wording)
        if match is not None:
            return match.service_id
    return None


def district_town_hall(text: str, services: Any) -> Optional[re.Match]:
    """The word 'mairie' when the text also names one of Population's district sites."""
    normalised = normalise(text)
    word = _TOWN_HALL_WORD.search(normalised)
    if not word:
        return None
    for _, matches in services.mentions(text):
        if any(m.service_id == POPULATION and m.site_id for m in matches):
            return word
    return None


def resolve_entities(entities: Iterable[Dict[str, Any]], text: str,
                     catalogue: Any) -> List[Dict[str, Any]]:
    """The message's entities with canonical values only (see the module docstring).

    `catalogue` has `.procedures` and `.services` (actions.city_catalogue.Catalogue). Entities
    of other types pass unchanged; a repeated (entity, value) is kept once, first occurrence.
    """
    text = text or ""
    resolved: List[Dict[str, Any]] = []
    seen = set()
    for entity in entities or []:
        kind = entity.get("entity")
        if kind not in CATALOGUE_ENTITIES:
            resolved.append(entity)
            continue
        value = str(entity.get("value") or "")
        span = _span(entity, text)
        if kind == PROCEDURE:
            canonical = canonical_procedure(value, span, catalogue.procedures)
        else:
            canonical = canonical_service(value, span, catalogue.services)
        if canonical is None or (kind, canonical) in seen:
            continue
        seen.add((kind, canonical))
        resolved.append(entity if canonical == value else {**entity, "value": canonical})
    return _district_town_halls(resolved, text, catalogue.services)


def _span(entity: Dict[str, Any], text: str) -> str:
    start, end = entity.get("start"), entity.get("end")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
        return text[start:end]
    return str(entity.get("value") or "")


def _district_town_halls(entities: List[Dict[str, Any]], text: str,
                         services: Any) -> List[Dict[str, Any]]:
    """'la mairie de Jupille' is Population (at Jupille), never the central town hall."""
    if not district_town_hall(text, services):
        return entities
    services_named = [e for e in entities if e.get("entity") == SERVICE]
    if any(e.get("value") not in (TOWN_HALL, POPULATION) for e in services_named):
        return entities  # another service named too ("la piscine près de la mairie de …")
    result = [e for e in entities if e.get("entity") != SERVICE]
    if any(e.get("entity") == PROCEDURE for e in entities) and not services_named:
        return entities  # "ma carte d'identité à la mairie de Jupille": the procedure suffices
    first = services_named[0] if services_named else None
    population = {**first, "value": POPULATION} if first else _population_entity(text)
    return [population, *result] if population else result


def _population_entity(text: str) -> Optional[Dict[str, Any]]:
    match = re.search(r"mairies?", text, re.IGNORECASE)
    if not match:
        return None
    return {"entity": SERVICE, "value": POPULATION, "start": match.start(),
            "end": match.end(), "extractor": RESOLVER, "confidence_entity": 1.0}
