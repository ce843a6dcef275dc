"""Facebook Messenger end to end: the real rasa server (trained model, connector from the
project's credentials.yml) and the real action server, with a fake Graph API on 127.0.0.1.

Signed webhook payloads shaped like Meta's go in; the tests assert the exact messages,
recipients, quick replies and handover calls that reach the fake Graph API, the HTTP
statuses, and the server's log lines. The bot's answers come from the trained model, so the
tests assert structure, and exact texts only for the domain's fixed responses (utter_greet,
utter_help) reached through button payloads.
"""

from __future__ import annotations

import copy
import itertools
import json
import time
import urllib.parse
from typing import Any, Dict, List

import pytest
import yaml
from rasa.core.nlg.interpolator import interpolate

from connectors import credentials as credentials_renderer
from connectors.facebook import TEXT_ONLY_NOTICE, signature_for
from connectors.message_bounds import MAX_MESSAGE_CHARS
from connectors.messenger_format import truncate
from tests.support import hostile, servers
from tests.support.fake_graph_api import FakeGraphAPI
from tests.integration.test_messenger_connector import post_signed as _post_signed
from tests.integration.test_messenger_connector import (
    http,
    messaging,
    page,
    postback_event,
    text_event,
)

pytestmark = pytest.mark.integration

VERIFY, SECRET, TOKEN = "verify-rasa", "secret-rasa", "token-rasa"
OUR_APP_ID, INBOX_APP_ID = "424242424242", "263902037430900"
GRAPH_TIMEOUT = 2

DOMAIN = yaml.safe_load((servers.PROJECT_ROOT / "domain.yml").read_text())

_psids = itertools.count(9_000_001)


def response(name: str) -> Dict[str, Any]:
    """A domain response as rasa sends it ({{ }} in payloads become { })."""
    [variant] = DOMAIN["responses"][name]
    return interpolate(copy.deepcopy(variant), {})


def expected_quick_replies(buttons: List[Dict[str, str]]) -> List[Dict[str, str]]:
    return [{"content_type": "text", "title": truncate(b["title"], 20), "payload": b["payload"]}
            for b in buttons]


def psid() -> str:
    return str(next(_psids))


def post_signed(url: str, payload: Any, secret: str = SECRET, raw: bytes = None):
    return _post_signed(url, payload, secret=secret, raw=raw)


@pytest.fixture(scope="module")
def graph():
    with FakeGraphAPI() as fake:
        yield fake


@pytest.fixture(scope="module")
def fb_server(servers_dir, action_server, graph):
    if not servers.MODEL_PATH.exists():
        pytest.skip(f"{servers.MODEL_PATH} is missing: run `make train`")
    env = {"FB_VERIFY_TOKEN": VERIFY, "FB_APP_SECRET": SECRET, "FB_PAGE_ACCESS_TOKEN": TOKEN,
           "FB_GRAPH_API_URL": graph.url, "FB_APP_ID": OUR_APP_ID,
           "FB_GRAPH_TIMEOUT": str(GRAPH_TIMEOUT),
           # two workers, as `make run`: an event and its redelivery may each reach either
           # (connectors/shared_state.py)
           "SANIC_WORKERS": "2"}
    # The project's credentials.yml, rendered as `make run` does.
    creds, off = credentials_renderer.render(
        (servers.PROJECT_ROOT / "credentials.yml").read_text(), env)
    assert not any(line.startswith("Facebook Messenger") for line in off)
    with servers.rasa_server(servers_dir / "messenger", action_server.url, credentials=creds,
                             env=env) as server:
        server.webhook = f"{server.url}/webhooks/facebook/webhook"
        yield server


def log_text(server) -> str:
    return server.log.read_text(errors="replace")


