"""The Messenger connector over real HTTP on 127.0.0.1, with a scripted bot.

A Sanic server runs the connector's blueprint (exactly as rasa mounts it, under
/webhooks/facebook/) in a background thread; its "agent" is a small scripted bot, so these
tests need no trained model and pin the connector's behaviour precisely. Replies go to the
fake Graph API (tests/support/fake_graph_api.py), which records what it receives.

The same behaviours are checked end to end with the real rasa server and the trained model
in test_messenger_rasa.py.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from connectors.facebook import TEXT_ONLY_NOTICE, MessengerInput, signature_for
from connectors.messenger_format import MORE_CHOICES_PROMPT
from tests.support.fake_graph_api import FakeGraphAPI, free_port

pytestmark = pytest.mark.integration

VERIFY, SECRET, TOKEN = "verify-me", "app-secret", "page-token"
PAGE_ID, OUR_APP_ID, INBOX_APP_ID = "1067280970047460", "555000111", "263902037430900"
LONG_TEXT = " ".join(f"Information numéro {i} sur la démarche." for i in range(150))

_psids = itertools.count(1000)
_mids = itertools.count(1)


# --- the scripted bot --------------------------------------------------------------------------

class ScriptedAgent:
    """Stands for rasa's agent: ``handle_message`` answers through the output channel."""

    def __init__(self) -> None:
        self.received: List[UserMessage] = []
        self.lock = threading.Lock()

    def texts(self, psid: str) -> List[str]:
        with self.lock:
            return [m.text for m in self.received if m.sender_id == psid]

    async def handle_message(self, message: UserMessage) -> None:
        with self.lock:
            self.received.append(message)
        out, psid, text = message.output_channel, message.sender_id, message.text
        if text == "/greet":
            await out.send_response(psid, {"text": "Bonjour !", "buttons": [
                {"title": "Horaires d'un service", "payload": "/ask_hours"},
                {"title": "Carte d'identité",
                 "payload": '/ask_procedure{"procedure":"carte_identite"}'},
                {"title": "Déménagement",
                 "payload": '/ask_procedure{"procedure":"changement_adresse"}'},
                {"title": "Parler à un agent", "payload": "/human_handoff"}]})
        elif text == "/three":
            await out.send_response(psid, {"text": "Trois choix", "buttons": [
                {"title": "Un", "payload": "/un"}, {"title": "Deux", "payload": "/deux"},
                {"title": "Site", "url": "https://www.liege.be", "type": "web_url"}]})
        elif text == "/answer":  # a catalogue answer: one choice, then the feedback ones
            await out.send_response(psid, {"text": "Le passeport coûte 75 €.", "buttons": [
                {"title": "Documents", "payload": "/ask_documents"},
                {"title": "👍 Utile", "payload": "/feedback_positive"},
                {"title": "👎 Pas utile", "payload": "/feedback_negative"}]})
        elif text == "/links":
            await out.send_response(psid, {"text": "Plus d'infos : https://www.liege.be/fr"})
        elif text == "/mixed":
            await out.send_response(psid, {"text": "Liens et choix", "buttons": [
                {"title": "Rendez-vous", "url": "https://rdv.liege.be", "type": "web_url"},
                *[{"title": f"Choix {i}", "payload": f"/c{i}"} for i in range(4)]]})
        elif text == "/human_handoff":
            await out.send_response(psid, {"text": "Un agent lira la conversation."})
            await out.send_response(psid, {"custom": {"handover": {"target": "page_inbox"}}})
        elif text == "/slow":
            await asyncio.sleep(3)
            await out.send_response(psid, {"text": "Réponse lente"})
        elif text == "/boom":
            raise RuntimeError("the bot crashed")
        elif text == "/long":
            await out.send_response(psid, {"text": LONG_TEXT})
        elif text == "/custom":
            await out.send_response(psid, {"custom": {"foo": "bar"}})
            await out.send_response(psid, {"text": "Après le custom"})
        elif text == "/image":
            await out.send_response(psid, {"image": "https://www.liege.be/logo.png"})
        else:
            await out.send_response(psid, {"text": f"Reçu : {text}"})


# --- the connector's server --------------------------------------------------------------------

