"""What an answer builder returns: chat-sized French text and optional quick-reply buttons."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    def as_dict(self) -> Dict[str, str]:
        return {"title": self.title, "payload": self.payload}


def intent_payload(intent: str, **entities: str) -> str:
    """'/ask_price{"procedure":"passeport"}': a button that also carries its entities."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


@dataclass(frozen=True)
class UnknownFact:
    """A catalogue fact an answer had to call unknown: what the city should publish first."""

    entry: str  # catalogue id: "passeport", "population", "population/grivegnee"
    name: str   # its name as the citizen read it
    fact: str   # French label: "horaires", "prix", "téléphone"…

    def as_dict(self) -> Dict[str, str]:
        return {"entry": self.entry, "name": self.name, "fact": self.fact}


@dataclass(frozen=True)
class Answer:
    text: str
    buttons: List[Button] = field(default_factory=list)
    # Slots the action should set after answering (e.g. {"service": "population"}).
    slots: Dict[str, Optional[str]] = field(default_factory=dict)
    # The catalogue entry a real answer informs about ("passeport", "population"): citizens
    # may judge it (actions/feedback.py). Empty for questions back, lists and apologies.
    topic: str = ""
    unknown: Tuple[UnknownFact, ...] = ()

    def button_dicts(self) -> List[Dict[str, str]]:
        return [button.as_dict() for button in self.buttons]

    def metadata(self) -> Dict[str, Any]:
        """What the stored bot message carries for the trainers' report (trainers/report.py)."""
        data: Dict[str, Any] = {}
        if self.topic:
            data["topic"] = self.topic
        if self.unknown:
            data["unknown_facts"] = [fact.as_dict() for fact in self.unknown]
        return data
