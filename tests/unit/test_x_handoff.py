"""human_handoff on X: the contact details and a word that a person may answer in the DMs."""

from __future__ import annotations

import pytest

from actions import conversation_actions as conv
from tests.unit.test_conversation_actions import make_tracker, run


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setenv("CITYBOT_FROZEN_NOW", "2026-11-24T10:00:00")


async def test_handoff_on_x_gives_contacts_and_says_a_person_may_answer_here():
    tracker = make_tracker("un humain svp", intent="human_handoff", channel="x")
    messages, events = await run(conv.ActionHumanHandoff, tracker)
    assert len(messages) == 1 and events == []
    text = messages[0]["text"]
    assert text.startswith("Une personne de la Ville de Liège peut vous répondre ici, par "
                           "message privé, pendant les heures de bureau.")
    assert "https://www.liege.be" in text
    assert "custom" not in messages[0] or not messages[0]["custom"]  # no Messenger handover


async def test_handoff_elsewhere_is_unchanged():
    tracker = make_tracker("un humain svp", intent="human_handoff", channel="socketio")
    messages, _ = await run(conv.ActionHumanHandoff, tracker)
    assert messages[0]["text"].startswith("Je vous donne les coordonnées")