class ConnectorServer:
    """The connector's blueprint in a Sanic app on 127.0.0.1, in its own thread and loop."""

    _names = itertools.count(1)

    def __init__(self, channel: MessengerInput, agent: ScriptedAgent) -> None:
        self.channel, self.agent = channel, agent
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhooks/facebook/webhook"
        self._ready = threading.Event()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._stop: Optional[asyncio.Event] = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "ConnectorServer":
        self._thread.start()
        assert self._ready.wait(20), "connector server did not start"
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(20)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        # Several Sanic apps in one process (sanic 21.12 rewrites its HTTP methods once per
        # process outside test mode).
        Sanic.test_mode = True
        app = Sanic(f"messenger_connector_test_{next(self._names)}", configure_logging=False)
        app.ctx.agent = self.agent
        register([self.channel], app, route="/webhooks/")
        server = await app.create_server(host="127.0.0.1", port=self.port,
                                         return_asyncio_server=True, access_log=False)
        await server.startup()
        await server.before_start()
        await server.after_start()
        self._ready.set()
        await self._stop.wait()
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()


# --- HTTP helpers ------------------------------------------------------------------------------

def http(method: str, url: str, body: Optional[bytes] = None,
         headers: Optional[Dict[str, str]] = None, timeout: float = 10) -> Tuple[int, str, float]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), time.monotonic() - started


def post_signed(url: str, payload: Any, secret: str = SECRET,
                raw: Optional[bytes] = None) -> Tuple[int, str, float]:
    body = raw if raw is not None else json.dumps(payload).encode()
    return http("POST", url, body, {"Content-Type": "application/json",
                                    "X-Hub-Signature-256": signature_for(secret, body)})


def psid() -> str:
    return str(next(_psids))


def messaging(sender: str, **fields: Any) -> Dict[str, Any]:
    return {"sender": {"id": sender}, "recipient": {"id": PAGE_ID},
            "timestamp": int(time.time() * 1000), **fields}


def text_event(sender: str, text: str, mid: Optional[str] = None) -> Dict[str, Any]:
    return messaging(sender, message={"mid": mid or f"m_{next(_mids)}", "text": text})


def postback_event(sender: str, payload: str, title: str = "Bouton") -> Dict[str, Any]:
    return messaging(sender, postback={"mid": f"m_{next(_mids)}", "title": title,
                                       "payload": payload})


def page(*events: Dict[str, Any], key: str = "messaging") -> Dict[str, Any]:
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": int(time.time() * 1000),
                                         key: list(events)}]}


# --- fixtures ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graph():
    with FakeGraphAPI() as fake:
        yield fake


@pytest.fixture(scope="module")
def agent():
    return ScriptedAgent()


def with_quick_retries(channel: Any) -> Any:
    """A short timeout and backoff for the channel's API client: failure tests run fast."""
    channel.client.timeout = 1.5
    channel.client.backoff = 0.1
    return channel


@pytest.fixture(scope="module")
def channel(graph):
    return with_quick_retries(MessengerInput(VERIFY, SECRET, TOKEN, graph_api_url=graph.url,
                                             graph_api_version="v25.0", app_id=OUR_APP_ID))


@pytest.fixture(scope="module")
def server(channel, agent):
    with ConnectorServer(channel, agent) as running:
        yield running


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.INFO, logger="connectors")
    return caplog


def wait_until(predicate, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.02)


# --- 1. verification ---------------------------------------------------------------------------

def test_verification_answers_the_challenge(server):
    query = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": VERIFY,
                                    "hub.challenge": "1158201444"})
    assert http("GET", f"{server.url}?{query}")[:2] == (200, "1158201444")


