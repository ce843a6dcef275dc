"""The thin rasa_sdk actions, over several turns, with the real catalogue (no Rasa server)."""

from __future__ import annotations

import asyncio
import json
from typing import Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.procedure_actions import (
    ActionAskAppointment, ActionAskDelay, ActionAskDocuments, ActionAskOnline, ActionAskPrice,
    ActionAskProcedure,
)
from tests.unit.test_procedures_support import CATALOGUE_DIR

pytestmark = pytest.mark.skipif(not (CATALOGUE_DIR / "services.yml").exists(),
                                reason="services.yml not written yet")

ACTIONS = {
    "ask_procedure": ActionAskProcedure(), "ask_price": ActionAskPrice(),
    "ask_documents": ActionAskDocuments(), "ask_delay": ActionAskDelay(),
    "ask_appointment": ActionAskAppointment(), "ask_online": ActionAskOnline(),
}


class Conversation:
    """Runs our actions turn after turn, filling slots like Rasa's from_entity mappings do."""

    def __init__(self) -> None:
        self.slots: Dict[str, Optional[str]] = {"procedure": None, "service": None}

    def say(self, text: str, intent: str, **entities: str) -> List[dict]:
        entity_list = [{"entity": name, "value": value} for name, value in entities.items()]
        for name, value in entities.items():
            self.slots[name] = value  # from_entity mapping, before the action runs
        tracker = Tracker(
            sender_id="test", slots=dict(self.slots),
            latest_message={"text": text, "intent": {"name": intent}, "entities": entity_list},
            events=[], paused=False, followup_action=None, active_loop={},
            latest_action_name="action_listen",
        )
        dispatcher = CollectingDispatcher()
        events = asyncio.run(ACTIONS[intent].run(dispatcher, tracker, {}))
        for event in events:
            assert event["event"] == "slot"
            self.slots[event["name"]] = event["value"]
        return dispatcher.messages

    def click(self, payload: str) -> List[dict]:
        intent, _, entities = payload[1:].partition("{")
        return self.say(payload, intent, **(json.loads("{" + entities) if entities else {}))


def _text(messages: List[dict]) -> str:
    assert len(messages) == 1
    return messages[0]["text"]


def _titles(messages: List[dict]) -> List[str]:
    return [button["title"] for button in messages[0]["buttons"]]


def test_action_names():
    assert {action.name() for action in ACTIONS.values()} == {
        "action_ask_procedure", "action_ask_price", "action_ask_documents", "action_ask_delay",
        "action_ask_appointment", "action_ask_online"}


def test_chain_of_aspects_keeps_the_procedure():
    chat = Conversation()
    first = chat.say("comment renouveler mon passeport ?", "ask_procedure", procedure="passeport")
    assert "passeport" in _text(first).lower()
    # The aspects, then the 👍 / 👎 choices: offered once for this procedure.
    assert _titles(first) == ["Prix", "Documents", "Délai", "En ligne ?", "Où ?",
                              "👍 Utile", "👎 Pas utile"]
    assert first[0]["topic"] == "passeport"
    assert chat.slots == {"procedure": "passeport", "service": "population",
                          "feedback_topics": ["passeport"]}

    price = chat.say("et c'est combien ?", "ask_price")
    assert _text(price).startswith("Passeport – prix")
    assert "👍 Utile" not in _titles(price) and price[0]["topic"] == "passeport"
    documents = chat.say("il faut quoi ?", "ask_documents")
    assert "photo" in _text(documents)
    delay = chat.say("ça prend combien de temps ?", "ask_delay")
    assert "jours ouvrables" in _text(delay)
    assert chat.slots["procedure"] == "passeport"


def test_naming_another_procedure_switches_and_sets_its_service():
    chat = Conversation()
    chat.say("combien coûte un passeport ?", "ask_price", procedure="passeport")
    switched = chat.say("et un acte de naissance ?", "ask_price", procedure="acte_naissance")
    assert "Acte de naissance" in _text(switched)
    assert chat.slots == {"procedure": "acte_naissance", "service": "etat_civil",
                          "feedback_topics": ["passeport", "acte_naissance"]}
    assert _titles(switched)[-2:] == ["👍 Utile", "👎 Pas utile"]
    online = chat.say("on peut le faire en ligne ?", "ask_online")
    assert "e-guichet.liege.be" in _text(online)


def test_where_button_carries_the_handling_service():
    chat = Conversation()
    messages = chat.say("permis d'urbanisme", "ask_procedure", procedure="permis_urbanisme")
    where = next(b for b in messages[0]["buttons"] if b["title"] == "Où ?")
    assert where == {"title": "Où ?", "payload": '/ask_contact{"service":"urbanisme"}'}


def test_buttons_work_as_the_next_turn():
    chat = Conversation()
    messages = chat.say("kids id", "ask_procedure", procedure="kids_id")
    price_button = next(b for b in messages[0]["buttons"] if b["title"] == "Prix")
    price = chat.click(price_button["payload"])
    assert "27,90 €" in _text(price)


def test_aspect_without_procedure_asks_which_then_the_button_answers():
    chat = Conversation()
    question = chat.say("c'est combien ?", "ask_price")
    assert "quelle démarche" in _text(question)
    assert chat.slots["procedure"] is None
    identity = next(b for b in question[0]["buttons"] if b["title"] == "Carte d'identité")
    answer = chat.click(identity["payload"])
    assert "39,70 €" in _text(answer)
    assert chat.slots["procedure"] == "carte_identite"


def test_unknown_procedure_resets_the_slot():
    chat = Conversation()
    chat.say("passeport", "ask_procedure", procedure="passeport")
    unknown = chat.say("et le permis de chasse c'est combien ?", "ask_price")
    assert "permis de chasse" in _text(unknown)
    assert chat.slots["procedure"] is None
    again = chat.say("et c'est combien ?", "ask_price")
    assert "quelle démarche" in _text(again)


def test_lost_card_answers_the_loss_steps():
    chat = Conversation()
    messages = chat.say("j'ai perdu ma carte d'identité", "ask_procedure",
                        procedure="carte_identite")
    assert "DOC STOP" in _text(messages)
