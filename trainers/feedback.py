"""Citizens' 👍 / 👎 and the facts answered "unknown", read from the stored bot messages.

The actions mark their bot messages (actions/feedback.py, ``Answer.metadata``):
- a catalogue answer carries ``topic`` (the service or procedure it informs about) and, when
  it had to say a fact is unknown, ``unknown_facts`` ([{entry, name, fact}]);
- the acknowledgement of a judgement carries ``feedback`` ("positive", "negative" or
  "comment") and the judged ``topic``.
``AnswerTally`` follows each conversation in order (user messages and these bot messages) and
pairs each judgement with the question it judges: the citizen's message the judged answer
replied to; a comment is the citizen's message the "comment" acknowledgement replied to.
"""

from __future__ import annotations

import collections
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

if TYPE_CHECKING:  # trainers.conversations feeds the tally: no import cycle at run time
    from trainers.conversations import Message

POSITIVE, NEGATIVE, COMMENT = "positive", "negative", "comment"
MAX_COMMENTS = 5  # per judgement: a citizen rarely writes more; the rest is in the transcript


@dataclass
class Judgement:
    kind: str  # POSITIVE or NEGATIVE
    topic: str
    question: str  # masked; "" when the judged answer is not in the period
    channel: str
    day: dt.date
    sender_id: str
    comments: List[str] = field(default_factory=list)  # masked


@dataclass
class FactCount:
    """A catalogue fact answered "unknown", how often and in how many conversations."""
    entry: str
    name: str
    fact: str
    count: int = 0
    citizens: Set[str] = field(default_factory=set)
    question: str = ""  # the last question that met it, masked


class AnswerTally:
    """Judgements and unknown facts of a period, from its events in stored order."""

    def __init__(self) -> None:
        self.judgements: List[Judgement] = []
        self.unknown: Dict[Tuple[str, str], FactCount] = {}
        self._last_user: Dict[str, "Message"] = {}
        self._answered: Dict[str, Tuple[str, str]] = {}  # sender -> (topic, question)
        self._last_negative: Dict[str, Judgement] = {}

    def user(self, message: "Message") -> None:
        self._last_user[message.sender_id] = message

    def bot(self, sender_id: str, metadata: dict) -> None:
        if not isinstance(metadata, dict):
            return
        last = self._last_user.get(sender_id)
        kind = metadata.get("feedback")
        topic = str(metadata.get("topic") or "")
        if kind in (POSITIVE, NEGATIVE) and last is not None:
            answered_topic, question = self._answered.get(sender_id, ("", ""))
            judgement = Judgement(kind, topic, question if answered_topic == topic else "",
                                  last.channel, last.day, sender_id)
            self.judgements.append(judgement)
            if kind == NEGATIVE:
                self._last_negative[sender_id] = judgement
        elif kind == COMMENT and last is not None:
            judgement = self._last_negative.get(sender_id)
            if judgement is not None and len(judgement.comments) < MAX_COMMENTS:
                judgement.comments.append(last.text)
        elif topic:
            question = last.text if last is not None else ""
            self._answered[sender_id] = (topic, question)
            self._count_unknown(sender_id, metadata.get("unknown_facts"), question)

    def _count_unknown(self, sender_id: str, facts: object, question: str) -> None:
        for fact in facts if isinstance(facts, list) else []:
            if not isinstance(fact, dict):
                continue
            entry, name, what = (str(fact.get(key) or "")[:200]
                                 for key in ("entry", "name", "fact"))
            if not entry or not what:
                continue
            count = self.unknown.setdefault((entry, what), FactCount(entry, name, what))
            count.count += 1
            count.citizens.add(sender_id)
            count.question = question or count.question

    def facts(self) -> List[FactCount]:
        """Unknown facts, the most met first (the ones the city should publish first)."""
        return sorted(self.unknown.values(), key=lambda c: (-len(c.citizens), -c.count,
                                                            c.entry, c.fact))


@dataclass
class JudgedQuestion:
    question: str
    topic: str
    positive: int = 0
    negative: int = 0
    comments: List[str] = field(default_factory=list)


def by_question(judgements: List[Judgement], normalise) -> List[JudgedQuestion]:
    """Judgements grouped by judged question (normalised) and topic, most 👎 first."""
    groups: Dict[Tuple[str, str], JudgedQuestion] = collections.OrderedDict()
    for judgement in judgements:
        key = (normalise(judgement.question), judgement.topic)
        group = groups.setdefault(key, JudgedQuestion(judgement.question, judgement.topic))
        if judgement.kind == POSITIVE:
            group.positive += 1
        else:
            group.negative += 1
        group.comments += judgement.comments
    return sorted(groups.values(), key=lambda g: (-g.negative, -(g.positive + g.negative)))


def negative_share(judgements: List[Judgement]) -> Optional[float]:
    """👎 among the judgements (None without any)."""
    if not judgements:
        return None
    return sum(j.kind == NEGATIVE for j in judgements) / len(judgements)
