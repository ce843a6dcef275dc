"""X Direct Messages end to end: the real rasa server (trained model, the X channel from the
project's credentials.yml) and the real action server, with a fake X API on 127.0.0.1.

Signed deliveries shaped like X's go in; the tests assert the exact DMs (recipient, text,
count) that reach the fake X API, which checks their OAuth 1.0a signatures. Exact texts are
asserted for the domain's fixed responses reached through typed payloads ("/greet") and
numbered replies; answers the model chooses are checked for structure only.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any, List

import pytest

from connectors import credentials as credentials_renderer
from connectors.message_bounds import MAX_MESSAGE_CHARS
from connectors.x import TEXT_ONLY_NOTICE
from connectors.x_format import reply_hint
from connectors.x_webhook import crc_response
from tests.integration.test_messenger_rasa import log_text, response, user_events, wait_for_log
from tests.integration.test_x_connector import (
    account_activity,
    crc,
    dm_event,
    photo,
    post_signed,
    x_activity,
)
from tests.support import hostile, servers
from tests.support.fake_x_api import FakeXAPI
from tests.integration.test_messenger_connector import http

pytestmark = pytest.mark.integration

KEYS = ("x-consumer-key", "x-consumer-secret", "x-access-token", "x-access-token-secret")
SECRET = KEYS[1]
BOT = "1300000000000000001"  # the same account id as test_x_connector's deliveries
PAUSE_SECONDS = 3.0

_citizens = itertools.count(3_000_000_001)


def citizen() -> str:
    return str(next(_citizens))


def numbered(name: str) -> str:
    """A domain response with buttons as the X channel sends it: one DM, numbered choices."""
    variant = response(name)
    lines = [variant["text"]] + [f"{i}. {b['title']}"
                                 for i, b in enumerate(variant["buttons"], start=1)]
    return "\n".join(lines) + "\n\n" + reply_hint(len(variant["buttons"]))


@pytest.fixture(scope="module")
def x_api():
    with FakeXAPI(*KEYS, bot_user_id=BOT) as fake:
        yield fake


@pytest.fixture(scope="module")
def x_server(servers_dir, action_server, x_api):
    if not servers.MODEL_PATH.exists():
        pytest.skip(f"{servers.MODEL_PATH} is missing: run `make train`")
    env = dict(zip(("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN",
                    "X_ACCESS_TOKEN_SECRET"), KEYS),
               X_BOT_USER_ID=BOT, X_API_URL=x_api.url, X_API_TIMEOUT="2",
               X_HUMAN_PAUSE_MINUTES=str(PAUSE_SECONDS / 60),
               # two workers, as `make run`: a DM, its redelivery and the echo of the bot's
               # answer may each reach either (connectors/shared_state.py)
               SANIC_WORKERS="2")
    creds, off = credentials_renderer.render(
        (servers.PROJECT_ROOT / "credentials.yml").read_text(), env)
    assert not any(line.startswith("X (Twitter)") for line in off)
    with servers.rasa_server(servers_dir / "x", action_server.url, credentials=creds,
                             env=env) as server:
        server.webhook = f"{server.url}/webhooks/x/webhook"
        yield server


def say(server, x_api, sender: str, text: str, count: int = 1, **data: Any) -> List[str]:
    """The citizen writes ``text``; wait for the ``count``-th DM to them; all DMs so far."""
    status, _, elapsed = post_signed(server.webhook,
                                     account_activity(dm_event(sender, text, **data)))
    assert status == 200 and elapsed < 1
    x_api.wait_for_dms(sender, count, timeout=60)
    return x_api.texts(sender)


# --- webhook -------------------------------------------------------------------------------------

def test_crc_and_health(x_server):
    token = "WC1DUkMtdG9rZW4tMTIzNDU2Nzg5MA=="
    assert crc(x_server.webhook, crc_token=token) == (200, crc_response(SECRET, token))
    assert crc(x_server.webhook)[0] == 400
    assert crc(x_server.webhook, crc_token=json.dumps({"for_user_id": BOT}))[0] == 400
    assert http("GET", f"{x_server.url}/webhooks/x/")[:2] == (200, '{"status":"ok"}')


def test_bad_signatures_malformed_and_oversized_bodies(x_server, x_api):
    sender = citizen()
    body = json.dumps(account_activity(dm_event(sender, "Bonjour"))).encode()
    assert http("POST", x_server.webhook, body)[0] == 401
    assert post_signed(x_server.webhook, None, secret="not-the-secret", raw=body)[0] == 403
    assert post_signed(x_server.webhook, None, raw=b'{"for_user_id": [')[0] == 400
    big = json.dumps(account_activity(dm_event(sender, "x" * (2 * hostile.MB)))).encode()
    assert post_signed(x_server.webhook, None, raw=big)[0] in (413, 0)
    wait_for_log(x_server, "X webhook call refused (403, nothing processed)")
    wait_for_log(x_server, "X webhook call refused (400): body is not valid JSON")
    time.sleep(0.5)
    assert x_api.dms(sender, answered_only=False) == [] and user_events(x_server, sender) == []
    assert x_server.process.poll() is None


# --- conversations -------------------------------------------------------------------------------

def test_greet_is_one_dm_with_numbered_choices_and_a_number_runs_its_button(x_server, x_api):
    sender = citizen()
    assert say(x_server, x_api, sender, "/greet") == [numbered("utter_greet")]
    [sent] = x_api.dms(sender)
    assert sent.recipient == sender and sent.auth == "oauth1"
    tracker = servers.tracker(x_server.url, sender)
    assert tracker["latest_input_channel"] == "x"
    assert tracker["latest_message"]["metadata"]["x"]["shape"] == "account_activity"

    # "4. Parler à un agent": the handoff, told the X way, in one DM.
    texts = say(x_server, x_api, sender, "4", count=2)
    assert len(texts) == 2
    assert texts[1].startswith("Une personne de la Ville de Liège peut vous répondre ici, par "
                               "message privé, pendant les heures de bureau.")
    assert "https://www.liege.be" in texts[1]
    assert user_events(x_server, sender)[-1]["text"] == "/human_handoff"


def test_numbered_reply_by_title_after_help(x_server, x_api):
    sender = citizen()
    assert say(x_server, x_api, sender, "/help") == [numbered("utter_help")]
    texts = say(x_server, x_api, sender, "signaler un problème", count=2)
    assert texts[1] == numbered("utter_report_problem")
    assert [e["text"] for e in user_events(x_server, sender)] == ["/help", "/report_problem"]


def test_a_question_in_french_gets_one_dm(x_server, x_api):
    sender = citizen()
    [text] = say(x_server, x_api, sender, "Comment renouveler ma carte d'identité ?")
    assert "carte d'identité" in text.lower()
    time.sleep(1)
    assert len(x_api.dms(sender)) == 1


def test_feedback_is_a_numbered_choice_and_pas_utile_works_typed(x_server, x_api):
    sender = citizen()
    [text] = say(x_server, x_api, sender, "Comment renouveler ma carte d'identité ?")
    lines = text.splitlines()
    thumbs_up = next(line for line in lines if line.endswith(". 👍 Utile"))
    assert lines[lines.index(thumbs_up) + 1].endswith(". 👎 Pas utile")
    number = thumbs_up.split(".", 1)[0]
    texts = say(x_server, x_api, sender, number, count=2)
    assert texts[1] == "Merci pour votre avis !"
    # Typed, "pas utile" names the 👎 choice still listed in the answer's DM.
    texts = say(x_server, x_api, sender, "pas utile", count=3)
    assert texts[2].startswith("Désolé que ma réponse ne vous ait pas aidé.")
    assert [e["text"] for e in user_events(x_server, sender)][1:] == [
        "/feedback_positive", "/feedback_negative"]


def test_personal_data_is_stored_masked_and_the_citizen_erases_the_conversation(x_server,
                                                                                 x_api):
    """A national number and a phone masked in the SQLite tracker store; "quelles données
    gardez-vous ?", then the erasure by numbered choices: nothing left, X's copy named."""
    sender = citizen()
    say(x_server, x_api, sender, "mon NN est 85.07.30-033.28, gsm +32 470 12 34 56")
    rows = "\n".join(servers.stored_rows(x_server, sender))
    assert "033.28" not in rows and "470 12" not in rows and "[t\\u00e9l\\u00e9phone]" in rows
    info = say(x_server, x_api, sender, "quelles données gardez-vous ?", count=2)[1]
    assert f"({sender})" in info and info.splitlines()[-3] == "1. Effacer ma conversation"
    question = say(x_server, x_api, sender, "1", count=3)[2]
    assert "Voulez-vous tout effacer ?" in question and "1. Oui, tout effacer" in question
    done = say(x_server, x_api, sender, "1", count=4)[3]
    assert done.startswith("C'est fait") and "X garde aussi" in done
    assert servers.stored_rows(x_server, sender) == []


