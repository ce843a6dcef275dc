"""The thin rasa_sdk actions: what they read from the tracker, send, and remember."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

# The real catalogue is checked at import by the action server; these tests use their own.
os.environ.setdefault("CITYBOT_LAZY_CATALOGUE", "1")

from rasa_sdk import Tracker  # noqa: E402
from rasa_sdk.events import SlotSet  # noqa: E402
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from actions import service_actions  # noqa: E402
from actions.city_catalogue.errors import CatalogueError, CatalogueProblem  # noqa: E402
from tests.unit.test_services_fixtures import synthetic_catalogue  # noqa: E402


@pytest.fixture
def services(tmp_path, monkeypatch):
    catalogue = synthetic_catalogue(tmp_path)
    procedures = {"passeport": SimpleNamespace(service="population")}
    monkeypatch.setattr(service_actions, "_catalogue", lambda: SimpleNamespace(
        services=catalogue, procedures=SimpleNamespace(get=procedures.get)))
    monkeypatch.setenv("CITYBOT_FROZEN_NOW", "2026-11-25T10:00:00")
    return catalogue


def tracker(text, entities=(), service=None, site=None):
    return Tracker(
        sender_id="test", slots={"service": service, "site": site},
        latest_message={"text": text, "intent": {"name": "ask_hours"},
                        "entities": [{"entity": e, "value": v} for e, v in entities]},
        events=[], paused=False, followup_action=None, active_loop={},
        latest_action_name="action_listen")


async def run(action, text, **kwargs):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(text, **kwargs), {})
    assert len(dispatcher.messages) == 1
    return dispatcher.messages[0], events


def test_action_names():
    assert service_actions.ActionAskHours().name() == "action_ask_hours"
    assert service_actions.ActionAskContact().name() == "action_ask_contact"


async def test_hours_reads_the_entity_and_remembers_the_service(services):
    message, events = await run(service_actions.ActionAskHours(), "le recyparc est ouvert ?",
                                entities=[("service", "recyparc")])
    assert message["text"].startswith("Recyparcs :\nMaintenant : ouvert jusqu'à 12h30")
    assert events == [SlotSet("service", "recyparc"), SlotSet("site", None),
                      SlotSet("feedback_topics", ["recyparc"])]
    assert message["topic"] == "recyparc" and message["buttons"][-1]["title"] == "👎 Pas utile"


async def test_follow_up_uses_the_slots(services):
    message, events = await run(service_actions.ActionAskHours(), "et samedi ?",
                                service="population", site="mairie_b")
    assert message["text"].startswith("Mairie de quartier de Bravo :\nSamedi 28 novembre : "
                                      "fermé le samedi.")
    assert SlotSet("site", "mairie_b") in events


async def test_contact_after_hours_question(services):
    message, _ = await run(service_actions.ActionAskContact(), "c'est où ?",
                           service="urbanisme")
    assert "Adresse : Quai Test 10, Liège" in message["text"]
    assert "openstreetmap.org" in message["text"]


async def test_which_service_buttons(services):
    message, events = await run(service_actions.ActionAskHours(), "vous fermez à quelle heure ?")
    assert message["buttons"][0] == {"title": "Population",
                                     "payload": '/ask_hours{"service":"population","when":"now"}'}
    assert events == []


async def test_procedure_in_the_message_gives_its_service(services):
    message, events = await run(service_actions.ActionAskHours(),
                                "je peux venir chercher mon passeport samedi matin ?",
                                entities=[("procedure", "passeport")], service="recyparc")
    assert message["text"].startswith("Service Population, samedi 28 novembre, le matin :")
    assert SlotSet("service", "population") in events


async def test_unknown_service_keeps_the_slots(services):
    message, events = await run(service_actions.ActionAskContact(),
                                "le service des licornes", service="recyparc")
    assert "licornes" in message["text"] and events == []


async def test_invalid_catalogue_apologises(monkeypatch):
    def broken():
        raise CatalogueError([CatalogueProblem("services.yml", "x", "y", "bad")])

    monkeypatch.setattr(service_actions, "_catalogue", broken)
    message, events = await run(service_actions.ActionAskHours(), "horaires")
    assert "liege.be" in message["text"] and events == []