@pytest.mark.parametrize("params", [
    {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
    {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "1"},
    {"hub.verify_token": VERIFY, "hub.challenge": "1"},
    {"hub.mode": "subscribe", "hub.challenge": "1"},
    {},
])
def test_verification_refuses_anything_else_with_403(server, params, logs):
    status, body, _ = http("GET", f"{server.url}?{urllib.parse.urlencode(params)}")
    assert status == 403 and "1" not in body
    assert "Messenger webhook verification refused (403)" in logs.text


# --- 2. signatures -----------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {},
    {"X-Hub-Signature-256": "sha256=" + "0" * 64},
    {"X-Hub-Signature-256": "garbage"},
    "other-secret",
    "legacy-sha1-only",
])
def test_unsigned_or_badly_signed_posts_are_refused_and_nothing_processed(
        server, graph, agent, headers, logs):
    sender = psid()
    body = json.dumps(page(text_event(sender, "Bonjour"))).encode()
    if headers == "other-secret":
        headers = {"X-Hub-Signature-256": signature_for("other-secret", body)}
    elif headers == "legacy-sha1-only":
        import hashlib
        import hmac
        headers = {"X-Hub-Signature": "sha1=" + hmac.new(SECRET.encode(), body,
                                                         hashlib.sha1).hexdigest()}
    status, _, _ = http("POST", server.url, body, {"Content-Type": "application/json",
                                                   **headers})
    assert status == 403
    time.sleep(0.3)
    assert agent.texts(sender) == [] and graph.for_recipient(sender) == []
    assert "Messenger webhook call refused (403, nothing processed)" in logs.text


def test_malformed_json_is_refused_with_400(server, logs):
    status, _, _ = post_signed(server.url, None, raw=b'{"object": "page", "entry": [')
    assert status == 400
    assert "Messenger webhook call refused (400): body is not valid JSON" in logs.text


# --- 3. events ---------------------------------------------------------------------------------

def test_text_message_is_answered_with_typing_indicator(server, graph, agent):
    sender = psid()
    event = text_event(sender, "Bonjour", mid="m_text_1")
    status, body, elapsed = post_signed(server.url, page(event))
    assert (status, body) == (200, "EVENT_RECEIVED")
    graph.wait_for_turn_end(sender)
    assert graph.actions(sender) == ["mark_seen", "typing_on", "typing_off"]
    assert graph.messages(sender) == [{"text": "Reçu : Bonjour"}]
    [call] = [r for r in graph.for_recipient(sender) if r.message]
    assert call.path == "/v25.0/me/messages"
    assert call.body["messaging_type"] == "RESPONSE"
    assert call.query["access_token"] == TOKEN and len(call.query["appsecret_proof"]) == 64
    [received] = [m for m in agent.received if m.sender_id == sender]
    assert received.input_channel == "facebook" and received.message_id == "m_text_1"
    assert received.metadata["facebook"]["mid"] == "m_text_1"
    assert received.metadata["facebook"]["page_id"] == PAGE_ID
    # Sender actions and messages are in order: typing before the answer, off after it.
    order = [r.sender_action or "message" for r in graph.for_recipient(sender)]
    assert order == ["mark_seen", "typing_on", "message", "typing_off"]


def test_every_entry_and_every_event_of_a_batch_is_handled(server, graph, agent):
    first, second, third = psid(), psid(), psid()
    payload = {"object": "page", "entry": [
        {"id": PAGE_ID, "time": 1, "messaging": [text_event(first, "un"),
                                                 text_event(second, "deux")]},
        {"id": PAGE_ID, "time": 2, "messaging": [text_event(first, "trois"),
                                                 postback_event(third, "/greet")]},
    ]}
    assert post_signed(server.url, payload)[0] == 200
    graph.wait_for_turn_end(first, count=2)
    graph.wait_for_turn_end(second)
    graph.wait_for_turn_end(third)
    assert agent.texts(first) == ["un", "trois"]  # in order, one after the other
    assert graph.messages(first) == [{"text": "Reçu : un"}, {"text": "Reçu : trois"}]
    assert graph.messages(second) == [{"text": "Reçu : deux"}]
    assert agent.texts(third) == ["/greet"]


def test_quick_reply_payload_goes_to_the_bot_and_four_buttons_become_quick_replies(
        server, graph, agent):
    sender = psid()
    event = messaging(sender, message={"mid": f"m_{next(_mids)}", "text": "Démarrer",
                                       "quick_reply": {"payload": "/greet"}})
    assert post_signed(server.url, page(event))[0] == 200
    graph.wait_for_turn_end(sender)
    assert agent.texts(sender) == ["/greet"]
    assert graph.messages(sender) == [{"text": "Bonjour !", "quick_replies": [
        # Messenger shows 20 characters of a title: longer ones are cut with "…".
        {"content_type": "text", "title": "Horaires d'un servi…", "payload": "/ask_hours"},
        {"content_type": "text", "title": "Carte d'identité",
         "payload": '/ask_procedure{"procedure":"carte_identite"}'},
        {"content_type": "text", "title": "Déménagement",
         "payload": '/ask_procedure{"procedure":"changement_adresse"}'},
        {"content_type": "text", "title": "Parler à un agent", "payload": "/human_handoff"}]}]