def test_a_question_in_german_is_answered_in_german(x_server, x_api):
    from actions.languages import texts_for

    de, sender = texts_for("de"), citizen()
    [text] = say(x_server, x_api, sender, "Hat der Containerpark am Samstag geöffnet?")
    assert "Samstag" in text and "8.30 Uhr bis 12.30 Uhr" in text
    assert f"1. {de.texts['button_french']}" in text
    texts = say(x_server, x_api, sender, "1", count=2)  # the "Auf Französisch" choice
    assert texts[1].startswith("D'accord, continuons en français.")


def test_x_activity_batch_with_two_citizens(x_server, x_api):
    first, second = citizen(), citizen()
    payload = {"data": [x_activity(dm_event(first, "/greet")),
                        x_activity(dm_event(second, "/help"))]}
    assert post_signed(x_server.webhook, payload)[0] == 200
    x_api.wait_for_dms(first, timeout=60)
    x_api.wait_for_dms(second, timeout=60)
    time.sleep(1)
    assert x_api.texts(first) == [numbered("utter_greet")]
    assert x_api.texts(second) == [numbered("utter_help")]


def test_redelivery_typing_and_media(x_server, x_api):
    sender, media = citizen(), citizen()
    delivery = account_activity(dm_event(sender, "/greet"),
                                direct_message_indicate_typing_events=[{"sender_id": sender}],
                                tweet_create_events=[{"id_str": "1"}])
    assert [post_signed(x_server.webhook, delivery)[0] for _ in range(3)] == [200] * 3
    x_api.wait_for_dms(sender, timeout=60)
    assert say(x_server, x_api, media, "https://t.co/Ph0t0", **photo()) == [TEXT_ONLY_NOTICE]
    time.sleep(1)
    assert len(x_api.dms(sender)) == 1 and len(user_events(x_server, sender)) == 1
    assert user_events(x_server, media) == []