def wait_for_log(server, text: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while text not in log_text(server):
        if time.monotonic() > deadline:
            raise AssertionError(f"log line not found: {text!r}\n{servers.tail(server.log)}")
        time.sleep(0.1)


def user_events(server, sender: str) -> List[Dict[str, Any]]:
    tracker = servers.tracker(server.url, sender)
    return [e for e in tracker["events"] if e["event"] == "user"]


# --- webhook basics ------------------------------------------------------------------------------

def test_webhook_stays_at_rasa_facebook_url_and_verifies(fb_server):
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "987654"}
    assert http("GET", f"{fb_server.webhook}?{urllib.parse.urlencode(query)}")[:2] == (
        200, "987654")
    query["hub.verify_token"] = "wrong"
    assert http("GET", f"{fb_server.webhook}?{urllib.parse.urlencode(query)}")[0] == 403
    assert http("GET", f"{fb_server.url}/webhooks/facebook/")[:2] == (200, '{"status":"ok"}')


def test_bad_signature_and_malformed_json(fb_server, graph):
    sender = psid()
    payload = page(text_event(sender, "Bonjour"))
    assert post_signed(fb_server.webhook, payload, secret="not-the-secret")[0] == 403
    assert post_signed(fb_server.webhook, None, raw=b"{not json")[0] == 400
    wait_for_log(fb_server, "Messenger webhook call refused (403, nothing processed)")
    wait_for_log(fb_server, "Messenger webhook call refused (400): body is not valid JSON")
    time.sleep(0.5)
    assert graph.for_recipient(sender) == [] and user_events(fb_server, sender) == []


# --- conversations ------------------------------------------------------------------------------

def test_postback_greet_gets_utter_greet_with_quick_replies(fb_server, graph):
    sender = psid()
    status, body, elapsed = post_signed(fb_server.webhook,
                                        page(postback_event(sender, "/greet", "Démarrer")))
    assert (status, body) == (200, "EVENT_RECEIVED")
    graph.wait_for_turn_end(sender)
    greet = response("utter_greet")
    assert graph.messages(sender) == [{"text": greet["text"],
                                       "quick_replies": expected_quick_replies(greet["buttons"])}]
    order = [r.sender_action or "message" for r in graph.for_recipient(sender)]
    assert order == ["mark_seen", "typing_on", "message", "typing_off"]
    tracker = servers.tracker(fb_server.url, sender)
    assert tracker["latest_input_channel"] == "facebook"
    assert tracker["latest_message"]["intent"]["name"] == "greet"
    assert tracker["latest_message"]["metadata"]["facebook"]["kind"] == "postback"


def test_quick_reply_help_gets_utter_help_with_seven_quick_replies(fb_server, graph):
    sender = psid()
    event = messaging(sender, message={"mid": f"m.help.{sender}", "text": "Ce que je sais faire",
                                       "quick_reply": {"payload": "/help"}})
    assert post_signed(fb_server.webhook, page(event))[0] == 200
    graph.wait_for_turn_end(sender)
    help_ = response("utter_help")
    [message] = graph.messages(sender)
    assert message == {"text": help_["text"],
                       "quick_replies": expected_quick_replies(help_["buttons"])}
    assert len(message["quick_replies"]) == 7


def test_batch_with_several_conversations(fb_server, graph):
    first, second, third = psid(), psid(), psid()
    payload = {"object": "page", "entry": [
        {"id": "PAGE", "time": 1, "messaging": [text_event(first, "Bonjour"),
                                                postback_event(second, "/help")]},
        {"id": "PAGE", "time": 2, "messaging": [postback_event(third, "/greet")]},
    ]}
    assert post_signed(fb_server.webhook, payload)[0] == 200
    for sender in (first, second, third):
        graph.wait_for_turn_end(sender)
        assert graph.messages(sender), sender
        assert all(r.recipient == sender for r in graph.for_recipient(sender))
    assert graph.messages(second)[0]["text"] == response("utter_help")["text"]
    assert graph.messages(third)[0]["text"] == response("utter_greet")["text"]
    assert [e["text"] for e in user_events(fb_server, first)] == ["Bonjour"]


