"""Citizens' personal data through the real servers (REST channel, SQLite tracker store as
`make run` keeps it): masked before it is stored, the answers as they were sent, sentences
without personal data stored as typed; the rights in the chat; `make export`, `make forget`
and `make purge` on the running server's store. Messenger and X: test_messenger_rasa.py and
test_x_rasa.py; PostgreSQL: test_make_cluster.py."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered

from tests.support import servers
from tests.unit.test_masking_tracker_store import PERSONAL, SENTENCES

pytestmark = pytest.mark.integration


def stored(rasa_server, sender: str) -> list:
    return [json.loads(data) for data in servers.stored_rows(rasa_server, sender)]


def readable(events: list) -> str:
    return "\n".join(json.dumps(event, ensure_ascii=False) for event in events)


def make(target: str, rasa_server, **env: str) -> subprocess.CompletedProcess:
    variables = dict(os.environ, TRACKER_STORE_URL=f"sqlite:///{rasa_server.tracker_db}", **env)
    variables.pop("MAKEFLAGS", None)
    return subprocess.run(["make", "-s", target], cwd=servers.PROJECT_ROOT, env=variables,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("kind", list(PERSONAL))
def test_personal_data_is_masked_before_it_is_stored(rest_chat, rasa_server, sender_id, kind):
    value, placeholder = PERSONAL[kind]
    answers = rest_chat(sender_id, f"horaires de la population ? mon {kind} : {value}")
    assert answers and answers[0]["text"]
    events = stored(rasa_server, sender_id)
    text = readable(events)
    assert value not in text and value.replace(" ", "") not in text
    [user] = [event for event in events if event["event"] == "user"]
    assert user["text"] == f"horaires de la population ? mon {kind} : {placeholder}"
    assert user["parse_data"]["text"] == user["text"]
    # the answers as the citizen got them
    assert [e["text"] for e in events if e["event"] == "bot"] == [a["text"] for a in answers]


def test_sentences_without_personal_data_are_stored_as_typed(rest_chat, rasa_server,
                                                              sender_id):
    for sentence in SENTENCES:
        rest_chat(sender_id, sentence)
    users = [e["text"] for e in stored(rasa_server, sender_id) if e["event"] == "user"]
    assert users == SENTENCES


def test_the_citizen_learns_what_is_kept_and_erases_the_conversation(rest_chat, rasa_server,
                                                                     sender_id):
    rest_chat(sender_id, "mon gsm 0470 12 34 56, c'est pour une carte d'identité")
    [info] = rest_chat(sender_id, "quelles données gardez-vous ?")
    assert "90 jours" in info["text"] and f"({sender_id})" in info["text"]
    assert info["buttons"] == [{"title": "Effacer ma conversation", "payload": "/privacy_erase"}]
    [question] = rest_chat(sender_id, "/privacy_erase")
    assert "Voulez-vous tout effacer ?" in question["text"]
    assert [b["payload"] for b in question["buttons"]] == ["/affirm", "/deny"]
    assert stored(rasa_server, sender_id)  # nothing erased before the confirmation
    [done] = rest_chat(sender_id, "oui")
    assert done["text"].startswith("C'est fait : notre conversation est effacée")
    assert stored(rasa_server, sender_id) == []  # the confirming turn included
    # the citizen can go on: a new conversation
    assert rest_chat(sender_id, "bonjour")
    assert [e["text"] for e in stored(rasa_server, sender_id) if e["event"] == "user"] == [
        "bonjour"]


def test_a_no_erases_nothing_and_an_old_yes_neither(rest_chat, rasa_server, sender_id):
    rest_chat(sender_id, "supprimez mes données svp")
    [kept] = rest_chat(sender_id, "non")
    assert kept["text"].startswith("D'accord, je n'efface rien")
    rest_chat(sender_id, "effacer ma conversation")
    rest_chat(sender_id, "horaires de la population")
    rest_chat(sender_id, "/affirm")  # the old "Oui, tout effacer" tapped after another question
    assert len([e for e in stored(rasa_server, sender_id) if e["event"] == "user"]) == 5


def test_make_export_and_make_forget_for_the_data_protection_officer(rest_chat, rasa_server,
                                                                     sender_id):
    rest_chat(sender_id, "écrivez-moi à jean.dupont@example.com pour la carte d'identité")
    exported = make("export", rasa_server, SENDER=sender_id)
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    assert document["conversation_id"] == sender_id and document["retention_days"] == 90
    texts = [e["text"] for e in document["events"] if e["event"] == "user"]
    assert texts == ["écrivez-moi à [e-mail] pour la carte d'identité"]
    assert "jean.dupont" not in exported.stdout
    forgotten = make("forget", rasa_server, SENDER=sender_id)
    assert forgotten.returncode == 0 and "stored events of this conversation deleted" in \
        forgotten.stdout
    assert stored(rasa_server, sender_id) == []
    assert make("forget", rasa_server, SENDER="").returncode == 2


def test_make_purge_deletes_conversations_older_than_the_retention(rasa_server, tmp_path):
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(rasa_server.tracker_db))
    day = 86_400
    with store.session_scope() as session:
        for sender, age in (("purge-old", 100 * day), ("purge-recent", 10 * day)):
            event = UserUttered("un vieux message", timestamp=time.time() - age)
            session.add(store.SQLEvent(sender_id=sender, type_name="user",
                                       timestamp=event.timestamp,
                                       data=json.dumps(event.as_dict())))
        session.commit()
    store.engine.dispose()
    purged = make("purge", rasa_server, REPORT_OUT=str(tmp_path))
    assert purged.returncode == 0, purged.stderr
    assert "Retention (90 days): 1 events deleted from 1 conversations (1 entirely)" in \
        purged.stderr
    assert "vieux" not in purged.stderr + purged.stdout  # counts only
    assert stored(rasa_server, "purge-old") == [] and stored(rasa_server, "purge-recent")
    shorter = make("purge", rasa_server, RETENTION_DAYS="5", REPORT_OUT=str(tmp_path))
    assert "1 events deleted" in shorter.stderr and stored(rasa_server, "purge-recent") == []
    assert make("purge", rasa_server, RETENTION_DAYS="zero").returncode == 2
