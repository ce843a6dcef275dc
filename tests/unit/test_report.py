"""`make report` over conversations stored by rasa's own SQL tracker store: the figures match
what was played, the inbox holds exactly the missed and unsure messages, to_label.yml loads
with rasa's reader, and no personal data reaches any file."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from trainers import report
from trainers.conversations import CITY_TIME

DOMAIN = Domain.load(str(report.PROJECT_ROOT / "domain.yml"))
DAY = dt.datetime(2026, 11, 20, 10, 0, tzinfo=CITY_TIME)
HELD_OUT = "bonjour chère madame"  # a sentence of tests/nlu/test_nlu.yml
E_MAIL, NATIONAL = "jean.dupont@example.be", "85.07.30-033.28"


def said(text, intent, confidence, minutes, channel, ranking=None):
    ranking = ranking or [{"name": intent, "confidence": confidence}]
    parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [],
             "intent_ranking": ranking, "text": text}
    when = (DAY + dt.timedelta(minutes=minutes)).timestamp()
    return [UserUttered(text, parse_data=parse, input_channel=channel, timestamp=when),
            BotUttered(f"réponse à {text}", timestamp=when + 1),
            ActionExecuted("action_listen", timestamp=when + 2)]


def fallback(text, guess, guess_confidence, minutes, channel):
    return said(text, "nlu_fallback", 0.4, minutes, channel,
                ranking=[{"name": "nlu_fallback", "confidence": 0.4},
                         {"name": guess, "confidence": guess_confidence},
                         {"name": "greet", "confidence": 0.01}])


CONVERSATIONS = {
    "a": said("horaires de la piscine", "ask_hours", 0.99, 0, "rest")
    + said("merci", "thank", 0.98, 1, "rest"),
    "b": fallback("gsdfg blabla", "ask_price", 0.3, 2, "socketio")
    + fallback(f"mon mail {E_MAIL} et mon numéro {NATIONAL}", "ask_contact", 0.2, 3, "socketio")
    + [ActionExecuted("action_human_handoff",
                      timestamp=(DAY + dt.timedelta(minutes=4)).timestamp())],
    "c": said("c ouvert dimanche la population", "ask_hours", 0.8, 5, "facebook")
    + said("/ask_hours", "ask_hours", 0.5, 6, "facebook"),  # a button: never in the inbox
    "d": said("C ouvert dimanche  la population", "ask_hours", 0.7, 7, "x"),
    "e": said(HELD_OUT, "greet", 0.5, 8, "rest"),
    "old": said("message d'avant la période", "ask_price", 0.1, -3 * 24 * 60, "rest"),
}


@pytest.fixture
def tracker_url(tmp_path):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
    for sender, events in CONVERSATIONS.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events, DOMAIN.slots)))
    store.engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture
def written(tracker_url, tmp_path):
    since = DAY - dt.timedelta(days=1)
    folder = report.write_report(tracker_url, since, since + dt.timedelta(days=7),
                                 tmp_path / "reports", report.Thresholds(0.6, 0.95))
    return folder


def test_the_figures_are_what_was_played(tracker_url):
    engine = report.read_only_engine(tracker_url)
    period = report.read_period(engine, DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=1))
    found = report.figures(period.messages, period.handoff_senders, report.Thresholds())
    assert (found.conversations, found.messages, found.confident, found.fallbacks,
            found.handoffs) == (5, 8, 2, 2, 1)
    channels = {m.channel for m in period.messages}
    assert channels == {"REST", "widget", "Messenger", "X"}


def test_the_inbox_holds_exactly_the_missed_and_unsure_messages(written):
    rows = list(csv.DictReader(io.StringIO((written / "missed.csv").read_text())))
    # "à traiter" first, then by count, then the least confident first
    assert [(r["statut"], r["intention_devinee"], r["confiance"], r["fois"]) for r in rows] == [
        ("à traiter", "ask_contact", "0.20", "1"),  # the real best guess behind nlu_fallback
        ("à traiter", "ask_price", "0.30", "1"),
        ("à traiter", "greet", "0.50", "1"),  # the held-out sentence (not in to_label.yml)
        ("à vérifier", "ask_hours", "0.70", "2"),  # the same words twice, spaces and case aside
    ]
    assert rows[1]["message"] == "gsdfg blabla"
    assert rows[3]["message"] == "c ouvert dimanche la population"


def test_to_label_loads_with_rasas_reader_without_held_out_sentences(written):
    data = RasaYAMLReader().reads((written / "to_label.yml").read_text())
    examples = {(m.get("intent"), m.get("text")) for m in data.intent_examples}
    assert ("ask_price", "gsdfg blabla") in examples
    assert ("ask_hours", "c ouvert dimanche la population") in examples
    assert all(text != HELD_OUT for _, text in examples)
    assert "# confiance 0.70, 2 fois, à vérifier" in (written / "to_label.yml").read_text()


def test_no_personal_data_in_any_file(written):
    for path in written.iterdir():
        text = path.read_text()
        assert E_MAIL not in text and NATIONAL not in text, path.name
    assert "[e-mail]" in (written / "missed.csv").read_text()
    page = (written / "index.html").read_text()
    assert "[numéro national]" in page


def test_the_page_links_the_inbox_to_the_conversations(written):
    page = (written / "index.html").read_text()
    assert page.startswith("<!doctype html>") and 'lang="fr"' in page
    assert "data:image/png;base64," in page  # the charts, inside the page
    assert 'href="#c1"' in page and 'id="c1"' in page and "make story SENDER=" in page
    assert "message d&#x27;avant la période" not in page


def test_an_empty_period_still_writes_a_report(tracker_url, tmp_path):
    far = dt.datetime(2020, 1, 1, tzinfo=CITY_TIME)
    folder = report.write_report(tracker_url, far, far + dt.timedelta(days=7),
                                 tmp_path / "empty", report.Thresholds())
    assert RasaYAMLReader().reads((folder / "to_label.yml").read_text()).intent_examples == []
    assert "<h2>Chiffres</h2>" in (folder / "index.html").read_text()