@pytest.mark.parametrize("attachment", [
    {"type": "image", "payload": {"url": "https://scontent.xx/like.png",
                                  "sticker_id": 369239263222822}},
    {"type": "image", "payload": {"url": "https://scontent.xx/photo.jpg"}},
    {"type": "audio", "payload": {"url": "https://cdn.fbsbx.com/voice.mp4"}},
    {"type": "file", "payload": {"url": "https://cdn.fbsbx.com/formulaire.pdf"}},
    {"type": "location", "payload": {"coordinates": {"lat": 50.6412, "long": 5.5718}}},
], ids=["sticker", "image", "audio", "file", "location"])
def test_attachments_get_the_text_only_answer(fb_server, graph, attachment):
    sender = psid()
    event = messaging(sender, message={"mid": f"m.att.{sender}", "attachments": [attachment]})
    assert post_signed(fb_server.webhook, page(event))[0] == 200
    graph.wait_for(lambda: graph.messages(sender), what="text-only answer")
    time.sleep(0.2)
    assert graph.messages(sender) == [{"text": TEXT_ONLY_NOTICE}]


def test_echo_delivery_read_and_standby_are_accepted_silently(fb_server, graph):
    sender = psid()
    ignored = page(
        messaging(sender, message={"mid": "m.echo", "text": "Bonjour", "is_echo": True,
                                   "app_id": int(OUR_APP_ID)}),
        messaging(sender, delivery={"mids": ["m.echo"], "watermark": 1}),
        messaging(sender, read={"watermark": 1}))
    standby = page(text_event(sender, "Bonjour ?"), key="standby")
    assert post_signed(fb_server.webhook, ignored)[0] == 200
    assert post_signed(fb_server.webhook, standby)[0] == 200
    time.sleep(1)
    assert graph.for_recipient(sender) == [] and user_events(fb_server, sender) == []


def test_unknown_event_type_is_logged(fb_server):
    sender = psid()
    assert post_signed(fb_server.webhook, page(messaging(sender, optin={"ref": "x"})))[0] == 200
    wait_for_log(fb_server, f"Messenger: unhandled event (optin) from {sender}: ignored")


def test_redelivered_message_is_processed_once(fb_server, graph):
    sender = psid()
    payload = page(text_event(sender, "Bonjour", mid=f"m.redelivered.{sender}"))
    assert [post_signed(fb_server.webhook, payload)[0] for _ in range(3)] == [200] * 3
    graph.wait_for_turn_end(sender)
    time.sleep(1)
    assert post_signed(fb_server.webhook, payload)[0] == 200
    time.sleep(0.5)
    assert [e["text"] for e in user_events(fb_server, sender)] == ["Bonjour"]
    assert graph.actions(sender).count("typing_off") == 1


# --- handoff -----------------------------------------------------------------------------------

def test_human_handoff_passes_the_thread_to_the_page_inbox_and_back(fb_server, graph):
    sender = psid()
    event = messaging(sender, message={"mid": f"m.agent.{sender}", "text": "Parler à un agent",
                                       "quick_reply": {"payload": "/human_handoff"}})
    assert post_signed(fb_server.webhook, page(event))[0] == 200
    graph.wait_for(lambda: any(r.recipient == sender for r in
                               graph.calls("me/pass_thread_control")),
                   timeout=60, what="pass_thread_control")
    [call] = [r for r in graph.calls("me/pass_thread_control") if r.recipient == sender]
    assert call.body["recipient"] == {"id": sender}
    assert call.body["target_app_id"] == INBOX_APP_ID
    assert call.body["metadata"]
    # The citizen was told first (the action's French text), then the thread was passed.
    endpoints = [r.sender_action or r.endpoint for r in graph.for_recipient(sender)]
    assert endpoints.index("me/pass_thread_control") > endpoints.index("me/messages")
    told = " ".join(m.get("text") or m["attachment"]["payload"]["text"]
                    for m in graph.messages(sender))
    assert "agent" in told.lower()

    # The inbox owns the thread: the citizen's messages arrive as standby; the bot is silent.
    time.sleep(0.5)
    before = len(graph.for_recipient(sender))
    assert post_signed(fb_server.webhook,
                       page(text_event(sender, "Il y a quelqu'un ?"), key="standby"))[0] == 200
    time.sleep(1.5)
    assert len(graph.for_recipient(sender)) == before

    # The agent is done: the inbox passes the thread back; the bot answers again.
    back = messaging(sender, pass_thread_control={"previous_owner_app_id": INBOX_APP_ID,
                                                  "new_owner_app_id": OUR_APP_ID})
    assert post_signed(fb_server.webhook, page(back))[0] == 200
    wait_for_log(fb_server, f"thread of {sender} back to the bot")
    assert post_signed(fb_server.webhook, page(postback_event(sender, "/help")))[0] == 200
    graph.wait_for(lambda: graph.messages(sender) and
                   graph.messages(sender)[-1].get("text") == response("utter_help")["text"],
                   timeout=60, what="utter_help after the handover")