def test_three_buttons_with_a_link_make_a_button_template(server, graph):
    sender = psid()
    post_signed(server.url, page(postback_event(sender, "/three")))
    graph.wait_for_turn_end(sender)
    assert graph.messages(sender) == [{"attachment": {"type": "template", "payload": {
        "template_type": "button", "text": "Trois choix", "buttons": [
            {"type": "postback", "title": "Un", "payload": "/un"},
            {"type": "postback", "title": "Deux", "payload": "/deux"},
            {"type": "web_url", "url": "https://www.liege.be", "title": "Site"}]}}}]


def test_feedback_choices_are_quick_replies_on_the_answers_template(server, graph, agent):
    sender = psid()
    post_signed(server.url, page(postback_event(sender, "/answer")))
    graph.wait_for_turn_end(sender)
    assert graph.messages(sender) == [{
        "attachment": {"type": "template", "payload": {
            "template_type": "button", "text": "Le passeport coûte 75 €.", "buttons": [
                {"type": "postback", "title": "Documents", "payload": "/ask_documents"}]}},
        "quick_replies": [
            {"content_type": "text", "title": "👍 Utile", "payload": "/feedback_positive"},
            {"content_type": "text", "title": "👎 Pas utile", "payload": "/feedback_negative"}]}]
    # The citizen's tap on a quick reply comes back as its payload.
    tap = messaging(sender, message={"mid": f"m_{next(_mids)}", "text": "👍 Utile",
                                     "quick_reply": {"payload": "/feedback_positive"}})
    post_signed(server.url, page(tap))
    wait_until(lambda: "/feedback_positive" in agent.texts(sender), what="feedback received")


def test_links_and_mixed_buttons(server, graph):
    links, mixed = psid(), psid()
    post_signed(server.url, page(postback_event(links, "/links"), postback_event(mixed,
                                                                                 "/mixed")))
    graph.wait_for_turn_end(links)
    graph.wait_for_turn_end(mixed)
    [message] = graph.messages(links)
    assert message["attachment"]["payload"]["buttons"] == [
        {"type": "web_url", "url": "https://www.liege.be/fr", "title": "Ouvrir liege.be"}]
    template, choices = graph.messages(mixed)
    assert template["attachment"]["payload"]["buttons"] == [
        {"type": "web_url", "url": "https://rdv.liege.be", "title": "Rendez-vous"}]
    assert choices["text"] == MORE_CHOICES_PROMPT
    assert [q["payload"] for q in choices["quick_replies"]] == ["/c0", "/c1", "/c2", "/c3"]


def test_long_text_is_split_to_messenger_limits(server, graph):
    sender = psid()
    post_signed(server.url, page(postback_event(sender, "/long")))
    graph.wait_for_turn_end(sender)
    texts = [m["text"] for m in graph.messages(sender)]
    assert len(texts) >= 3 and all(len(t) <= 2000 for t in texts)
    assert " ".join(texts).split() == LONG_TEXT.split()


def test_images_and_unknown_custom_payloads(server, graph):
    image, custom = psid(), psid()
    post_signed(server.url, page(postback_event(image, "/image"),
                                 postback_event(custom, "/custom")))
    graph.wait_for_turn_end(image)
    graph.wait_for_turn_end(custom)
    assert graph.messages(image) == [{"attachment": {"type": "image", "payload": {
        "url": "https://www.liege.be/logo.png", "is_reusable": True}}}]
    assert graph.messages(custom) == [{"text": "Après le custom"}]  # {"foo": …} not sent


