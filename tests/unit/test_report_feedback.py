"""The report's judgements (👍 / 👎, comments) and unknown facts, from bot messages stored by
rasa's own SQL tracker store with the metadata the actions give them (actions/feedback.py)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from trainers import report
from trainers.feedback import AnswerTally, negative_share
from tests.unit.test_report import DAY, DOMAIN

PHONE = "0470 12 34 56"
PRICE_UNKNOWN = [{"entry": "passeport", "name": "passeport", "fact": "prix"}]
HOURS_UNKNOWN = [{"entry": "population/mairie_c", "name": "Mairie de Charlie",
                  "fact": "horaires"}]


class Play:
    """One conversation's events, a minute apart."""

    def __init__(self, channel: str) -> None:
        self.channel, self.events, self.minute = channel, [], 0

    def _when(self) -> float:
        self.minute += 1
        return (DAY + dt.timedelta(minutes=self.minute)).timestamp()

    def user(self, text: str, intent: str) -> "Play":
        parse = {"intent": {"name": intent, "confidence": 0.99}, "entities": [],
                 "intent_ranking": [{"name": intent, "confidence": 0.99}], "text": text}
        self.events.append(UserUttered(text, parse_data=parse, input_channel=self.channel,
                                       timestamp=self._when()))
        return self

    def bot(self, text: str, **metadata) -> "Play":
        self.events.append(BotUttered(text, metadata=metadata, timestamp=self._when()))
        return self


def conversations():
    useful = (Play("socketio").user("le prix du passeport ?", "ask_price")
              .bot("Passeport – prix…", topic="passeport", unknown_facts=PRICE_UNKNOWN)
              .user("/feedback_positive", "feedback_positive")
              .bot("Merci pour votre avis !", feedback="positive", topic="passeport"))
    useless = (Play("facebook").user("prix passeport svp", "ask_price")
               .bot("Passeport – prix…", topic="passeport", unknown_facts=PRICE_UNKNOWN)
               .user("pas utile", "feedback_negative")
               .bot("Désolé…", feedback="negative", topic="passeport")
               .user(f"il manque le prix, rappelez-moi au {PHONE}", "nlu_fallback")
               .bot("Merci, c'est noté…", feedback="comment", topic="passeport")
               .user("la mairie de charlie est ouverte ?", "ask_hours")
               .bot("Mairie de Charlie : je ne connais pas les horaires.",
                    topic="population", unknown_facts=HOURS_UNKNOWN)
               .user("👎", "feedback_negative")
               .bot("Désolé…", feedback="negative", topic="population"))
    plain = Play("rest").user("bonjour", "greet").bot("Bonjour !")
    return {"useful": useful.events, "useless": useless.events, "plain": plain.events}


@pytest.fixture
def tracker_url(tmp_path):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
    for sender, events in conversations().items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events, DOMAIN.slots)))
    store.engine.dispose()
    return f"sqlite:///{path}"


def _period(url):
    engine = report.read_only_engine(url)
    try:
        return report.read_period(engine, DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=1))
    finally:
        engine.dispose()


def test_judgements_are_paired_with_the_questions_they_judge(tracker_url):
    judgements = _period(tracker_url).answers.judgements
    assert [(j.kind, j.topic, j.question, j.channel) for j in judgements] == [
        ("positive", "passeport", "le prix du passeport ?", "widget"),
        ("negative", "passeport", "prix passeport svp", "Messenger"),
        ("negative", "population", "la mairie de charlie est ouverte ?", "Messenger"),
    ]
    assert judgements[1].comments == ["il manque le prix, rappelez-moi au [téléphone]"]
    assert judgements[2].comments == []
    assert negative_share(judgements) == pytest.approx(2 / 3)


def test_unknown_facts_are_counted_by_conversation(tracker_url):
    facts = _period(tracker_url).answers.facts()
    assert [(f.entry, f.fact, f.count, len(f.citizens)) for f in facts] == [
        ("passeport", "prix", 2, 2), ("population/mairie_c", "horaires", 1, 1)]
    assert facts[1].question == "la mairie de charlie est ouverte ?"


def test_the_page_shows_the_judgements_and_the_facts_to_publish(tracker_url, tmp_path):
    since = DAY - dt.timedelta(days=1)
    folder = report.write_report(tracker_url, since, since + dt.timedelta(days=7),
                                 tmp_path / "reports", report.Thresholds(0.6, 0.95))
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "67 % de 3 avis" in page  # the figure, and Messenger's row: 100 % de 2 avis
    assert "100 % de 2 avis" in page and "0 % de 1 avis" in page
    assert "<td>prix passeport svp</td><td>passeport</td><td>0</td><td>1</td>" \
           "<td>il manque le prix, rappelez-moi au [téléphone]</td>" in page
    assert "<td>prix</td><td>passeport</td><td>passeport</td><td>2</td><td>2</td>" in page
    assert "Mairie de Charlie" in page
    for path in folder.iterdir():
        assert PHONE not in path.read_text(encoding="utf-8"), path


def test_the_tally_ignores_malformed_metadata():
    tally = AnswerTally()
    tally.bot("x", "not a dict")
    tally.bot("x", {"topic": "passeport", "unknown_facts": ["bad", {"entry": ""}, 3]})
    tally.bot("x", {"feedback": "negative", "topic": "passeport"})  # no citizen message yet
    tally.bot("x", {"feedback": "comment"})
    assert tally.judgements == [] and tally.facts() == []