# --- Graph API failures ------------------------------------------------------------------------

def test_graph_api_500_is_retried_and_logged(fb_server, graph):
    sender = psid()
    graph.fail(status=500, times=1, endpoint="me/messages", sender_actions=False)
    post_signed(fb_server.webhook, page(postback_event(sender, "/greet")))
    graph.wait_for_turn_end(sender)
    assert [r.answered for r in graph.for_recipient(sender) if r.message] == [500, 200]
    assert graph.messages(sender, answered_only=True)[0]["text"] == \
        response("utter_greet")["text"]
    wait_for_log(fb_server, f"Graph API send to {sender} failed (attempt 1/3): HTTP 500")


def test_graph_api_that_hangs_is_timed_out_and_retried(fb_server, graph):
    sender = psid()
    graph.hang(seconds=GRAPH_TIMEOUT + 3, times=1, endpoint="me/messages",
               sender_actions=False)
    status, _, elapsed = post_signed(fb_server.webhook, page(postback_event(sender, "/help")))
    assert status == 200 and elapsed < 1
    graph.wait_for_turn_end(sender, timeout=60)
    wait_for_log(fb_server, f"Graph API send to {sender} failed (attempt 1/3): no answer "
                            f"within {GRAPH_TIMEOUT}s")
    assert graph.messages(sender, answered_only=True)[-1]["text"] == \
        response("utter_help")["text"]
    # The server is still fine.
    other = psid()
    post_signed(fb_server.webhook, page(postback_event(other, "/greet")))
    graph.wait_for_turn_end(other)


# --- the turn thread next to the server's loop -------------------------------------------------

def test_messenger_and_rest_conversations_at_the_same_time(fb_server, graph):
    """Messenger turns run on the connector's own thread; REST ones on the server's loop. Both
    use the same agent and tracker store at once without errors."""
    import concurrent.futures

    fb_senders = [psid() for _ in range(6)]
    rest_senders = [f"rest-{psid()}" for _ in range(6)]
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        fb_calls = [pool.submit(post_signed, fb_server.webhook,
                                page(postback_event(sender, "/greet"))) for sender in fb_senders]
        rest_calls = [pool.submit(servers.rest_send, fb_server.url, sender, "/help", None, 120)
                      for sender in rest_senders]
        assert [call.result()[0] for call in fb_calls] == [200] * 6
        rest_answers = [call.result() for call in rest_calls]
    for answer in rest_answers:
        assert answer and answer[0]["text"] == response("utter_help")["text"]
    for sender in fb_senders:
        graph.wait_for_turn_end(sender, timeout=120)
        assert graph.messages(sender)[0]["text"] == response("utter_greet")["text"]
    log = log_text(fb_server)
    assert "database is locked" not in log and "Messenger: the bot failed" not in log


# --- the citizen's data --------------------------------------------------------------------------

def test_personal_data_is_stored_masked_and_the_citizen_erases_the_conversation(fb_server,
                                                                                 graph):
    """Masked in the SQLite tracker store; "supprimez mes données", then the "Oui" button of
    the template: nothing of the conversation is left, and the answer says what Meta keeps."""
    sender = psid()
    post_signed(fb_server.webhook, page(text_event(
        sender, "mon IBAN BE68 5390 0754 7034 et mon mail jean.dupont@example.com")))
    graph.wait_for_turn_end(sender)
    rows = "\n".join(servers.stored_rows(fb_server, sender))
    assert "BE68" not in rows and "0754 7034" not in rows and "jean.dupont" not in rows
    assert "[IBAN]" in rows and "[e-mail]" in rows
    post_signed(fb_server.webhook, page(text_event(sender, "supprimez mes données")))
    graph.wait_for_turn_end(sender, count=2)
    question = graph.messages(sender)[-1]["attachment"]["payload"]
    assert "Voulez-vous tout effacer ?" in question["text"]
    assert [button["payload"] for button in question["buttons"]] == ["/affirm", "/deny"]
    post_signed(fb_server.webhook, page(postback_event(sender, "/affirm", "Oui, tout effacer")))
    graph.wait_for_turn_end(sender, count=3)
    done = graph.messages(sender)[-1]["text"]
    assert done.startswith("C'est fait") and "Messenger garde aussi" in done
    assert servers.stored_rows(fb_server, sender) == []


