"""The two-stage fallback, in French.

First miss: the most likely intents of the message become buttons (with the entities the
message carried, so a click answers directly). Second miss in a row, or "non" to the
suggestions: the city's contact details.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence

from actions.answers import Answer, Button, intent_payload

# Intents worth suggesting, with the button title; others (greet, affirm…) are never suggested.
INTENT_TITLES: Dict[str, str] = {
    "ask_hours": "Horaires",
    "ask_contact": "Adresse et contact",
    "ask_procedure": "Faire une démarche",
    "ask_price": "Prix",
    "ask_documents": "Documents à fournir",
    "ask_delay": "Délai",
    "ask_appointment": "Rendez-vous",
    "ask_online": "En ligne ?",
    "report_problem": "Signaler un problème",
    "human_handoff": "Parler à un agent",
    "help": "Ce que je sais faire",
}

# What runs when a typed "oui" accepts a single suggestion.
INTENT_ACTIONS: Dict[str, str] = {
    "ask_hours": "action_ask_hours",
    "ask_contact": "action_ask_contact",
    "ask_procedure": "action_ask_procedure",
    "ask_price": "action_ask_price",
    "ask_documents": "action_ask_documents",
    "ask_delay": "action_ask_delay",
    "ask_appointment": "action_ask_appointment",
    "ask_online": "action_ask_online",
    "report_problem": "utter_report_problem",
    "human_handoff": "action_human_handoff",
    "help": "utter_help",
}

MAX_SUGGESTIONS = 3
MIN_CONFIDENCE = 0.05
NONE_OF_THESE = Button("Non, autre chose", "/deny")
EMPTY_MESSAGE = ("Je n'ai pas reçu de texte. Posez-moi votre question en quelques mots, par exemple "
                 "« horaires du service population » ou « comment renouveler ma carte d'identité ? ».")


def suggestions(intent_ranking: Sequence[dict], entities: Sequence[dict]) -> List[dict]:
    """The likeliest suggestable intents, each with the catalogue entities of the message."""
    carried = {e["entity"]: e["value"] for e in entities
               if e.get("entity") in ("service", "procedure") and isinstance(e.get("value"), str)}
    picked = []
    for ranked in intent_ranking:
        name = ranked.get("name")
        if name in INTENT_TITLES and (ranked.get("confidence") or 0) >= MIN_CONFIDENCE:
            picked.append({"intent": name, "entities": carried})
        if len(picked) == MAX_SUGGESTIONS:
            break
    return picked


def suggestion_answer(picked: List[dict], describe: Callable[[str, str], Optional[str]]) -> Answer:
    """Buttons for the suggestions; `describe(entity, id)` gives a catalogue name for titles."""
    if not picked:
        return Answer(
            "Je n'ai pas bien compris votre message. Pouvez-vous le reformuler en quelques mots ? "
            "Par exemple : « horaires du service population » ou « prix d'un passeport ».",
            [Button("Ce que je sais faire", "/help"), Button("Parler à un agent", "/human_handoff")],
        )
    buttons = []
    for suggestion in picked:
        title = INTENT_TITLES[suggestion["intent"]]
        names = [describe(entity, value) or value for entity, value in suggestion["entities"].items()]
        if names:
            title = f"{title} : {', '.join(names)}"
        buttons.append(Button(title, intent_payload(suggestion["intent"], **suggestion["entities"])))
    text = ("Je ne suis pas sûr d'avoir compris. Vouliez-vous parler de ceci ?"
            if len(picked) == 1 else
            "Je ne suis pas sûr d'avoir compris. Vouliez-vous parler de l'un de ces sujets ?")
    return Answer(text, buttons + [NONE_OF_THESE])


def contact_intro() -> str:
    return ("Désolé, je ne parviens pas à répondre à votre question. "
            "Le mieux est de contacter directement l'administration communale :")
