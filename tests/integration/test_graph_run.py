"""rasa_extensions/graph_run.py with the trained model: the same conversations give the same
actions, deciding policies, confidences and answers as rasa's dask runner, and TED is left out
only where the ensemble would not have picked it."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from tests.support import servers

pytestmark = pytest.mark.integration
sys.path.insert(0, str(servers.PROJECT_ROOT / "bench"))

from conversations import CONVERSATIONS  # noqa: E402  (bench/conversations.py)


def held_out_conversations(limit=90):
    """Real citizens' messages (held-out set, as typed), three per conversation."""
    from scripts.evaluate_understanding import held_out_examples

    texts = [e["text"] for e in held_out_examples(["tests/nlu/test_nlu_real.yml"])][:limit]
    return [texts[i:i + 3] for i in range(0, len(texts), 3)]


def test_same_conversations_as_with_dask(action_server, tmp_path, monkeypatch):
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.trackers import EventVerbosity

    from rasa_extensions import graph_run, rasa_fixes

    monkeypatch.setenv("ACTION_ENDPOINT_URL", f"{action_server.url}/webhook")
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path}/tracker.db")
    monkeypatch.setenv("LOCK_STORE_URL", f"sqlite:///{tmp_path}/locks.db")
    decisions = []
    stand_in = graph_run._stand_in_for_ted
    monkeypatch.setattr(graph_run, "_stand_in_for_ted",
                        lambda *args: decisions.append(stand_in(*args)) or decisions[-1])
    rasa_fixes.install()
    try:
        endpoints = AvailableEndpoints.read_endpoints(str(servers.PROJECT_ENDPOINTS))
        loop = asyncio.new_event_loop()
        agent = loop.run_until_complete(load_agent(model_path=str(servers.MODEL_PATH),
                                                   endpoints=endpoints))
        conversations = list(CONVERSATIONS) + held_out_conversations()

        async def run(prefix):
            transcripts = []
            for number, conversation in enumerate(conversations):
                sender = f"{prefix}-{number}"
                for text in conversation:
                    await agent.handle_text(text, sender_id=sender)
                tracker = await agent.tracker_store.retrieve(sender)
                # a response with variants is compared by name (its variant is drawn at random)
                transcripts.append([
                    (e.get("event"), e.get("name"), e.get("policy"), e.get("confidence"),
                     (e.get("metadata") or {}).get("utter_action") or e.get("text"))
                    for e in tracker.current_state(EventVerbosity.ALL)["events"]
                    if e.get("event") in ("action", "bot")])
            return transcripts

        ours = loop.run_until_complete(run("ours"))
        monkeypatch.setattr(DaskGraphRunner, "run", rasa_fixes._originals["graph_run"])
        theirs = loop.run_until_complete(run("dask"))
        loop.close()
    finally:
        rasa_fixes.uninstall()
    for number, (mine, dasks) in enumerate(zip(ours, theirs)):
        assert mine == dasks, (number, [(a, b) for a, b in zip(mine, dasks) if a != b][:3])
    assert sum(len(c) for c in conversations) >= 120
    skipped = sum(decision is not None for decision in decisions)
    assert skipped > 0.5 * len(decisions)  # TED left out after most actions
