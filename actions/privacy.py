"""What the assistant tells a citizen about the data it keeps, and the erasure of their
conversation on request (GDPR: information, access, erasure; docs/privacy.md).

Plain Python, no Rasa. "Quelles données gardez-vous ?" gets what is kept, how long and the
rights; "supprimez mes données" gets a question: erase the whole conversation now? On "oui"
(data/rules/conversation.yml) the confirmation carries `ERASE_MARK` in its metadata, and the
tracker store (rasa_extensions/masking_tracker_store.py) then deletes every stored event of
the conversation, that turn's included, instead of storing it. The channel's id of the
citizen is the conversation's id, so this works alike on every channel.

The action server and the rasa server both import this module (the rasa image ships actions/;
the actions image does not ship rasa_extensions/), hence the retention setting read here.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterable, Optional

from actions.answers import Answer, Button

DEFAULT_RETENTION_DAYS = 90
# The bot message's metadata key that asks the tracker store to erase the conversation.
ERASE_MARK = "erase_conversation"
# The bot message's metadata key marking the question "erase everything?" (checked on "oui").
ASKED_MARK = "privacy"
ASKED = "erase_asked"

MAX_ID_SHOWN = 100  # characters of the conversation id shown to the citizen
ERASE_BUTTON = Button("Effacer ma conversation", "/privacy_erase")
CONFIRM_BUTTONS = (Button("Oui, tout effacer", "/affirm"), Button("Non, garder", "/deny"))

# What each channel's own operator keeps, beyond the assistant's reach.
CHANNEL_COPIES = {
    "facebook": ("Messenger garde aussi sa propre copie de nos échanges, sous la "
                 "responsabilité de Meta : vous pouvez la supprimer dans l'application."),
    "x": ("X garde aussi sa propre copie de nos messages privés, sous sa responsabilité : "
          "vous pouvez la supprimer dans l'application."),
    "socketio": ("Ce navigateur garde l'affichage de la conversation au plus une heure : le "
                 "bouton « Nouvelle conversation » l'efface tout de suite."),
}


def retention_days(raw: Optional[str] = None) -> int:
    """RETENTION_DAYS (the environment's when `raw` is None): whole days ≥ 1, else ValueError."""
    if raw is None:
        raw = os.environ.get("RETENTION_DAYS")
    text = (raw or "").strip() or str(DEFAULT_RETENTION_DAYS)
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"RETENTION_DAYS must be a whole number of days ≥ 1, not {raw!r}")
    return int(text)


def _channel_note(channel: Optional[str]) -> str:
    note = CHANNEL_COPIES.get(channel or "")
    return f"\n{note}" if note else ""


def info_answer(days: int, conversation_id: str, contact: str,
                channel: Optional[str] = None) -> Answer:
    """What is kept, why, for how long, who is responsible, and the rights. `contact`: the
    city's general contact as a sentence (for a copy of what is kept)."""
    text = (
        "Ce que je garde de nos échanges : vos messages et mes réponses, avec l'identifiant de "
        "conversation que donne le canal (le widget du site, Messenger ou X). Avant d'être "
        "enregistrés, les numéros de registre national, IBAN, numéros de carte bancaire, "
        "numéros de téléphone et adresses e-mail y sont masqués.\n"
        f"Tout est effacé automatiquement après {days} jours. Ces messages servent à vous "
        "répondre et à améliorer l'assistant ; la Ville de Liège en est responsable.\n"
        "Vous pouvez me demander d'effacer notre conversation maintenant. Pour en recevoir une "
        f"copie, donnez l'identifiant de notre conversation ({conversation_id[:MAX_ID_SHOWN]}) "
        f"à la Ville. {contact}" + _channel_note(channel))
    return Answer(text, [ERASE_BUTTON])


def ask_erase_answer(days: int) -> Answer:
    text = ("Je peux effacer maintenant toute notre conversation de la mémoire de l'assistant : "
            "vos messages et mes réponses. C'est définitif. Voulez-vous tout effacer ?\n"
            f"(Sinon, elle sera effacée automatiquement après {days} jours.)")
    return Answer(text, list(CONFIRM_BUTTONS))


def erased_answer(channel: Optional[str] = None) -> Answer:
    return Answer("C'est fait : notre conversation est effacée de la mémoire de l'assistant. "
                  "Si vous m'écrivez encore, ce sera une nouvelle conversation."
                  + _channel_note(channel))


def kept_answer(days: int) -> Answer:
    return Answer(f"D'accord, je n'efface rien. Notre conversation sera effacée "
                  f"automatiquement après {days} jours.", [Button("Ce que je sais faire",
                                                                  "/help")])


def asked_metadata() -> Dict[str, Any]:
    return {ASKED_MARK: ASKED}


def erase_metadata() -> Dict[str, Any]:
    return {ERASE_MARK: True}


def erasure_was_asked(events: Iterable[Dict[str, Any]]) -> bool:
    """Whether the assistant's last message before the latest citizen message was the
    question "erase everything?" (an old "oui" button tapped later erases nothing)."""
    seen_user = False
    for event in reversed(list(events)):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return False
            seen_user = True
        elif kind == "bot" and seen_user:
            return (event.get("metadata") or {}).get(ASKED_MARK) == ASKED
    return False