@pytest.mark.parametrize("attachment", [
    {"type": "image", "payload": {"url": "https://scontent.xx/like.png",
                                  "sticker_id": 369239263222822}},
    {"type": "image", "payload": {"url": "https://scontent.xx/photo.jpg"}},
    {"type": "audio", "payload": {"url": "https://cdn.fbsbx.com/voice.mp4"}},
    {"type": "video", "payload": {"url": "https://cdn.fbsbx.com/video.mp4"}},
    {"type": "file", "payload": {"url": "https://cdn.fbsbx.com/formulaire.pdf"}},
    {"type": "location", "payload": {"coordinates": {"lat": 50.6412, "long": 5.5718}}},
], ids=["sticker", "image", "audio", "video", "file", "location"])
def test_attachments_get_a_polite_text_only_answer(server, graph, agent, attachment):
    sender = psid()
    event = messaging(sender, message={"mid": f"m_{next(_mids)}", "attachments": [attachment]})
    assert post_signed(server.url, page(event))[0] == 200
    graph.wait_for(lambda: graph.messages(sender), what="text-only answer")
    time.sleep(0.1)
    assert graph.messages(sender) == [{"text": TEXT_ONLY_NOTICE}]
    assert agent.texts(sender) == []


def test_echoes_deliveries_reads_and_reactions_are_ignored(server, graph, agent):
    sender = psid()
    events = [
        messaging(sender, message={"mid": "m_echo", "text": "Bonjour", "is_echo": True,
                                   "app_id": int(OUR_APP_ID)}),
        messaging(sender, message={"mid": "m_echo_img", "is_echo": True, "attachments": [
            {"type": "image", "payload": {"url": "https://x/y.png"}}]}),
        messaging(sender, delivery={"mids": ["m_echo"], "watermark": 1}),
        messaging(sender, read={"watermark": 1}),
        messaging(sender, reaction={"mid": "m_echo", "action": "react", "emoji": "👍"}),
    ]
    assert post_signed(server.url, page(*events))[:2] == (200, "EVENT_RECEIVED")
    time.sleep(0.3)
    assert agent.texts(sender) == [] and graph.for_recipient(sender) == []


def test_unknown_event_types_are_logged_and_acknowledged(server, graph, agent, logs):
    sender = psid()
    events = [messaging(sender, optin={"ref": "campagne"}),
              messaging(sender, game_play={"game_id": "1"})]
    assert post_signed(server.url, page(*events))[0] == 200
    time.sleep(0.2)
    assert "Messenger: unhandled event (optin)" in logs.text
    assert "Messenger: unhandled event (game_play)" in logs.text
    assert agent.texts(sender) == [] and graph.for_recipient(sender) == []


def test_non_page_objects_are_acknowledged_and_ignored(server, logs):
    assert post_signed(server.url, {"object": "instagram", "entry": []})[0] == 200
    assert "object 'instagram' is not 'page'" in logs.text


# --- 4. once only, answer fast -----------------------------------------------------------------

def test_redelivered_message_is_processed_once(server, graph, agent, logs):
    sender = psid()
    payload = page(text_event(sender, "Une seule fois", mid="m_redelivered"))
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda _: post_signed(server.url, payload)[0], range(4)))
    assert statuses == [200] * 4
    graph.wait_for_turn_end(sender)
    assert post_signed(server.url, payload)[0] == 200  # and later again
    time.sleep(0.3)
    assert agent.texts(sender) == ["Une seule fois"]
    assert graph.messages(sender) == [{"text": "Reçu : Une seule fois"}]
    assert "redelivery ignored" in logs.text


def test_webhook_answers_at_once_while_a_slow_turn_runs(server, graph, agent):
    sender = psid()
    status, _, elapsed = post_signed(server.url, page(postback_event(sender, "/slow")))
    assert status == 200 and elapsed < 0.5
    # Meanwhile other citizens are answered.
    other = psid()
    post_signed(server.url, page(text_event(other, "vite")))
    graph.wait_for_turn_end(other, timeout=2)
    assert graph.messages(sender) == []
    graph.wait_for_turn_end(sender, timeout=10)
    assert graph.messages(sender) == [{"text": "Réponse lente"}]


