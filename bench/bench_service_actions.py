"""Prints the latency (p50/p95) of action_ask_hours and action_ask_contact inside the action
server: each call goes through rasa_sdk's ActionExecutor (tracker deserialisation, the action,
event validation), on the real catalogue, over many (service, message) cases.

Target: ≤ 20 ms p95 for each action. Run: .venv/bin/python bench/bench_service_actions.py
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rasa_sdk  # noqa: E402
from rasa_sdk.executor import ActionExecutor  # noqa: E402

from actions.service_actions import ActionAskContact, ActionAskHours  # noqa: E402

SERVICES = ["population", "etat_civil", "etrangers", "urbanisme", "mobilite", "proprete",
            "taxes", "recyparc", "bibliotheque", "piscine", "cpas", "police", "objets_trouves",
            "hotel_de_ville"]

HOURS_MESSAGES = [
    "c'est ouvert ?", "horaires svp", "vous fermez à quelle heure ?", "et samedi ?",
    "et lundi prochain ?", "c'est ouvert ce week-end ?", "et ce soir ?",
    "vous êtes ouverts entre midi et deux ?", "c'est ouvert le lundi de Pâques ?",
    "ouvert à Noël ?", "le 15/11 c'est fermé ?", "fermé le 15 novembre ?",
    "c'était ouvert samedi dernier ?", "le 31 février ?", "demain à 10h30",
    "la semaine prochaine vous êtes ouverts normalement ?", "tantôt vers 16h ?",
    "la mairie de Jupille est ouverte samedi matin ?", "dans 3 jours", "le 2 janvier ?",
]
CONTACT_MESSAGES = [
    "c'est où ?", "adresse svp", "numéro de téléphone", "quel est leur e-mail ?",
    "où se trouve la mairie de Wandre", "coordonnées", "c'est où la piscine de Jonfosse ?",
]
# Cases without an entity: the service comes from the slot, or is unknown, or missing.
EXTRA = [
    ("action_ask_hours", None, None, "le service des licornes est ouvert ?"),
    ("action_ask_hours", None, None, "vous êtes ouverts samedi ?"),
    ("action_ask_contact", None, "population", "et la mairie de Grivegnée ?"),
]


def percentile(values: List[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def action_call(action: str, entity: Optional[str], slot: Optional[str], text: str) -> Dict:
    entities = [{"entity": "service", "value": entity}] if entity else []
    return {
        "next_action": action,
        "sender_id": "bench",
        "version": rasa_sdk.__version__,
        "domain": {},
        "tracker": {
            "sender_id": "bench",
            "slots": {"service": slot, "site": None, "procedure": None},
            "latest_message": {"text": text, "intent": {"name": action[7:]},
                               "entities": entities},
            "events": [], "paused": False, "followup_action": None, "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def cases() -> List[Dict]:
    calls = []
    for index, (service, text) in enumerate(itertools.product(SERVICES, HOURS_MESSAGES)):
        # Half with the entity (first question), half from the slot (follow-up).
        if index % 2:
            calls.append(action_call("action_ask_hours", service, None, text))
        else:
            calls.append(action_call("action_ask_hours", None, service, text))
    for service, text in itertools.product(SERVICES, CONTACT_MESSAGES):
        calls.append(action_call("action_ask_contact", service, None, text))
    calls += [action_call(*extra) for extra in EXTRA]
    return calls


async def main(rounds: int) -> None:
    executor = ActionExecutor()
    executor.register_action(ActionAskHours)
    executor.register_action(ActionAskContact)
    calls = cases()
    for call in calls[:20]:                       # warm-up (caches, dateparser)
        await executor.run(call)
    timings: Dict[str, List[float]] = {"action_ask_hours": [], "action_ask_contact": []}
    for _ in range(rounds):
        for call in calls:
            start = time.perf_counter()
            response = await executor.run(call)
            timings[call["next_action"]].append((time.perf_counter() - start) * 1000)
            assert response and response["responses"], call
    for name, values in timings.items():
        print(f"{name}: {len(values)} calls, p50 {percentile(values, 0.5):.2f} ms, "
              f"p95 {percentile(values, 0.95):.2f} ms, max {max(values):.2f} ms, "
              f"mean {statistics.mean(values):.2f} ms (target: p95 ≤ 20 ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args().rounds))
