"""rasa_extensions/citizen_data.py on a real SQLite tracker store (rasa's own table): purge by
age with a frozen clock, erasure and export of one conversation, the daily loop; the chat's
texts and decisions of actions/privacy.py."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

from actions import privacy
from rasa_extensions import citizen_data

DAY = 86_400.0
NOW = 1_800_000_000.0  # the frozen clock: 2027-01-15
DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [greet]')


def events_at(*ages_in_days: float) -> list:
    events = []
    for age in ages_in_days:
        moment = NOW - age * DAY
        events += [SessionStarted(timestamp=moment),
                   UserUttered(f"message d'il y a {age} jours", timestamp=moment + 1),
                   BotUttered("réponse", timestamp=moment + 2),
                   ActionExecuted("action_listen", timestamp=moment + 2)]
    return events


@pytest.fixture
def store_url(tmp_path):
    """A tracker store rasa created, with three conversations of known ages."""
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    conversations = {"old": events_at(200, 120), "mixed": events_at(95, 30, 1),
                     "recent": events_at(10)}
    with store.session_scope() as session:
        for sender, events in conversations.items():
            for event in events:
                session.add(store.SQLEvent(sender_id=sender, type_name=event.type_name,
                                           timestamp=event.timestamp,
                                           data=json.dumps(event.as_dict())))
        session.commit()
    store.engine.dispose()
    return url


def counts(url: str) -> dict:
    with citizen_data.engine_for(url).connect() as connection:
        return dict(connection.execute(sa.text(
            "SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id")).all())


def test_purge_deletes_what_is_older_than_the_retention(store_url, tmp_path):
    reports = tmp_path / "reports"
    for day in ("2026-10-01", "2026-10-16", "2026-10-17", "2027-01-14"):  # cutoff: 10-17 08:00
        (reports / day).mkdir(parents=True)
        (reports / day / "index.html").write_text("…")
    (reports / "nlu").mkdir()  # not a day: never touched
    purged = citizen_data.purge(citizen_data.engine_for(store_url), 90, now=NOW,
                                reports=reports)
    assert purged == citizen_data.Purged(events=12, conversations=2, conversations_gone=1,
                                         reports=2)
    assert counts(store_url) == {"mixed": 8, "recent": 4}
    assert sorted(path.name for path in reports.iterdir()) == ["2026-10-17", "2027-01-14",
                                                               "nlu"]
    assert purged.sentence(90) == ("Retention (90 days): 12 events deleted from 2 "
                                   "conversations (1 entirely), 2 report folders deleted.")
    again = citizen_data.purge(citizen_data.engine_for(store_url), 90, now=NOW)
    assert again == citizen_data.Purged(0, 0, 0, 0)


def test_a_shorter_retention_deletes_more(store_url):
    citizen_data.purge(citizen_data.engine_for(store_url), 7, now=NOW)
    assert counts(store_url) == {"mixed": 4}


def test_the_store_rasa_reads_after_a_purge_starts_at_what_is_left(store_url):
    citizen_data.purge(citizen_data.engine_for(store_url), 90, now=NOW)
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=store_url[len("sqlite:///"):])
    tracker = asyncio.run(store.retrieve_full_tracker("mixed"))
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == [
        "message d'il y a 30 jours", "message d'il y a 1 jours"]


def test_forget_and_export_one_conversation(store_url):
    engine = citizen_data.engine_for(store_url)
    events = citizen_data.stored_events(engine, "mixed")
    document = citizen_data.export_document("mixed", events, 90, now=NOW)
    assert document["event_count"] == 12 and document["retention_days"] == 90
    assert document["events"][1]["text"] == "message d'il y a 95 jours"
    assert document["events"][0]["stored_at"] == "2026-10-12T08:00:00+00:00"
    json.dumps(document)  # what `make export` prints
    assert citizen_data.forget(engine, "mixed") == 12
    assert citizen_data.forget(engine, "mixed") == 0
    assert counts(store_url) == {"old": 8, "recent": 4}
    with pytest.raises(citizen_data.StoreError):
        citizen_data.forget(engine, "")
    with pytest.raises(citizen_data.StoreError):
        citizen_data.stored_events(engine, "x" * 256)


def test_a_store_without_conversations_is_said_so(tmp_path):
    engine = citizen_data.engine_for(f"sqlite:///{tmp_path / 'empty.db'}")
    assert citizen_data.purge(engine, 90) == citizen_data.Purged(0, 0, 0, 0)
    with pytest.raises(citizen_data.StoreError, match="no conversations yet"):
        citizen_data.forget(engine, "someone")
    with pytest.raises(citizen_data.StoreError, match="sqlite:///"):
        citizen_data.engine_for("mysql://host/db")


def test_the_daily_purge_waits_purges_and_retries_within_the_hour(store_url, tmp_path, caplog):
    waits = []
    caplog.set_level(logging.INFO, logger="liege.retention")
    citizen_data.purge_daily(store_url, 90, tmp_path / "reports", sleep=waits.append, rounds=2)
    assert waits == [60.0, citizen_data.DAY_SECONDS]
    assert "Retention (90 days):" in caplog.text and "message" not in caplog.text
    waits.clear()
    citizen_data.purge_daily("postgresql://nobody@127.0.0.1:1/none", 90, tmp_path,
                             sleep=waits.append, rounds=2)
    assert waits == [60.0, 3600.0] and "purge not done" in caplog.text


@pytest.mark.parametrize("raw, days", [(None, 90), ("", 90), ("30", 30), (" 365 ", 365)])
def test_retention_days(raw, days, monkeypatch):
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    assert privacy.retention_days(raw) == days


@pytest.mark.parametrize("raw", ["0", "-5", "90j", "1.5"])
def test_a_wrong_retention_is_refused(raw):
    with pytest.raises(ValueError, match="RETENTION_DAYS"):
        privacy.retention_days(raw)


def asked_then(reply_text: str, extra_bot_turn: bool = False) -> list:
    events = [{"event": "user", "text": "supprimez mes données"},
              {"event": "action", "name": "action_privacy_ask_erase"},
              {"event": "bot", "text": "Voulez-vous tout effacer ?",
               "metadata": privacy.asked_metadata()}]
    if extra_bot_turn:
        events += [{"event": "user", "text": "horaires de la population"},
                   {"event": "bot", "text": "…", "metadata": {"topic": "population"}}]
    return events + [{"event": "user", "text": reply_text}]


def test_only_a_yes_right_after_the_question_erases():
    assert privacy.erasure_was_asked(asked_then("oui"))
    assert not privacy.erasure_was_asked(asked_then("oui", extra_bot_turn=True))
    assert not privacy.erasure_was_asked([{"event": "user", "text": "oui"}])


def test_the_texts_say_what_is_kept_how_long_and_the_channels_copy():
    info = privacy.info_answer(90, "4711", "Adressez-vous auprès de la Ville : 04 221 11 11.",
                               "facebook")
    assert "90 jours" in info.text and "(4711)" in info.text and "masqués" in info.text
    assert "Meta" in info.text and info.buttons == [privacy.ERASE_BUTTON]
    assert "X garde" in privacy.erased_answer("x").text
    assert "Nouvelle conversation" in privacy.erased_answer("socketio").text
    assert "Meta" not in privacy.erased_answer("rest").text
    assert [b.payload for b in privacy.ask_erase_answer(30).buttons] == ["/affirm", "/deny"]
    assert "30 jours" in privacy.kept_answer(30).text