def test_a_failing_bot_turn_is_logged_and_the_next_message_works(server, graph, agent, logs):
    sender = psid()
    post_signed(server.url, page(postback_event(sender, "/boom"), text_event(sender, "encore")))
    graph.wait_for_turn_end(sender, count=2)
    assert "Messenger: the bot failed on postback" in logs.text
    assert graph.messages(sender) == [{"text": "Reçu : encore"}]


# --- 5. Graph API failures ---------------------------------------------------------------------

def test_graph_api_500_is_retried_and_logged(server, graph, logs):
    sender = psid()
    graph.fail(status=500, times=1, endpoint="me/messages", sender_actions=False)
    post_signed(server.url, page(text_event(sender, "malgré l'erreur")))
    graph.wait_for_turn_end(sender)
    sent = [r for r in graph.for_recipient(sender) if r.message]
    assert [r.answered for r in sent] == [500, 200]
    assert graph.messages(sender, answered_only=True) == [{"text": "Reçu : malgré l'erreur"}]
    assert f"Graph API send to {sender} failed (attempt 1/3): HTTP 500, code 2" in logs.text


def test_graph_api_always_failing_is_logged_and_nothing_crashes(server, graph, logs):
    sender, later = psid(), psid()
    graph.fail(status=500, times=3, endpoint="me/messages", sender_actions=False)
    post_signed(server.url, page(text_event(sender, "perdu")))
    graph.wait_for_turn_end(sender)
    assert f"Graph API send to {sender} failed (attempt 3/3)" in logs.text
    assert [r for r in logs.records if "attempt 3/3" in r.getMessage()][0].levelname == "ERROR"
    post_signed(server.url, page(text_event(later, "ensuite")))
    graph.wait_for_turn_end(later)
    assert graph.messages(later) == [{"text": "Reçu : ensuite"}]


def test_graph_api_4xx_is_not_retried(server, graph, logs):
    sender = psid()
    graph.fail(status=400, times=1, endpoint="me/messages", sender_actions=False)
    post_signed(server.url, page(text_event(sender, "refusé")))
    graph.wait_for_turn_end(sender)
    assert [r.answered for r in graph.for_recipient(sender) if r.message] == [400]
    assert "failed (attempt 1/3): HTTP 400, code 100" in logs.text


def test_graph_api_that_hangs_times_out_and_is_retried(server, graph, logs):
    sender = psid()
    graph.hang(seconds=4, times=1, endpoint="me/messages", sender_actions=False)
    status, _, elapsed = post_signed(server.url, page(text_event(sender, "patience")))
    assert status == 200 and elapsed < 0.5
    graph.wait_for_turn_end(sender, timeout=15)
    assert f"Graph API send to {sender} failed (attempt 1/3): no answer within 1.5s" in logs.text
    assert graph.messages(sender, answered_only=True)[-1] == {"text": "Reçu : patience"}


# --- 6. handoff to a person --------------------------------------------------------------------

def test_handover_to_the_page_inbox_and_back(server, graph, agent, logs):
    sender = psid()
    post_signed(server.url, page(postback_event(sender, "/human_handoff")))
    graph.wait_for(lambda: graph.calls("me/pass_thread_control"), what="pass_thread_control")
    time.sleep(0.2)
    calls = [r for r in graph.calls("me/pass_thread_control") if r.recipient == sender]
    assert [c.body for c in calls] == [{
        "recipient": {"id": sender}, "target_app_id": INBOX_APP_ID,
        "metadata": calls[0].body["metadata"]}]
    assert calls[0].path == "/v25.0/me/pass_thread_control"
    assert graph.messages(sender) == [{"text": "Un agent lira la conversation."}]
    # The text went out before the handover, and no typing_off after it.
    order = [r.endpoint if not r.sender_action else r.sender_action
             for r in graph.for_recipient(sender)]
    assert order == ["mark_seen", "typing_on", "me/messages", "me/pass_thread_control"]

    # While the inbox owns the thread, Facebook sends the citizen's messages as standby.
    before = len(graph.for_recipient(sender))
    standby = page(text_event(sender, "Allô, il y a quelqu'un ?"),
                   messaging(sender, postback={"title": "Parler à un agent"}), key="standby")
    assert post_signed(server.url, standby)[0] == 200
    # A tap on one of the bot's old buttons still comes to the bot, in `messaging`.
    assert post_signed(server.url, page(postback_event(sender, "/greet")))[0] == 200
    time.sleep(0.3)
    assert agent.texts(sender) == ["/human_handoff"]
    assert len(graph.for_recipient(sender)) == before
    assert f"postback from {sender} while app {INBOX_APP_ID} owns the thread" in logs.text

    # The agent marks the conversation done: the inbox passes the thread back to our app.
    back = messaging(sender, pass_thread_control={"previous_owner_app_id": INBOX_APP_ID,
                                                  "new_owner_app_id": OUR_APP_ID,
                                                  "metadata": ""})
    assert post_signed(server.url, page(back))[0] == 200
    post_signed(server.url, page(text_event(sender, "Merci")))
    graph.wait_for_turn_end(sender)
    assert agent.texts(sender) == ["/human_handoff", "Merci"]
    assert graph.messages(sender)[-1] == {"text": "Reçu : Merci"}
    assert f"thread of {sender} back to the bot" in logs.text