# --- the account's own DMs -----------------------------------------------------------------------

def test_echoes_are_ignored_and_a_person_typing_pauses_the_bot(x_server, x_api):
    sender = citizen()
    say(x_server, x_api, sender, "/greet")
    [sent] = x_api.dms(sender)
    echo = dm_event(BOT, sent.text, recipient=sender, id_=sent.dm_event_id)
    assert post_signed(x_server.webhook, {"data": x_activity(echo, event_type="dm.sent")})[0] \
        == 200
    say(x_server, x_api, sender, "/help", count=2)  # not paused by its own echo

    by_hand = dm_event(BOT, "Bonjour, ici Julie du service communication.", recipient=sender)
    assert post_signed(x_server.webhook, {"data": x_activity(by_hand,
                                                             event_type="dm.sent")})[0] == 200
    wait_for_log(x_server, f"a person of the city wrote to {sender}")
    post_signed(x_server.webhook, account_activity(dm_event(sender, "Merci Julie")))
    wait_for_log(x_server, "not answered: a person of the city has the conversation")
    assert len(x_api.dms(sender)) == 2
    assert [e["text"] for e in user_events(x_server, sender)] == ["/greet", "/help"]

    time.sleep(PAUSE_SECONDS)
    texts = say(x_server, x_api, sender, "/greet", count=3)
    assert texts[2] == numbered("utter_greet")


# --- X API failures ------------------------------------------------------------------------------

def test_429_then_success_and_403_349(x_server, x_api):
    limited, blocked = citizen(), citizen()
    x_api.fail(status=429, reset_in=1)
    assert say(x_server, x_api, limited, "/greet") == [numbered("utter_greet")]
    assert x_api.attempts(limited) == [429, 201]
    wait_for_log(x_server, f"X API send DM to {limited} failed (attempt 1/3): HTTP 429")

    x_api.fail(status=403, code=349)
    post_signed(x_server.webhook, account_activity(dm_event(blocked, "/greet")))
    wait_for_log(x_server, f"X API send DM to {blocked} failed (attempt 1/3): HTTP 403, "
                           f"X error 349")
    time.sleep(1)
    assert x_api.attempts(blocked) == [403]
    assert log_text(x_server).count(f"X API send DM to {blocked} failed") == 1
    assert x_server.process.poll() is None


# --- hostile inputs ------------------------------------------------------------------------------

def test_a_very_long_dm_is_cut_with_the_notice_in_the_same_dm(x_server, x_api):
    sender = citizen()
    [text] = say(x_server, x_api, sender, hostile.SENTENCE * 200)
    assert text.startswith("Votre message est très long")
    [stored] = user_events(x_server, sender)
    assert len(stored["text"]) <= MAX_MESSAGE_CHARS
    log = log_text(x_server)
    assert hostile.SENTENCE.strip() not in log  # never the citizen's text in the logs
    assert KEYS[2] not in log and SECRET not in log
