"""What an answer builder returns: chat-sized French text and optional quick-reply buttons."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Dict, List, Optional


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
class Answer:
    text: str
    buttons: List[Button] = field(default_factory=list)
    # Slots the action should set after answering (e.g. {"service": "population"}).
    slots: Dict[str, Optional[str]] = field(default_factory=dict)

    def button_dicts(self) -> List[Dict[str, str]]:
        return [button.as_dict() for button in self.buttons]