def test_inbox_taking_the_thread_silences_the_bot(server, graph, agent, channel):
    sender = psid()
    take = messaging(sender, take_thread_control={"previous_owner_app_id": OUR_APP_ID,
                                                  "new_owner_app_id": INBOX_APP_ID})
    assert post_signed(server.url, page(take))[0] == 200
    time.sleep(0.1)
    assert channel.threads.owned_by_other(sender)
    # Bot messages for that citizen (a reminder, say) are not sent meanwhile.
    output = channel.get_output_channel()
    future = asyncio.run_coroutine_threadsafe(
        output.send_response(sender, {"text": "rappel"}), server._loop)
    future.result(5)
    assert graph.messages(sender) == []
    # A message arriving in `messaging` means the bot owns the thread again.
    post_signed(server.url, page(text_event(sender, "re-bonjour")))
    graph.wait_for_turn_end(sender)
    assert graph.messages(sender) == [{"text": "Reçu : re-bonjour"}]


def test_handover_failure_keeps_the_bot_in_charge(server, graph, channel, logs):
    sender = psid()
    graph.fail(status=400, times=1, endpoint="me/pass_thread_control")
    post_signed(server.url, page(postback_event(sender, "/human_handoff")))
    graph.wait_for_turn_end(sender)
    assert f"handover of {sender} to app {INBOX_APP_ID} failed" in logs.text
    assert not channel.threads.owned_by_other(sender)


# --- channel off -------------------------------------------------------------------------------

def test_channel_without_secrets_answers_503(graph):
    off = MessengerInput(None, None, None, graph_api_url=graph.url)
    with ConnectorServer(off, ScriptedAgent()) as running:
        query = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": "",
                                        "hub.challenge": "1"})
        assert http("GET", f"{running.url}?{query}")[0] == 503
        assert post_signed(running.url, page(), secret="")[0] == 503


# --- turns on the server's loop, shutdown ------------------------------------------------------

def test_turns_can_run_on_the_server_loop(graph):
    channel = MessengerInput(VERIFY, SECRET, TOKEN, graph_api_url=graph.url,
                             turns_in_thread=False)
    assert channel.turn_loop is None
    with ConnectorServer(channel, ScriptedAgent()) as running:
        first, second = psid(), psid()
        post_signed(running.url, page(text_event(first, "a"), text_event(first, "b"),
                                      postback_event(second, "/greet")))
        graph.wait_for_turn_end(first, count=2)
        graph.wait_for_turn_end(second)
    assert graph.messages(first) == [{"text": "Reçu : a"}, {"text": "Reçu : b"}]
    assert len(graph.messages(second)[0]["quick_replies"]) == 4


def test_shutdown_lets_turns_in_progress_finish(graph):
    sender = psid()
    channel = MessengerInput(VERIFY, SECRET, TOKEN, graph_api_url=graph.url)
    with ConnectorServer(channel, ScriptedAgent()) as running:
        assert post_signed(running.url, page(postback_event(sender, "/slow")))[0] == 200
        time.sleep(0.2)
    # The server stopped only after the slow turn was answered.
    assert graph.messages(sender) == [{"text": "Réponse lente"}]
    assert not channel.turn_loop.running
