"""Which aspects a message asks about, in the order asked ("combien ça coûte et faut-il un rdv ?").

Plain Python, no Rasa. The NLU gives one intent per message; about one real message in five asks
two things. The intent says what is asked first; `aspects_asked()` adds the other aspects the
message asks, found by the French cue words below, so the action answers all of them in one
reply. Chosen by measurement over a second model (docs/nlu-pipelines.md, "Two questions in
one message"): it needs no retraining and trainers can read and extend the cues.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Pattern, Tuple

from actions.city_catalogue.procedures import normalise
from actions.question_focus import question_sentences

# intent -> aspect it asks (the catalogue aspects, and a service's hours or contact)
INTENT_ASPECT: Dict[str, str] = {
    "ask_procedure": "procedure",
    "ask_price": "price",
    "ask_documents": "documents",
    "ask_delay": "delay",
    "ask_appointment": "appointment",
    "ask_online": "online",
    "ask_hours": "hours",
    "ask_contact": "contact",
}
ASPECT_INTENT = {aspect: intent for intent, aspect in INTENT_ASPECT.items()}

_DURATION = r"(?:temps|jours?|semaines?|mois|heures?|minutes?|ans|annees?)"

# Cues on normalised text (lower case, no accents, punctuation as spaces).
_CUES: Dict[str, str] = {
    "price": rf"""
        \bcombien\b(?!\s+(?:de|d)\s+{_DURATION})(?!\s+(?:de|d)\s+(?:photos?|temoins?|fois))
        | \bcb\b(?!\s+(?:de|d)\s+{_DURATION}) | \bcoute\w* | \bcout\b | \bprix\b | \btarifs?\b
        | \bpayant\w* | \bpay(?:er|e|es|ent)\b | \bgratuit\w* | \bfrais\b | \bmontant\b
        | \beuros?\b | \bcher\b | \bbancontact\b | \bredevance\b""",
    "documents": r"""
        \b(?:quels?|quelles?|comme|les)\s+papiers\b | \bpapiers\s+(?:a|pour|necessaires?)\b
        | \bdocuments?\s+(?:a|necessaires?|requis|fournir|apporter)\b
        | \bquels?\s+documents?\b | \bpieces?\b | \bjustificatifs?\b
        | \b(?:apporter|amener|ramener|fournir|emmener|presenter)\b | \bphotos?\b
        | \b(?:faut|faudra|il\s+me\s+faut)\s+quoi\b | \bprendre\s+avec\b""",
    "delay": rf"""
        \b(?:combien|cb)\s+(?:de|d)\s+{_DURATION}\b | \bdelais?\b | \bc\s+est\s+long\b
        | \bca\s+prend\b | \b(?:c\s+est|sera|seront|serai)\s+prete?s?\b | \bprete?s?\s+(?:en|quand|pour)\b
        | \bendeans\b | \battendre\b | \battente\b
        | \brapide\w* | \bvite\b | \bjour\s+meme\b | \bimmediat\w* | \bdans\s+combien\b
        | \ben\s+combien\b | \bquand\s+(?:est\s+ce\s+que\s+)?(?:je|j|on)\s+(?:l|la|le|les)?\s*
          (?:aurai|aura|aurais|recevrai|recevra|recois|recoit|recupere|peux\s+(?:la|le)\s+retirer)""",
    "appointment": r"""
        \brendez\s+vous\b | \brdv\b | \breserv\w* | \bcreneau\w* | \bsans\s+rendez\b
        | \bprendre\s+un\s+ticket\b""",
    "online": r"""
        \ben\s+ligne\b | \binternet\b | \bonline\b | \be\s?guichet\b | \bsite\s+web\b
        | \bsans\s+(?:me|se|nous)\s+deplacer\b | \ba\s+distance\b | \blecteur\s+de\s+carte\b
        | \bitsme\b""",
    "hours": r"""
        \bhoraires?\b | \bouvert\w* | \bferm(?:e|es|ee|ees|ent|eture|ez)\b
        | \ba\s+quelle\s+heure\b | \bjusqu\s+a\s+quelle\s+heure\b | \bheures?\s+d\s+ouverture\b""",
    "contact": r"""
        \bou\s+(?:se\s+trouve|est|sont|aller|se\s+situe|ca\s+se\s+trouve|faut\s+il\s+aller|
          dois\s+je\s+aller|je\s+dois\s+aller)\b | \bc\s+est\s+ou\b
        | \b(?:quelle\s+est\s+l|l|son|leur|votre)\s+adresse\b(?!\s+sur)
        | \btelephone\b | \bnumero\s+de\s+(?:tel|telephone|gsm)\b
        | \b(?:comment|pour)\s+(?:les\s+|le\s+|la\s+|vous\s+)?(?:joindre|contacter)\b
        | \bcourriel\b | \be\s?mail\b""",
    "procedure": r"""
        \bcomment\s+(?:faire|obtenir|avoir|on\s+fait|je\s+fais|proceder|demander|renouveler|
          declarer|s\s+y\s+prendre|ca\s+se\s+passe|faut\s+il\s+faire)\b
        | \b(?:la|quelle|quelles)\s+(?:demarches?|procedure)\b | \b(?:que|quoi)\s+faire\b
        | \b(?:je|on)\s+(?:dois\s+)?fai[st]\s+(?:comment|quoi)\b | \bque\s+dois\s+je\s+faire\b
        | \bpar\s+ou\s+commencer\b | \bmarche\s+a\s+suivre\b
        | \bcomment\s+(?:je\s+|on\s+)?[a-z]+(?:er|ir|re)\b""",
}
_PATTERNS: Dict[str, Pattern[str]] = {aspect: re.compile(cue, re.VERBOSE)
                                      for aspect, cue in _CUES.items()}
# "valable combien de temps ?" asks about validity (a rule of the procedure), not a delay.
_VALIDITY = re.compile(r"\bvalab|\bvalidite")

# "combien ça coûte et faut-il un rdv ?": questions are split at these joints; a second aspect
# counts only when its cue sits in another part than the first aspect's. Only the message's
# questions count (actions.question_focus: the story around them asks nothing).
_JOINTS = re.compile(r"[?!.;\n]+|,|\bet\b|\bpuis\b|\bensuite\b|\baussi\b|\bainsi\s+que\b",
                     re.IGNORECASE)


def cues_found(text: str) -> List[Tuple[int, str]]:
    """[(position, aspect)] of the first cue of each aspect, in text order."""
    normalised = normalise(text)
    validity = bool(_VALIDITY.search(normalised))
    found = []
    for aspect, pattern in _PATTERNS.items():
        if validity and aspect in ("delay", "price"):
            continue
        match = pattern.search(normalised)
        if match:
            found.append((match.start(), aspect))
    return sorted(found)


def _parts(text: str) -> List[str]:
    return [part for sentence in question_sentences(text)
            for part in _JOINTS.split(sentence) if part and part.strip()]


def aspects_asked(intent: Optional[str], text: str, limit: int = 3) -> List[str]:
    """The aspects to answer, in the order asked: the intent's, then those of other parts.

    Each part of the message (split at "?", ".", ",", "et", …) contributes at most one aspect:
    the intent's if its cue is there, else the part's first cue. When no part has the intent's
    cue, the intent's aspect comes first. A button payload gives the intent's aspect alone.
    """
    first = INTENT_ASPECT.get(intent or "")
    if first is None:
        return []
    if not text or text.startswith("/"):
        return [first]
    per_part: List[Optional[str]] = []
    for part in _parts(text):
        cues = [aspect for _, aspect in cues_found(part)]
        per_part.append(first if first in cues else (cues[0] if cues else None))
    if first not in per_part:
        per_part.insert(0, first)  # the intent is what is asked first (annotation rule)
    ordered: List[str] = []
    for aspect in per_part:
        if aspect and aspect not in ordered:
            ordered.append(aspect)
    return ordered[:limit]
