"""Citizens judge the catalogue's answers: 👍 / 👎, then optionally say what was missing.

Plain Python, no Rasa. After a real answer from the catalogue (one with a topic: a service or
a procedure), the two feedback choices follow the answer's own buttons, once per topic in a
conversation (session) so they do not clutter it. Every channel renders them: buttons on the
widget (a discreet group, web/src/messages.js), quick replies on Messenger
(connectors/messenger_format.py), numbered choices on X; typed words ("pas utile", "ça ne
répond pas") reach the same intents through the NLU.

What is stored for the trainers' report (trainers/feedback.py reads it): the answer's bot
message carries its ``topic`` (``Answer.metadata``); the acknowledgement of a judgement
carries ``{"feedback": "positive" | "negative" | "comment", "topic": ...}``. The judged
question is the citizen's message before the answer with that topic; a comment is the
citizen's message the "comment" acknowledgement answers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from actions.answers import Answer, Button
from actions.procedure_answers import service_contact

POSITIVE, NEGATIVE, COMMENT = "positive", "negative", "comment"
INTENTS = {"feedback_positive": POSITIVE, "feedback_negative": NEGATIVE}
PAYLOAD_PREFIX = "/feedback_"  # connectors.buttons.is_feedback and the widget know it too
CHOICES = (Button("👍 Utile", "/feedback_positive"), Button("👎 Pas utile", "/feedback_negative"))
# Slot holding the topics already offered for judgement in this session.
OFFERED_SLOT = "feedback_topics"

THANKS = "Merci pour votre avis !"
SORRY = "Désolé que ma réponse ne vous ait pas aidé."
ASK_WHAT = ("Si vous le souhaitez, dites-moi en quelques mots ce qui manquait : l'équipe qui "
            "m'améliore le lira. Vous pouvez aussi poser une autre question.")
COMMENT_THANKS = "Merci, c'est noté : votre remarque aidera à améliorer mes réponses."


def with_choices(answer: Answer, offered: Optional[Sequence[str]]) -> Tuple[Answer, List[str]]:
    """The answer with the 👍 / 👎 choices if its topic was not offered yet, and the topics
    offered so far (to store in OFFERED_SLOT)."""
    offered = [str(topic) for topic in (offered or []) if topic]
    if not answer.topic or answer.topic in offered:
        return answer, offered
    return replace(answer, buttons=[*answer.buttons, *CHOICES]), [*offered, answer.topic]


def judged_topic(events: Iterable[Dict[str, Any]]) -> str:
    """The topic of the last answer before the latest citizen message ("" if none)."""
    seen_user = False
    for event in reversed(list(events)):
        kind = event.get("event")
        if kind == "user":
            seen_user = True
        elif kind == "bot" and seen_user:
            topic = (event.get("metadata") or {}).get("topic")
            if topic:
                return str(topic)
    return ""


def acknowledgement(kind: str, topic: str) -> Dict[str, str]:
    """The metadata of the bot message acknowledging a judgement or a comment."""
    return {"feedback": kind, "topic": topic}


def positive_answer() -> Answer:
    return Answer(THANKS)


def negative_answer(services: Any, service_id: Optional[str]) -> Answer:
    """Sorry, who to ask instead (the answer's service, else the city), what was missing?"""
    general = services.general_contact.id
    known = service_id if service_id and service_id in services.ids() else general
    contact = service_contact(services, known)
    return Answer("\n".join([SORRY, contact.sentence("Pour une réponse sûre, adressez-vous"),
                             ASK_WHAT]))


def comment_answer() -> Answer:
    return Answer(COMMENT_THANKS)


def is_comment(previous_action: Optional[str], text: str) -> bool:
    """The citizen's message right after a 👎 acknowledgement, typed (not a button), is the
    comment it asked for, unless the NLU understood a question (the caller decides that)."""
    return previous_action == "action_feedback_negative" and bool(text.strip()) \
        and not text.lstrip().startswith("/")
