"""What citizens said in a period, read from the tracker store (read-only) for the report.

One pass over the period's user messages (their JSON parsed once), the action rows (by their
`action_name` column only) and the bot messages the actions marked (a topic, unknown facts,
a judgement: trainers/feedback.py; the others are left out by the query); transcripts are
read afterwards, for the few conversations the inbox links to. Every text leaves this module
masked (rasa_extensions/personal_data.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from rasa_extensions.personal_data import mask
from trainers.feedback import AnswerTally

CITY_TIME = ZoneInfo("Europe/Brussels")
FALLBACK_INTENT = "nlu_fallback"
HANDOFF_ACTION = "action_human_handoff"
MAX_MESSAGES = 2_000_000  # of one period: the report's memory stays bounded
MAX_TRANSCRIPT_EVENTS = 80  # user and bot messages shown per conversation
CHANNELS = {"rest": "REST", "socketio": "widget", "facebook": "Messenger", "x": "X",
            "cmdline": "make shell"}


@dataclass
class Message:
    """One user message, as the report needs it."""
    sender_id: str
    timestamp: float
    text: str  # masked
    channel: str
    intent: str
    confidence: float
    best_guess: str  # the real best guess: when nlu_fallback won, the next intent
    best_confidence: float
    entities: List[Tuple[str, str]]  # (entity, value)

    @property
    def day(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.timestamp, CITY_TIME).date()

    @property
    def clicked(self) -> bool:
        """A button's payload ("/ask_hours"), not typed words."""
        return self.text.startswith("/")


@dataclass
class Period:
    messages: List[Message] = field(default_factory=list)
    handoff_senders: set = field(default_factory=set)
    answers: AnswerTally = field(default_factory=AnswerTally)
    truncated: bool = False


def _message(sender_id: str, timestamp: float, data: dict) -> Message:
    parse = data.get("parse_data") or {}
    intent = parse.get("intent") or {}
    name, confidence = str(intent.get("name") or ""), float(intent.get("confidence") or 0.0)
    best, best_confidence = name, confidence
    if name == FALLBACK_INTENT:
        others = [r for r in parse.get("intent_ranking") or [] if r.get("name") != name]
        if others:
            best, best_confidence = str(others[0].get("name")), float(others[0].get("confidence")
                                                                      or 0.0)
    entities = [(str(e.get("entity")), str(e.get("value"))) for e in parse.get("entities") or []
                if isinstance(e, dict)]
    channel = str(data.get("input_channel") or "inconnu")
    return Message(sender_id, timestamp, mask(str(data.get("text") or "")),
                   CHANNELS.get(channel, channel), name, confidence, best, best_confidence,
                   entities)


def read_period(engine: Engine, since: dt.datetime, until: dt.datetime) -> Period:
    """The period's user messages, the conversations handed over to a person, and the
    judgements and unknown facts of the answers."""
    period = Period()
    query = sa.text("SELECT sender_id, type_name, timestamp, action_name, data FROM events "
                    "WHERE timestamp >= :since AND timestamp < :until "
                    "AND (type_name = 'user' OR (type_name = 'action' "
                    "AND action_name = :handoff) OR (type_name = 'bot' "
                    "AND data LIKE :marked)) ORDER BY id")
    with engine.connect() as connection:
        rows = connection.execution_options(stream_results=True).execute(
            query, {"since": since.timestamp(), "until": until.timestamp(),
                    "handoff": HANDOFF_ACTION, "marked": '%"topic"%'})
        for sender_id, type_name, timestamp, _action, data in rows:
            if type_name == "action":
                period.handoff_senders.add(sender_id)
                continue
            if len(period.messages) >= MAX_MESSAGES:
                period.truncated = True
                break
            try:
                parsed = json.loads(data)
            except (TypeError, ValueError):
                continue
            if type_name == "bot":
                period.answers.bot(sender_id, parsed.get("metadata") or {})
                continue
            message = _message(sender_id, float(timestamp or 0), parsed)
            period.messages.append(message)
            period.answers.user(message)
    return period


def transcripts(engine: Engine, senders: Iterable[str], since: dt.datetime,
                until: dt.datetime) -> Dict[str, List[Tuple[str, str]]]:
    """{sender: [("citoyen" | "assistant", masked text)]} in the period, bounded."""
    wanted = list(dict.fromkeys(senders))
    found: Dict[str, List[Tuple[str, str]]] = {sender: [] for sender in wanted}
    query = sa.text("SELECT type_name, data FROM events WHERE sender_id = :sender "
                    "AND timestamp >= :since AND timestamp < :until "
                    "AND type_name IN ('user', 'bot') ORDER BY id")
    with engine.connect() as connection:
        for sender in wanted:
            rows = connection.execute(query, {"sender": sender, "since": since.timestamp(),
                                              "until": until.timestamp()})
            for type_name, data in itertools.islice(rows, MAX_TRANSCRIPT_EVENTS):
                text = _text_of(data)
                if text:
                    found[sender].append(("citoyen" if type_name == "user" else "assistant",
                                          mask(text)))
    return found


def _text_of(data: Optional[str]) -> str:
    try:
        return str(json.loads(data or "{}").get("text") or "")
    except (TypeError, ValueError, AttributeError):
        return ""
