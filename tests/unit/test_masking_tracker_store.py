"""rasa_extensions/masking_tracker_store.py on real SQLite and PostgreSQL databases: what is
stored is masked everywhere in the events; what is not personal data is stored as typed; a
confirmed erasure leaves nothing of the conversation."""

from __future__ import annotations

import asyncio
import json

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from actions import privacy
from rasa_extensions import rasa_fixes
from rasa_extensions.masking_tracker_store import MaskingTrackerStore
from rasa_extensions.personal_data import mask_data
from tests.unit.test_personal_data import MASKED, UNTOUCHED

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [inform, privacy_erase, affirm]
entities: [phone]
slots:
  phone:
    type: any
    mappings: [{type: from_entity, entity: phone}]
""")

PERSONAL = {  # kind of data: (the value typed, its placeholder)
    "national number": ("85.07.30-033.28", "[numéro national]"),
    "bis number": ("85.27.30-033.71", "[numéro national]"),
    "IBAN": ("BE68 5390 0754 7034", "[IBAN]"),
    "card": ("4111 1111 1111 1111", "[carte]"),
    "Belgian phone": ("0470 12 34 56", "[téléphone]"),
    "international phone": ("+33 1 23 45 67 89", "[téléphone]"),
    "e-mail": ("jean.dupont@example.com", "[e-mail]"),
}

SENTENCES = [  # French sentences a citizen writes that hold no personal data
    "Je voudrais un rendez-vous le 12/03/2025 à 14h30 pour ma carte d'identité.",
    "C'est ouvert le samedi 15.03.2025 de 9:00 à 12:30 ?",
    "J'habite rue Saint-Gilles 245, 4000 Liège, c'est où le service population ?",
    "La Kids-ID coûte 7,50 € et le passeport 75 euros ?",
    "Mon permis de conduire international expire en 2026-2027, je fais comment ?",
    "Le recyparc de Sclessin (4000) est fermé le 1er novembre ?",
    "on est 3 dans le ménage, la taxe 2024 c'est 120 € ?",
    "numéro de dossier 2024/15 pour le changement d'adresse du 05.12.2024",
]


def turn(text: str, value: str, metadata: dict) -> list:
    """A stored turn echoing `value` everywhere an event can hold it."""
    parse = {"text": text, "intent": {"name": "inform", "confidence": 0.93},
             "entities": [{"entity": "phone", "value": value, "start": 0, "end": len(value),
                           "extractor": "DIETClassifier"}],
             "intent_ranking": [{"name": "inform", "confidence": 0.93}]}
    return [UserUttered(text, parse_data=parse, metadata=metadata, input_channel="rest",
                        message_id="m_5555555555554444"),
            SlotSet("phone", value),
            ActionExecuted("action_ask_contact"),
            BotUttered(f"C'est noté : {value}",
                       data={"buttons": [{"title": value, "payload": "/affirm"}]},
                       metadata={"echo": value, "topic": "population"}),
            ActionExecuted("action_listen")]


def stored_rows(store) -> list:
    with store.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(sa.text(
            "SELECT sender_id, type_name, intent_name, action_name, data FROM events "
            "ORDER BY id"))]


async def save_turns(store, sender: str, turns: list) -> None:
    tracker = await store.get_or_create_tracker(sender)
    for events in turns:
        tracker.update_with_events(events, DOMAIN)
        await store.save(tracker)
        tracker = await store.retrieve(sender)


def check_masking(store) -> None:
    for kind, (value, placeholder) in PERSONAL.items():
        sender = f"citizen-{kind}"
        text = f"mon {kind} : {value}, merci"
        asyncio.run(save_turns(store, sender, [turn(text, value, {"note": text})]))
        rows = [row for row in stored_rows(store) if row["sender_id"] == sender]
        stored = "\n".join(json.dumps(json.loads(row["data"]), ensure_ascii=False)
                           for row in rows)  # rasa's JSON escapes the é of the placeholder
        assert value not in stored and value.replace(" ", "") not in stored, kind
        assert stored.count(placeholder) >= 6, kind  # text, parse text, entity, slot, bot, meta
        user = json.loads(next(row["data"] for row in rows if row["type_name"] == "user"))
        assert user["text"] == f"mon {kind} : {placeholder}, merci"
        assert user["message_id"] == "m_5555555555554444"  # identifiers stay
        assert next(row for row in rows if row["type_name"] == "user")["intent_name"] == "inform"
        tracker = asyncio.run(store.retrieve(sender))
        assert tracker.get_slot("phone") == placeholder  # the next turn reads it masked
    for number, sentence in enumerate(SENTENCES):
        asyncio.run(save_turns(store, f"plain-{number}", [turn(sentence, "rue 12", {})]))
        [user] = [json.loads(row["data"]) for row in stored_rows(store)
                  if row["sender_id"] == f"plain-{number}" and row["type_name"] == "user"]
        assert user["text"] == sentence and user["parse_data"]["text"] == sentence


def check_erasure(store) -> None:
    first = turn("mon gsm 0470 12 34 56", "0470 12 34 56", {})
    asyncio.run(save_turns(store, "erase-me", [first]))
    asyncio.run(save_turns(store, "keep-me", [first]))
    erase = [UserUttered("oui", parse_data={"intent": {"name": "affirm", "confidence": 1.0}}),
             ActionExecuted("action_privacy_erase"),
             BotUttered("C'est fait", metadata=privacy.erase_metadata()),
             ActionExecuted("action_listen")]
    asyncio.run(save_turns(store, "erase-me", [erase]))
    senders = {row["sender_id"] for row in stored_rows(store)}
    assert "erase-me" not in senders and "keep-me" in senders
    assert asyncio.run(store.retrieve("erase-me")) is None  # a new conversation next time


@pytest.fixture
def fixes():
    rasa_fixes.install()
    yield
    rasa_fixes.uninstall()


def test_sqlite_stores_masked_events_and_erases_on_request(tmp_path, fixes):
    store = MaskingTrackerStore(DOMAIN, url=f"sqlite:///{tmp_path / 'tracker.db'}")
    check_masking(store)
    check_erasure(store)


def test_postgresql_stores_masked_events_and_erases_on_request(fixes):
    from tests.support import postgres_server

    if not postgres_server.available():
        pytest.skip("PostgreSQL is not installed (make test-deps installs it)")
    with postgres_server.postgres_server() as postgres:
        store = MaskingTrackerStore(DOMAIN, url=postgres.url)
        try:
            check_masking(store)
            check_erasure(store)
        finally:
            store.engine.dispose()


@pytest.mark.parametrize("text, expected", MASKED)
def test_every_string_of_an_event_is_masked(text, expected):
    event = {"event": "user", "text": text, "metadata": {"nested": [{"note": text}]}}
    assert mask_data(event) == {"event": "user", "text": expected,
                                "metadata": {"nested": [{"note": expected}]}}


@pytest.mark.parametrize("text", UNTOUCHED + SENTENCES)
def test_what_is_no_personal_data_is_left_as_it_was(text):
    event = {"event": "bot", "text": text, "data": {"buttons": [{"title": text}]}}
    assert mask_data(event) == event


def test_identifiers_are_never_masked():
    ids = {"message_id": "4111111111111111", "mid": "m_4111111111111111",
           "sender_id": "0470123456", "name": "action_x", "timestamp": 1.0,
           "recipientId": "4111111111111111", "created_ms": "4111111111111111",
           "created_timestamp": "4111111111111111"}
    assert mask_data(ids) == ids
    assert mask_data({"value": "4111111111111111"}) == {"value": "[carte]"}


def test_an_event_broker_gets_the_events_masked(tmp_path, fixes):
    published = []
    broker = type("Broker", (), {"publish": lambda self, body: published.append(body)})()
    store = MaskingTrackerStore(DOMAIN, event_broker=broker,
                                url=f"sqlite:///{tmp_path / 'tracker.db'}")
    asyncio.run(save_turns(store, "brokered", [turn("gsm 0470 12 34 56", "0470 12 34 56", {})]))
    text = json.dumps(published, ensure_ascii=False)
    assert published and "0470" not in text and "[téléphone]" in text
    assert {body["sender_id"] for body in published} == {"brokered"}
