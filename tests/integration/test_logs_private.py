"""Issue 15: the servers' logs never hold what a citizen wrote, nor their personal data, at the
default log level (connectors/log_privacy.py).

One rasa server with every channel on (REST, socket.io, Messenger with a fake Graph API, X
with a fake X API) and the session's action server, both at rasa's and rasa_sdk's default log
levels, logging to files as `make run` does. Messages holding a marker word, a phone number and
an e-mail address go through every channel, in ordinary and hostile shapes (malformed and
unsigned webhook bodies, texts that only start like a button payload, over-long texts, a
redelivery, a platform API that fails); then no log file may hold any of them, while the log
lines about those messages (ids, sizes, reasons) are there.

The failures a running server cannot be made to meet on purpose (a turn that raises with the
text in its exception, a store error quoting its SQL parameters, an action server answer rasa
refuses) are checked in-process, on the same code.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
import urllib.parse
from pathlib import Path
from typing import Dict, List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from connectors import credentials as credentials_renderer
from connectors.message_bounds import MAX_MESSAGE_CHARS
from connectors.rest import without_text_in_logs
from connectors.turns import SerialRunner
from rasa_extensions import turn_failures
from tests.integration import test_messenger_rasa as fb
from tests.integration import test_x_rasa as xr
from tests.integration.test_messenger_connector import http, messaging, page, text_event
from tests.integration.test_x_connector import account_activity, dm_event
from tests.support import hostile, servers
from tests.support.fake_graph_api import FakeGraphAPI
from tests.support.fake_x_api import FakeXAPI

pytestmark = pytest.mark.integration

MARKER = "zorglubmarker"
PHONE = "0470 12 34 56"
MAIL = "jean.dupont@example.com"
TEXT = f"{MARKER} mon numéro est {PHONE} et mon mail {MAIL}"
# What no log line may hold (compared in lower case): the marker, the personal data as typed
# and in the shapes a log could give them.
FORBIDDEN = (MARKER, PHONE, "0470123456", "jean.dupont", "example.com")
LONG_TEXT = TEXT + " " + hostile.SENTENCE * (2 * MAX_MESSAGE_CHARS // len(hostile.SENTENCE))

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}{next(_ids)}"


def numeric_id() -> str:
    return str(5_000_000_000 + next(_ids))


def leaks(text: str) -> List[str]:
    lowered = text.lower()
    return [word for word in FORBIDDEN if word.lower() in lowered]


# --- the servers -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graph():
    with FakeGraphAPI() as fake:
        yield fake


@pytest.fixture(scope="module")
def x_api():
    with FakeXAPI(*xr.KEYS, bot_user_id=xr.BOT) as fake:
        yield fake


@pytest.fixture(scope="module")
def origin() -> str:
    return f"http://127.0.0.1:{servers.free_port()}"


@pytest.fixture(scope="module")
def server(servers_dir, action_server, graph, x_api, origin):
    if not servers.MODEL_PATH.exists():
        pytest.skip(f"{servers.MODEL_PATH} is missing: run `make train`")
    env = {"FB_VERIFY_TOKEN": fb.VERIFY, "FB_APP_SECRET": fb.SECRET,
           "FB_PAGE_ACCESS_TOKEN": fb.TOKEN, "FB_GRAPH_API_URL": graph.url,
           "FB_APP_ID": fb.OUR_APP_ID, "FB_GRAPH_TIMEOUT": "2",
           **dict(zip(("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN",
                       "X_ACCESS_TOKEN_SECRET"), xr.KEYS)),
           "X_BOT_USER_ID": xr.BOT, "X_API_URL": x_api.url, "X_API_TIMEOUT": "2",
           "CORS_ORIGINS": origin,
           # rasa's and rasa_sdk's defaults, whatever the caller's environment says
           "LOG_LEVEL": "INFO", "LOG_LEVEL_LIBRARIES": "ERROR",
           "SANIC_WORKERS": "2"}  # as `make run`
    creds, off = credentials_renderer.render(
        (servers.PROJECT_ROOT / "credentials.yml").read_text(), env)
    assert off == [], off  # every channel on
    with servers.rasa_server(servers_dir / "logs-private", action_server.url,
                             credentials=creds, env=env) as running:
        running.facebook = f"{running.url}/webhooks/facebook/webhook"
        running.x = f"{running.url}/webhooks/x/webhook"
        yield running


# --- the citizens' messages --------------------------------------------------------------------

def through_rest(server) -> Dict[str, str]:
    """Ordinary, slash-prefixed, over-long and malformed REST messages."""
    url = hostile.rest_url(server.url)
    sent = {}
    for name, text in [("rest", TEXT),
                       # rasa reads "/…" as a button payload and warns with the whole line:
                       ("rest-slash-unknown-intent", "/" + TEXT),  # no such intent
                       ("rest-slash-not-a-payload", "/{" + TEXT),  # no intent at all
                       ("rest-slash-extra", "/greet@0.9 " + TEXT),  # a payload, then text
                       ("rest-slash-bad-json", '/greet{"service": "' + TEXT + '"'),
                       ("rest-long", LONG_TEXT)]:
        sender = new_id(name + "-")
        answer = servers.rest_send(server.url, sender, text)
        assert answer, (name, answer)
        sent[name] = sender
    for raw in [b'{"sender": "rest-bad-json", "message": "' + TEXT.encode() + b'"',
                json.dumps({"sender": "rest-not-text", "message": {"text": TEXT}}).encode(),
                json.dumps({"sender": "rest-bad-meta", "message": "Bonjour",
                            "metadata": {"page": TEXT * 2000}}).encode()]:
        status, _, _ = hostile.post(url, raw)
        assert status == 400, raw[:60]
    return sent


def through_socketio(server, origin: str) -> Dict[str, str]:
    session = new_id("widget-")
    received, dropped, _ = asyncio.new_event_loop().run_until_complete(hostile.socketio_turn(
        server.url, origin, session, {"session_id": session, "message": TEXT}))
    assert received and not dropped
    return {"widget": session}


def signed_fb(server, payload=None, raw: bytes = None) -> int:
    return fb.post_signed(server.facebook, payload, raw=raw)[0]


def through_messenger(server, graph) -> Dict[str, str]:
    """Texts, a typed quick reply, a postback's title, standby, redelivery, over-long text, a
    failing Graph API, and malformed, unsigned or odd webhook calls."""
    sent = {name: fb.psid() for name in ("fb-text", "fb-quick", "fb-postback", "fb-standby",
                                         "fb-again", "fb-long", "fb-graph-500", "fb-odd")}
    events = [
        text_event(sent["fb-text"], TEXT),
        messaging(sent["fb-quick"], message={"mid": new_id("m.q."), "text": TEXT,
                                             "quick_reply": {"payload": "/greet"}}),
        messaging(sent["fb-postback"], postback={"mid": new_id("m.p."), "title": TEXT,
                                                 "payload": "/greet"}),
        text_event(sent["fb-long"], LONG_TEXT),
        # an event of an unknown kind whose key is a text
        messaging(sent["fb-odd"], **{TEXT: {"text": TEXT}}),
    ]
    assert signed_fb(server, page(*events)) == 200
    assert signed_fb(server, page(text_event(sent["fb-standby"], TEXT), key="standby")) == 200
    # a message without mid, delivered twice: its de-duplication key holds the text
    again = messaging(sent["fb-again"], message={"text": TEXT})
    assert signed_fb(server, page(again)) == 200
    graph.wait_for_turn_end(sent["fb-again"], timeout=60)
    assert signed_fb(server, page(again)) == 200
    # malformed, unsigned, not a page, a verification with a text
    body = json.dumps(page(text_event(fb.psid(), TEXT))).encode()
    assert signed_fb(server, raw=body[:-3]) == 400
    assert fb.post_signed(server.facebook, None, secret="wrong", raw=body)[0] == 403
    assert signed_fb(server, {"object": TEXT, "entry": []}) == 200
    query = urllib.parse.urlencode({"hub.mode": TEXT, "hub.verify_token": "x",
                                    "hub.challenge": "1"})
    assert http("GET", f"{server.facebook}?{query}")[0] == 403
    for name in ("fb-text", "fb-quick", "fb-postback", "fb-long"):
        graph.wait_for_turn_end(sent[name], timeout=60)
    # the Graph API refuses the next message once (the other turns are over)
    graph.fail(status=500, times=1, endpoint="me/messages", sender_actions=False)
    assert signed_fb(server, page(text_event(sent["fb-graph-500"], TEXT))) == 200
    graph.wait_for_turn_end(sent["fb-graph-500"], timeout=60)
    return sent


def signed_x(server, payload=None, raw: bytes = None) -> int:
    return xr.post_signed(server.x, payload, raw=raw)[0]


def through_x(server, x_api) -> Dict[str, str]:
    """A DM, its redelivery, an over-long DM, a refused answer, and malformed, unsigned or odd
    deliveries."""
    sent = {name: numeric_id() for name in ("x-dm", "x-long", "x-blocked")}
    dm = dm_event(sent["x-dm"], TEXT)
    assert signed_x(server, account_activity(dm)) == 200
    x_api.wait_for_dms(sent["x-dm"], 1, timeout=60)
    assert signed_x(server, account_activity(dm)) == 200  # redelivered
    assert signed_x(server, account_activity(dm_event(sent["x-long"], LONG_TEXT))) == 200
    x_api.wait_for_dms(sent["x-long"], 1, timeout=60)
    x_api.fail(status=403, code=349, times=1)  # X refuses the next DM (the others are sent)
    assert signed_x(server, account_activity(dm_event(sent["x-blocked"], TEXT))) == 200
    body = json.dumps(account_activity(dm_event(numeric_id(), TEXT))).encode()
    assert signed_x(server, raw=body[:-3]) == 400
    assert http("POST", server.x, body)[0] == 401
    assert xr.post_signed(server.x, None, secret="wrong", raw=body)[0] == 403
    assert signed_x(server, {"data": [{"event_type": TEXT, "payload": {}}]}) == 200
    assert http("GET", f"{server.x}?{urllib.parse.urlencode({'crc_token': TEXT})}")[0] == 400
    deadline = time.monotonic() + 30
    while not x_api.dms(sent["x-blocked"], answered_only=False):
        assert time.monotonic() < deadline, "the refused DM was never tried"
        time.sleep(0.2)
    return sent


@pytest.fixture(scope="module")
def sent(server, graph, x_api, origin) -> Dict[str, str]:
    """Every message above, sent; the conversation ids by case."""
    ids = {**through_rest(server), **through_socketio(server, origin),
           **through_messenger(server, graph), **through_x(server, x_api)}
    time.sleep(1.0)  # the last log lines (a retried Graph call, the action server's)
    return ids


def logs(server, action_server) -> Dict[str, str]:
    files = sorted(Path(server.log).parent.glob("*.log")) + [Path(action_server.log)]
    return {str(f): f.read_text(errors="replace") for f in files}


# --- the checks --------------------------------------------------------------------------------

def test_no_log_holds_a_citizens_text_or_personal_data(server, action_server, sent):
    found = [f"{Path(path).name}: {line[:300]}"
             for path, text in logs(server, action_server).items()
             for line in text.splitlines() if leaks(line)]
    assert not found, "log lines with a citizen's text:\n" + "\n".join(found[:10])


def test_the_logs_still_say_what_happened(server, sent):
    log = Path(server.log).read_text(errors="replace")
    for line in [
        f"characters from {sent['rest-long']} cut to",
        f"characters from {sent['fb-long']} cut to",
        f"characters from {sent['x-long']} cut to",
        f"Messenger: text without mid from {sent['fb-again']} already received",
        f"Graph API send to {sent['fb-graph-500']} failed (attempt 1/3): HTTP 500",
        "Messenger webhook call refused (400): body is not valid JSON (JSONDecodeError",
        "Messenger webhook call refused (403, nothing processed)",
        f"Messenger webhook: object a text of {len(TEXT)} characters is not 'page'",
        "Messenger webhook verification refused (403): hub.mode=a text of",
        "Messenger: unhandled event (1 other key(s))",
        "X: DM event", "already received: redelivery ignored",
        f"X API send DM to {sent['x-blocked']} failed (attempt 1/3): HTTP 403, X error 349",
        "X webhook call refused (400): body is not valid JSON (JSONDecodeError",
        "X webhook call refused (401, nothing processed)",
        "X webhook call refused (403, nothing processed)",
        "X webhook CRC refused (400): crc_token of",
    ]:
        assert line in log, f"missing log line: {line!r}\n{servers.tail(server.log)}"


# --- failures, in-process ----------------------------------------------------------------------

def run(coroutine):
    return asyncio.new_event_loop().run_until_complete(coroutine)


def test_a_rest_turn_that_raises_with_the_text_is_logged_without_it(caplog):
    async def failing(message: UserMessage):
        raise KeyError(message.text)

    caplog.set_level(logging.DEBUG)
    handle = without_text_in_logs(failing)
    assert run(handle(UserMessage(TEXT, CollectingOutputChannel(), "rest-fails"))) is None
    shown = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records
                      if r.levelno >= logging.INFO)
    assert f"REST: the bot failed on a message of {len(TEXT)} characters from rest-fails" \
        in shown and "KeyError raised in" in shown
    assert not leaks(shown)
    assert not [r for r in caplog.records if r.levelno >= logging.INFO and r.exc_info]
    # at DEBUG the traceback, message included, is there for a developer
    assert [r for r in caplog.records if r.levelno == logging.DEBUG and r.exc_info]


def test_a_messenger_or_x_job_that_raises_is_logged_without_its_message(caplog):
    async def job():
        raise ValueError(f"cannot read {TEXT!r}")

    async def scenario():
        runner = SerialRunner(label="X")
        runner.submit("3000000042", job)
        assert await runner.drain(5)

    with caplog.at_level(logging.INFO):
        run(scenario())
    assert "X: a turn for 3000000042 failed (ValueError raised in" in caplog.text
    assert not leaks(caplog.text)


def test_a_store_error_is_logged_without_the_statement_parameters(caplog):
    import sqlalchemy.exc

    events = json.dumps({"event": "user", "text": TEXT})
    errors = [
        sqlalchemy.exc.IntegrityError("INSERT INTO events (sender_id, data) VALUES (?, ?)",
                                      ("citizen", events), Exception("NOT NULL failed")),
        sqlalchemy.exc.DataError("INSERT", ("citizen", events), Exception(
            f'invalid input syntax for type integer: "{TEXT}"\nDETAIL: {TEXT}')),
    ]
    for error in errors:
        assert leaks(str(error))  # what rasa_extensions/turn_failures.py logged before
        line = turn_failures.error_line(error)
        assert not leaks(line), line
        assert line.startswith(type(error).__name__)


def test_an_action_answer_rasa_refuses_is_logged_without_its_content(monkeypatch, caplog):
    from jsonschema import ValidationError, validate
    from rasa.shared.core.trackers import DialogueStateTracker

    async def refused(*args):
        validate({"events": [{"event": "slot", "value": TEXT}], "responses": TEXT},
                 {"type": "object", "properties": {"responses": {"type": "array"}}})

    class Action:
        def name(self):
            return "action_privacy"

    with pytest.raises(ValidationError):
        run(refused())
    monkeypatch.setitem(turn_failures._originals, "run_remote_action", refused)
    tracker = DialogueStateTracker.from_events("citizen-9", [])
    with caplog.at_level(logging.INFO):
        events = run(turn_failures.run_remote_action(Action(), None, None, tracker, None))
    assert [e.text for e in events] == [turn_failures.ACTION_PROBLEM_ANSWER]
    assert ("Custom action action_privacy failed for conversation citizen-9 (its answer does "
            "not follow rasa's format: type at responses)") in caplog.text
    assert not leaks(caplog.text)
