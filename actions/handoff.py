"""Handing the citizen to a person of the administration.

The general contact of the city (services catalogue, `general_contact`) gives the address,
phone and web page, and its office hours say when an agent reads Messenger conversations.
"""

from __future__ import annotations

import datetime as dt

from actions.answers import Answer, Button
from actions.city_catalogue import Catalogue
from actions.moments import parse_moment
from actions.service_answers import contact_answer as service_contact_answer
from actions.service_answers import hours_answer

# Custom payload understood by the Messenger channel: pass the thread to the Page Inbox.
HANDOVER_PAYLOAD = {"handover": {"target": "page_inbox"}}


def _general(catalogue: Catalogue):
    return catalogue.services.general_contact


def office_hours_text(catalogue: Catalogue, now: dt.datetime) -> str:
    """The general desk's week hours, or an honest "unknown" with where to look."""
    general = _general(catalogue)
    return hours_answer(catalogue.services, general.id, None, parse_moment("", now), now).text


def contact_answer(catalogue: Catalogue, now: dt.datetime, intro: str) -> Answer:
    """Intro, then the city's contact details and office hours."""
    general = _general(catalogue)
    contact = service_contact_answer(catalogue.services, general.id, None, now)
    text = "\n".join([intro, contact.text, office_hours_text(catalogue, now)])
    return Answer(text, [Button("Ce que je sais faire", "/help")])


def inbox_answer(catalogue: Catalogue, now: dt.datetime) -> Answer:
    """Messenger: the conversation goes to the Page Inbox, read by an agent in office hours."""
    text = "\n".join([
        "Je transmets notre conversation à l'équipe de la Ville de Liège. Un agent la lira et "
        "vous répondra ici pendant les heures de bureau ; je me retire en attendant.",
        office_hours_text(catalogue, now),
    ])
    return Answer(text)


def x_answer(catalogue: Catalogue, now: dt.datetime) -> Answer:
    """X: who to contact, and that a person of the city may answer in this DM conversation
    (the X channel then leaves the conversation to them: connectors/x.py)."""
    return contact_answer(catalogue, now, intro=(
        "Une personne de la Ville de Liège peut vous répondre ici, par message privé, pendant "
        "les heures de bureau. Pour parler à un agent dès maintenant, voici les coordonnées de "
        "l'administration communale :"))
