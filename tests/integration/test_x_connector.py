"""The X connector over real HTTP on 127.0.0.1, with a scripted bot and a fake X API.

The connector's blueprint runs in a Sanic server exactly as rasa mounts it (under
/webhooks/x/), with the scripted bot of test_messenger_connector.py; its DMs go to the fake X
API (tests/support/fake_x_api.py), which checks their OAuth 1.0a signatures and records them.
No trained model needed; test_x_rasa.py checks the same end to end with the real servers.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import json
import logging
import time
import urllib.parse
from typing import Any, Dict, Optional, Tuple

import pytest

from connectors.x import TEXT_ONLY_NOTICE, XInput
from connectors.x_format import reply_hint
from connectors.x_webhook import crc_response, signature_for
from tests.integration.test_messenger_connector import (
    ConnectorServer,
    ScriptedAgent,
    http,
    with_quick_retries,
)
from tests.support.fake_x_api import FakeXAPI

pytestmark = pytest.mark.integration

KEYS = ("x-consumer-key", "x-consumer-secret", "x-access-token", "x-access-token-secret")
SECRET = KEYS[1]
BOT = "1300000000000000001"
PAUSE_MINUTES = 0.04  # 2.4 s: long enough to observe, short enough to see it end
VERY_LONG = "\n\n".join(f"Paragraphe {i} : " + "information sur la démarche. " * 20
                        for i in range(25))

_citizens = itertools.count(2_000_000_001)
_events = itertools.count(1_700_000_000_000_000_001)


class XAgent(ScriptedAgent):
    """The Messenger tests' scripted bot, plus a turn of several messages and a very long one."""

    async def handle_message(self, message) -> None:
        out, citizen = message.output_channel, message.sender_id
        if message.text == "/multi":
            with self.lock:
                self.received.append(message)
            await out.send_response(citizen, {"text": "Premier message."})
            await out.send_response(citizen, {"text": "Deuxième message.", "buttons": [
                {"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]})
            await out.send_response(citizen, {"image": "https://www.liege.be/plan.png"})
            await out.send_response(citizen, {"custom": {"handover": {}}})
        elif message.text == "/verylong":
            with self.lock:
                self.received.append(message)
            await out.send_response(citizen, {"text": VERY_LONG})
        else:
            await super().handle_message(message)


class XServer(ConnectorServer):
    def __init__(self, channel: XInput, agent: ScriptedAgent) -> None:
        super().__init__(channel, agent)
        self.url = f"http://127.0.0.1:{self.port}/webhooks/x/webhook"


# --- deliveries ----------------------------------------------------------------------------------

def citizen() -> str:
    return str(next(_citizens))


def event_id() -> str:
    return str(next(_events))


def dm_event(sender: str, text: str, recipient: str = BOT, id_: Optional[str] = None,
             **data: Any) -> Dict[str, Any]:
    return {"type": "message_create", "id": id_ or event_id(),
            "created_timestamp": str(int(time.time() * 1000)),
            "message_create": {"target": {"recipient_id": recipient}, "sender_id": sender,
                               "message_data": {"text": text, "entities": {"urls": []},
                                                **data}}}


def account_activity(*events: Dict[str, Any], for_user: str = BOT, **other: Any) -> Dict:
    return {"for_user_id": for_user, "direct_message_events": list(events),
            "users": {BOT: {"id": BOT, "screen_name": "VilledeLiege"}}, **other}


def x_activity(*events: Dict[str, Any], event_type: str = "dm.received",
               user: str = BOT) -> Dict[str, Any]:
    return {"event_uuid": event_id(), "filter": {"user_id": user}, "event_type": event_type,
            "tag": "liege-citybot-dm",
            "payload": {"direct_message_events": list(events), "users": {}}}


def photo(url: str = "https://t.co/Ph0t0") -> Dict[str, Any]:
    return {"attachment": {"type": "media", "media": {"type": "photo", "url": url}}}


def post_signed(url: str, payload: Any, secret: str = SECRET,
                raw: Optional[bytes] = None) -> Tuple[int, str, float]:
    body = raw if raw is not None else json.dumps(payload).encode()
    return http("POST", url, body, {"Content-Type": "application/json",
                                    "x-twitter-webhooks-signature": signature_for(secret, body)})


def crc(url: str, **params: Any) -> Tuple[int, Any]:
    status, body, _ = http("GET", f"{url}?{urllib.parse.urlencode(params, doseq=True)}")
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


# --- fixtures ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def x_api():
    with FakeXAPI(*KEYS, bot_user_id=BOT) as fake:
        yield fake


@pytest.fixture(scope="module")
def agent():
    return XAgent()


@pytest.fixture(scope="module")
def channel(x_api):
    return with_quick_retries(XInput(*KEYS, BOT, api_url=x_api.url,
                                     human_pause_minutes=PAUSE_MINUTES))


@pytest.fixture(scope="module")
def server(channel, agent):
    with XServer(channel, agent) as running:
        yield running


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.INFO, logger="connectors")
    return caplog


def settle(seconds: float = 0.4) -> None:
    time.sleep(seconds)


# --- 1. CRC ------------------------------------------------------------------------------------

def test_crc_answers_a_good_token(server):
    token = "Q1JDLXRva2VuLWZyb20tWC0xMjM0NTY3ODk="
    assert crc(server.url, crc_token=token) == (200, crc_response(SECRET, token))


@pytest.mark.parametrize("params", [
    {}, {"crc_token": ""}, {"crc_token": "short"},
    {"crc_token": json.dumps({"for_user_id": BOT, "direct_message_events": []})},
    {"crc_token": "a" * 129},
    {"crc_token": ["Q1JDLXRva2VuLTEyMzQ1Njc4", "Q1JDLXRva2VuLTg3NjU0MzIx"]},
], ids=["missing", "empty", "short", "json-shaped", "too-long", "twice"])
def test_crc_refuses_missing_and_unsafe_tokens(server, params, logs):
    status, body = crc(server.url, **params)
    assert status == 400 and "response_token" not in str(body)
    assert "X webhook CRC refused (400)" in logs.text


# --- 2. signatures and bodies ------------------------------------------------------------------

def test_unsigned_and_badly_signed_posts_are_refused_and_nothing_processed(server, x_api, agent,
                                                                           logs):
    sender = citizen()
    body = json.dumps(account_activity(dm_event(sender, "Bonjour"))).encode()
    assert http("POST", server.url, body, {"Content-Type": "application/json"})[0] == 401
    for header in ("sha256=AAAA", signature_for("other-secret", body),
                   signature_for(SECRET, body + b" "), "garbage"):
        status = http("POST", server.url, body, {"x-twitter-webhooks-signature": header})[0]
        assert status == 403
    settle()
    assert agent.texts(sender) == [] and x_api.dms(sender, answered_only=False) == []
    assert "X webhook call refused (401, nothing processed)" in logs.text
    assert "X webhook call refused (403, nothing processed)" in logs.text


@pytest.mark.parametrize("raw, status", [
    (b'{"for_user_id": "1", "direct_message_events": [', 400),
    (b"\xff\xfe not json", 400),
    (b'{"a":' * 5000 + b"1" + b"}" * 5000, 400),  # past Python's recursion limit
    (b'{"data": ' + b"[" * 40 + b"]" * 40 + b"}", 400),  # past MAX_JSON_DEPTH
    (b"[1, 2, 3]", 200),  # JSON, but not a delivery: acknowledged, ignored
], ids=["truncated", "not-utf8", "recursion", "too-deep", "list"])
def test_malformed_signed_bodies(server, x_api, raw, status, logs):
    assert post_signed(server.url, None, raw=raw)[0] == status
    sender = citizen()  # the server keeps serving
    post_signed(server.url, account_activity(dm_event(sender, "encore là ?")))
    x_api.wait_for_dms(sender)


def test_an_oversized_body_is_refused_before_it_is_processed(server, x_api):
    sender = citizen()
    payload = account_activity(dm_event(sender, "x" * (2 * 1024 * 1024)))
    status, _, _ = post_signed(server.url, payload)
    assert status in (413, 0)
    settle()
    assert x_api.dms(sender, answered_only=False) == []


# --- 3. events ---------------------------------------------------------------------------------

def test_a_dm_is_answered_with_one_signed_dm(server, x_api, agent):
    sender, id_ = citizen(), event_id()
    status, body, elapsed = post_signed(server.url, account_activity(
        dm_event(sender, "Bonjour", id_=id_)))
    assert status == 200 and elapsed < 0.5
    x_api.wait_for_dms(sender)
    settle(0.2)
    [sent] = x_api.dms(sender)
    assert (sent.method, sent.path, sent.body, sent.auth) == (
        "POST", f"/2/dm_conversations/with/{sender}/messages", {"text": "Reçu : Bonjour"},
        "oauth1")
    [received] = [m for m in agent.received if m.sender_id == sender]
    assert received.input_channel == "x" and received.message_id == id_
    assert received.metadata["x"]["dm_event_id"] == id_
    assert received.metadata["x"]["shape"] == "account_activity"


def test_batches_in_both_shapes_are_handled_in_order(server, x_api, agent):
    first, second, third = citizen(), citizen(), citizen()
    post_signed(server.url, account_activity(dm_event(first, "un"), dm_event(second, "deux"),
                                             dm_event(first, "trois")))
    post_signed(server.url, {"data": [x_activity(dm_event(third, "quatre")),
                                      x_activity(dm_event(third, "cinq"))]})
    x_api.wait_for_dms(first, 2)
    x_api.wait_for_dms(third, 2)
    x_api.wait_for_dms(second)
    assert x_api.texts(first) == ["Reçu : un", "Reçu : trois"]
    assert x_api.texts(second) == ["Reçu : deux"]
    assert x_api.texts(third) == ["Reçu : quatre", "Reçu : cinq"]
    single = citizen()
    post_signed(server.url, {"data": x_activity(dm_event(single, "six"))})
    x_api.wait_for_dms(single)


def test_a_redelivered_dm_is_processed_once(server, x_api, agent, logs):
    sender, id_ = citizen(), event_id()
    aaa = account_activity(dm_event(sender, "Une seule fois", id_=id_))
    xaa = {"data": x_activity(dm_event(sender, "Une seule fois", id_=id_))}
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda p: post_signed(server.url, p)[0], [aaa, xaa, aaa, xaa]))
    assert statuses == [200] * 4
    x_api.wait_for_dms(sender)
    settle()
    assert agent.texts(sender) == ["Une seule fois"] and len(x_api.dms(sender)) == 1
    assert "redelivery ignored" in logs.text


def test_typing_read_tweet_and_other_events_are_acknowledged_and_ignored(server, x_api, agent):
    sender = citizen()
    aaa = {"for_user_id": BOT,
           "direct_message_indicate_typing_events": [{"created_timestamp": "1",
                                                      "sender_id": sender,
                                                      "target": {"recipient_id": BOT}}],
           "direct_message_mark_read_events": [{"sender_id": sender}],
           "tweet_create_events": [{"id_str": "1", "text": "@VilledeLiege bonjour",
                                    "user": {"id_str": sender}}],
           "favorite_events": [{"id": "1"}], "follow_events": [{"type": "follow"}]}
    xaa = {"data": [{"event_type": "dm.indicate_typing", "filter": {"user_id": BOT},
                     "payload": {"sender_id": sender}},
                    {"event_type": "dm.read", "filter": {"user_id": BOT}, "payload": {}},
                    {"event_type": "chat.received", "filter": {"user_id": BOT},
                     "payload": {"encoded_event": "AAAA", "sender_id": sender}}]}
    assert post_signed(server.url, aaa)[0] == 200
    assert post_signed(server.url, xaa)[0] == 200
    settle()
    assert agent.texts(sender) == [] and x_api.dms(sender, answered_only=False) == []


def test_a_media_only_dm_gets_the_french_text_only_answer(server, x_api, agent):
    sender, gif = citizen(), citizen()
    post_signed(server.url, account_activity(dm_event(sender, "https://t.co/Ph0t0", **photo())))
    post_signed(server.url, {"data": x_activity(dm_event(gif, "", **{"attachment": {
        "type": "media", "media": {"type": "animated_gif", "url": "https://t.co/g1f"}}}))})
    x_api.wait_for_dms(sender)
    x_api.wait_for_dms(gif)
    assert x_api.texts(sender) == [TEXT_ONLY_NOTICE] == x_api.texts(gif)
    assert agent.texts(sender) == [] and agent.texts(gif) == []


def test_a_dm_for_another_account_or_between_others_is_ignored(server, x_api, agent, logs):
    sender = citizen()
    post_signed(server.url, account_activity(dm_event(sender, "pas pour nous"),
                                             for_user="999"))
    post_signed(server.url, account_activity(dm_event(sender, "entre autres", recipient="998")))
    settle()
    assert agent.texts(sender) == []
    assert "delivered for account 999" in logs.text and "not the city's account" in logs.text


# --- 4. one DM per turn, numbered choices ------------------------------------------------------

def test_a_turn_of_several_messages_is_one_dm(server, x_api):
    sender = citizen()
    post_signed(server.url, account_activity(dm_event(sender, "/multi")))
    x_api.wait_for_dms(sender)
    settle()
    assert x_api.texts(sender) == [
        "Premier message.\n\nDeuxième message.\n1. Oui\n2. Non\n\n"
        "https://www.liege.be/plan.png\n\n" + reply_hint(2)]


def test_buttons_become_a_numbered_list_and_numbered_replies_run_their_payload(
        server, x_api, agent):
    sender = citizen()
    post_signed(server.url, account_activity(dm_event(sender, "/greet")))
    x_api.wait_for_dms(sender)
    assert x_api.texts(sender) == [
        "Bonjour !\n1. Horaires d'un service\n2. Carte d'identité\n3. Déménagement\n"
        "4. Parler à un agent\n\n" + reply_hint(4)]
    for reply in ("2", "déménagement", "9"):
        post_signed(server.url, account_activity(dm_event(sender, reply)))
    x_api.wait_for_dms(sender, 4)
    assert agent.texts(sender) == ["/greet", '/ask_procedure{"procedure":"carte_identite"}',
                                   '/ask_procedure{"procedure":"changement_adresse"}', "9"]
    [choice] = [m.metadata["x"]["choice"] for m in agent.received
                if m.sender_id == sender and m.text.endswith('"carte_identite"}')]
    assert choice == 2


def test_a_dm_longer_than_x_allows_is_split(server, x_api):
    sender = citizen()
    post_signed(server.url, account_activity(dm_event(sender, "/verylong")))
    x_api.wait_for_dms(sender, 2)
    texts = x_api.texts(sender)
    assert len(texts) == 2 and all(len(t) <= 10_000 for t in texts)
    assert " ".join(texts).split() == VERY_LONG.split()


# --- 5. the account's own DMs ------------------------------------------------------------------

def test_echoes_of_the_bots_own_dms_are_ignored(server, x_api, agent, channel, logs):
    sender = citizen()
    post_signed(server.url, account_activity(dm_event(sender, "Bonjour")))
    x_api.wait_for_dms(sender)
    [sent] = x_api.dms(sender)
    echo = dm_event(BOT, sent.text, recipient=sender, id_=sent.dm_event_id)
    assert post_signed(server.url, account_activity(echo))[0] == 200
    assert post_signed(server.url, {"data": x_activity(echo, event_type="dm.sent")})[0] == 200
    settle()
    assert channel.pauses.remaining(sender) == 0
    post_signed(server.url, account_activity(dm_event(sender, "encore")))
    x_api.wait_for_dms(sender, 2)
    assert agent.texts(sender) == ["Bonjour", "encore"]


def test_a_dm_typed_by_a_person_of_the_city_pauses_the_bot(server, x_api, agent, channel, logs):
    sender = citizen()
    post_signed(server.url, account_activity(dm_event(sender, "Bonjour")))
    x_api.wait_for_dms(sender)
    by_hand = dm_event(BOT, "Bonjour, ici le service communication.", recipient=sender)
    assert post_signed(server.url, {"data": x_activity(by_hand, event_type="dm.sent")})[0] == 200
    post_signed(server.url, account_activity(dm_event(sender, "Merci, c'est pour un permis")))
    settle(0.8)
    assert agent.texts(sender) == ["Bonjour"] and len(x_api.dms(sender)) == 1
    assert f"a person of the city wrote to {sender}" in logs.text
    assert "not answered: a person of the city has the conversation" in logs.text
    # After X_HUMAN_PAUSE_MINUTES, the bot answers again.
    time.sleep(PAUSE_MINUTES * 60)
    post_signed(server.url, account_activity(dm_event(sender, "Il y a quelqu'un ?")))
    x_api.wait_for_dms(sender, 2)
    assert x_api.texts(sender)[-1] == "Reçu : Il y a quelqu'un ?"


# --- 6. X API failures -------------------------------------------------------------------------

def test_429_waits_for_the_rate_limit_reset_then_sends(server, x_api, logs):
    sender = citizen()
    x_api.fail(status=429, reset_in=1)
    status, _, elapsed = post_signed(server.url, account_activity(dm_event(sender, "vite")))
    assert status == 200 and elapsed < 0.5
    x_api.wait_for_dms(sender, timeout=10)
    assert x_api.attempts(sender) == [429, 201]
    assert x_api.texts(sender) == ["Reçu : vite"]
    assert f"X API send DM to {sender} failed (attempt 1/3): HTTP 429" in logs.text
    assert "waiting" in logs.text


def test_403_349_is_logged_once_with_its_code_and_not_retried(server, x_api, logs):
    sender, later = citizen(), citizen()
    x_api.fail(status=403, code=349)
    post_signed(server.url, account_activity(dm_event(sender, "bloqué")))
    x_api.wait_for(lambda: x_api.attempts(sender) == [403], what="the 403")
    settle()
    assert x_api.attempts(sender) == [403]
    lines = [r for r in logs.records if sender in r.getMessage() and "X error" in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelname == "ERROR"
    assert "X error 349 (cannot message this user" in lines[0].getMessage()
    assert "bloqué" not in logs.text  # never the citizen's text
    post_signed(server.url, account_activity(dm_event(later, "ensuite")))
    x_api.wait_for_dms(later)


def test_5xx_and_timeouts_are_retried(server, x_api, logs):
    first, second = citizen(), citizen()
    x_api.fail(status=503)
    post_signed(server.url, account_activity(dm_event(first, "panne")))
    x_api.wait_for_dms(first)
    assert x_api.attempts(first) == [503, 201]
    x_api.hang(seconds=3)
    post_signed(server.url, account_activity(dm_event(second, "lent")))
    x_api.wait_for_dms(second, timeout=15)
    assert f"X API send DM to {second} failed (attempt 1/3): no answer within 1.5s" in logs.text


def test_a_failing_turn_is_logged_and_the_next_dm_works(server, x_api, logs):
    sender = citizen()
    post_signed(server.url, account_activity(dm_event(sender, "/boom"),
                                             dm_event(sender, "encore")))
    x_api.wait_for_dms(sender)
    assert x_api.texts(sender) == ["Reçu : encore"]
    assert "X: the bot failed on DM" in logs.text


def test_webhook_answers_at_once_while_a_slow_turn_runs(server, x_api):
    slow, fast = citizen(), citizen()
    status, _, elapsed = post_signed(server.url, account_activity(dm_event(slow, "/slow")))
    assert status == 200 and elapsed < 0.5
    post_signed(server.url, account_activity(dm_event(fast, "vite")))
    x_api.wait_for_dms(fast, timeout=2)
    assert x_api.dms(slow) == []
    x_api.wait_for_dms(slow, timeout=10)


# --- channel off -------------------------------------------------------------------------------

def test_channel_without_secrets_answers_503(x_api):
    off = XInput(None, None, None, None, None, api_url=x_api.url)
    with XServer(off, XAgent()) as running:
        assert crc(running.url, crc_token="Q1JDLXRva2VuLTEyMzQ1Njc4")[0] == 503
        assert post_signed(running.url, account_activity(), secret="x")[0] == 503
        assert http("GET", running.url[:-len("webhook")])[:2] == (200, '{"status":"off"}')