def test_a_question_in_dutch_is_answered_in_dutch(fb_server, graph):
    """The language is remembered: "dank u" after a Dutch question stays Dutch; the custom
    language message the widget uses is not sent to Messenger."""
    from actions.languages import texts_for

    nl, sender = texts_for("nl"), psid()
    post_signed(fb_server.webhook, page(text_event(sender, "Wanneer is het containerpark open?")))
    graph.wait_for_turn_end(sender)
    post_signed(fb_server.webhook, page(text_event(sender, "dank u")))
    graph.wait_for_turn_end(sender, count=2)
    said = [m.get("text") or m["attachment"]["payload"]["text"] for m in graph.messages(sender)]
    assert any("dinsdag" in text for text in said)  # the week, in Dutch
    assert nl.say("thanks") in said[-1] or nl.say("offer_french") in said[-1]
    assert all("language" not in json.dumps(m) for m in graph.messages(sender))


# --- hostile inputs ----------------------------------------------------------------------------

MESSENGER_LONG_TEXTS = [h for h in hostile.HOSTILE_TEXTS
                        if h.metadata is None and len(h.text.encode()) < 900_000]


@pytest.mark.parametrize("item", MESSENGER_LONG_TEXTS, ids=lambda x: x.name)
def test_hostile_texts_are_answered_and_the_server_keeps_serving(fb_server, graph, item):
    before = hostile.rss_mb(fb_server.process.pid)
    sender = psid()
    status, _, _ = post_signed(fb_server.webhook, page(text_event(sender, item.text)))
    assert status == 200
    graph.wait_for_turn_end(sender, timeout=60)
    texts = [m.get("text", "") for m in graph.messages(sender)]
    assert texts, f"no answer to {item.name}"
    if len(item.text) > MAX_MESSAGE_CHARS:
        assert texts[0].startswith("Votre message est très long")
    [stored] = user_events(fb_server, sender)
    assert len(stored["text"]) <= MAX_MESSAGE_CHARS
    other = psid()
    post_signed(fb_server.webhook, page(postback_event(other, "/greet", "Démarrer")))
    graph.wait_for_turn_end(other)
    assert graph.messages(other)[0]["text"] == response("utter_greet")["text"]
    assert hostile.rss_mb(fb_server.process.pid) - before < 400


@pytest.mark.parametrize("item", hostile.HOSTILE_BODIES, ids=lambda x: x.name)
def test_hostile_signed_bodies_get_a_4xx_and_the_server_keeps_serving(fb_server, graph, item):
    status, _, _ = hostile.post(fb_server.webhook, item.raw,
                                {"X-Hub-Signature-256": signature_for(SECRET, item.raw)})
    if len(item.raw) > 1024 * 1024:
        assert status in (413, 0)  # over MAX_REQUEST_BYTES (0: closed while sending)
    elif item.name in ("lone surrogates", "message is an object", "a JSON list"):
        assert status == 200  # valid JSON but not a page's events: acknowledged, ignored
    else:
        assert status == 400
    assert fb_server.process.poll() is None
    sender = psid()
    post_signed(fb_server.webhook, page(postback_event(sender, "/greet", "Démarrer")))
    graph.wait_for_turn_end(sender)
    assert graph.messages(sender)


def test_a_huge_unsigned_body_is_refused_before_it_is_read(fb_server):
    status, _, _ = hostile.post(fb_server.webhook, b"x" * (10 * hostile.MB))
    assert status in (413, 0)
    assert fb_server.process.poll() is None
