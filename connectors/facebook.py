"""Facebook Messenger channel for the City of Liège assistant.

Replaces rasa 3.6's built-in ``facebook`` channel (same name, same URL
``/webhooks/facebook/webhook``), fixing what makes it unfit for a city page:

- webhook verification checks ``hub.mode`` and the verify token, else 403;
- POSTs need a valid ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with the app secret,
  constant-time comparison), else 403 and nothing is processed;
- every entry and every event of a batch is handled: texts, quick replies and postbacks go to
  the bot; stickers, images, audio, video, files and locations get a French "text only" answer;
  echoes, deliveries, reads and reactions are ignored; ``standby`` events are accepted;
- a message redelivered by Facebook (same ``mid``) is handled once;
- texts and payloads are bounded before the NLU, with a French notice when a text is cut, and
  bodies over ``MAX_REQUEST_BYTES`` are refused (connectors/inbound.py);
- the webhook answers 200 as soon as the events are queued; turns run in the background, one
  at a time per citizen (in order) and concurrently across citizens;
- replies go through a non-blocking Graph API client (connectors/graph_api.py) with timeouts,
  retries and logged errors, a configurable Graph API base URL and version; a typing indicator
  shows while the bot works; texts and buttons are fitted to Messenger's limits
  (connectors/messenger_format.py);
- handoff to a person: a bot message ``{"custom": {"handover": {"target": "page_inbox"}}}``
  (sent by ``action_human_handoff``) passes the thread to the Page Inbox
  (``pass_thread_control``); while another app owns the thread (``standby`` events, and taps
  on the bot's old buttons) the bot stays silent; when the thread comes back
  (``pass_thread_control`` to us, ``take_thread_control`` by us, or a message arriving in
  ``messaging`` again) the bot answers again.

The bot's turns run on a dedicated thread with its own event loop (``TurnLoop``): rasa's NLU
and policies hold the loop they run on, and the webhook must keep answering in milliseconds.
Once-only ids, the per-citizen turn runner, the turn loop and the webhook's routes and shutdown
are shared with the X channel (connectors/once_only.py, connectors/turns.py,
connectors/webhook_channel.py), and so is the HTTP client under the Graph API client
(connectors/http_client.py).

State shared by the rasa processes (connectors/shared_state.py: LOCK_STORE_URL's SQLite file
or Redis; an event and its redelivery may reach different workers or servers): the recent
``mid``s (de-duplication, 24 h) and who owns each thread. Thread ownership is also derived
from Facebook's events (a message arriving in ``messaging`` means the bot owns the thread; in
``standby``, another app does).

Settings (credentials.yml section ``connectors.facebook.MessengerInput``, or environment):

==================== ======================== ===========================================
credentials key      environment variable     meaning
==================== ======================== ===========================================
verify               FB_VERIFY_TOKEN          webhook verify token (chosen by you)
secret               FB_APP_SECRET            app secret: signatures, appsecret_proof
page-access-token    FB_PAGE_ACCESS_TOKEN     page access token for the Send API
graph-api-url        FB_GRAPH_API_URL         default https://graph.facebook.com
graph-api-version    FB_GRAPH_API_VERSION     default v25.0
inbox-app-id         FB_INBOX_APP_ID          default 263902037430900 (Page Inbox)
app-id               FB_APP_ID                our app id (optional, to read handovers)
==================== ======================== ===========================================

Tuning, environment only: FB_GRAPH_TIMEOUT (seconds per Graph API call, default 10),
FB_GRAPH_RETRIES (retries on 5xx/429/timeouts, default 2), FB_MAX_CONCURRENT_TURNS (default
16), FB_TURNS_IN_THREAD (default 1; 0 runs the turns on the server's loop).

Values of the form ``${VAR}`` are expanded from the environment here, because rasa leaves
quoted ``"${VAR}"`` values as they are. Without the three secrets the channel stays off: it
says so in one log line and its webhook answers 503.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import messenger_format as fmt
from connectors import shared_state
from connectors.log_privacy import is_name, log_failure, shown_name
from connectors.credentials import expand_env  # noqa: F401 (fb.expand_env in tests)
from connectors.graph_api import (
    DEFAULT_GRAPH_API_URL,
    PAGE_INBOX_APP_ID,
    GraphAPIClient,
    normalize_version,
)
from connectors.once_only import RecentIds
from connectors.shared_state import MemoryValues
from connectors.turns import SerialRunner, TurnLoop
from connectors.webhook_channel import WebhookChannel, read_settings

logger = logging.getLogger(__name__)

CHANNEL_NAME = "facebook"
SIGNATURE_HEADER = "X-Hub-Signature-256"

# Messenger-only: other channels carry text only, so the domain needs no such response.
TEXT_ONLY_NOTICE = ("Je ne sais lire que du texte pour l'instant. "
                    "Pouvez-vous écrire votre question en quelques mots ?")
HANDOVER_METADATA = ("Demande de l'usager : parler à un agent. "
                     "Conversation transmise par l'assistant automatique.")

REQUIRED_SETTINGS = (("verify", "FB_VERIFY_TOKEN"), ("secret", "FB_APP_SECRET"),
                     ("page-access-token", "FB_PAGE_ACCESS_TOKEN"))
OPTIONAL_SETTINGS = {
    "graph-api-url": ("FB_GRAPH_API_URL", DEFAULT_GRAPH_API_URL),
    "graph-api-version": ("FB_GRAPH_API_VERSION", None),
    "inbox-app-id": ("FB_INBOX_APP_ID", PAGE_INBOX_APP_ID),
    "app-id": ("FB_APP_ID", ""),
}

TYPING_REFRESH_SECONDS = 15.0  # Messenger drops the indicator after about 20 s


# --- signatures ------------------------------------------------------------------------------

def signature_for(app_secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 header value Meta sends for ``body``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def valid_signature(app_secret: Optional[str], body: bytes, header: Optional[str]) -> bool:
    """True when ``header`` is ``sha256=<hex HMAC-SHA256 of body>`` (constant-time)."""
    if not app_secret or not header:
        return False
    expected = signature_for(app_secret, body)
    return hmac.compare_digest(expected.encode(), header.strip().lower().encode())


# --- webhook events --------------------------------------------------------------------------

MESSAGE_KINDS = {"text", "quick_reply", "postback", "attachment"}
IGNORED_KINDS = {"echo", "delivery", "read", "reaction"}
HANDOVER_KINDS = {"pass_thread_control", "take_thread_control", "request_thread_control",
                  "app_roles"}


@dataclass
class MessengerEvent:
    """One event of a webhook call, reduced to what the channel needs."""

    kind: str  # text, quick_reply, postback, attachment, echo, delivery, read, reaction,
    #            pass_thread_control, take_thread_control, request_thread_control, app_roles,
    #            unknown
    psid: str
    page_id: str = ""
    timestamp: Optional[int] = None
    standby: bool = False
    text: Optional[str] = None  # what goes to the bot (text or payload)
    mid: Optional[str] = None
    attachment_types: List[str] = field(default_factory=list)
    new_owner_app_id: Optional[str] = None
    previous_owner_app_id: Optional[str] = None
    detail: str = ""  # the unknown event's keys, the postback's title…

    @property
    def dedupe_key(self) -> Optional[str]:
        if self.mid:
            return self.mid
        if self.kind in MESSAGE_KINDS:  # the text's digest: the key is stored for 24 h
            digest = hashlib.sha256((self.text or "").encode()).hexdigest()[:32]
            return f"{self.kind}:{self.psid}:{self.timestamp}:{digest}"
        return None

    def metadata(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {"mid": self.mid, "page_id": self.page_id,
                                "timestamp": self.timestamp, "kind": self.kind}
        if self.kind == "postback" and self.detail:
            data["title"] = self.detail
        return {"facebook": data}


def _key_names(keys: Iterable[Any]) -> str:
    """An unknown event's keys for the log: the names of Meta's fields, sorted, and how many
    others (a key that is not a field name could be anything: it is not shown)."""
    names = [str(key) for key in keys]
    fields = sorted(name for name in names if is_name(name))
    others = len(names) - len(fields)
    return ",".join(fields + ([f"{others} other key(s)"] if others else []))


def _attachment_types(message: Dict[str, Any]) -> List[str]:
    types = []
    for attachment in message.get("attachments") or []:
        if not isinstance(attachment, dict):
            continue
        payload = attachment.get("payload") or {}
        if isinstance(payload, dict) and payload.get("sticker_id"):
            types.append("sticker")
        else:
            types.append(str(attachment.get("type") or "unknown"))
    return types


def parse_messaging_event(event: Dict[str, Any], page_id: str = "",
                          standby: bool = False) -> Optional[MessengerEvent]:
    """One element of ``entry[].messaging`` (or ``entry[].standby``), or None if unusable."""
    if not isinstance(event, dict):
        return None
    sender = event.get("sender") or {}
    psid = str(sender.get("id") or "") if isinstance(sender, dict) else ""
    if not psid:
        return None
    base = dict(psid=psid, page_id=page_id, timestamp=event.get("timestamp"), standby=standby)

    message = event.get("message")
    if isinstance(message, dict):
        mid = message.get("mid")
        if message.get("is_echo"):
            return MessengerEvent("echo", mid=mid, **base)
        quick = message.get("quick_reply")
        if isinstance(quick, dict) and quick.get("payload"):
            return MessengerEvent("quick_reply", text=str(quick["payload"]), mid=mid, **base)
        text = message.get("text")
        if isinstance(text, str) and text.strip():
            return MessengerEvent("text", text=text, mid=mid, **base)
        types = _attachment_types(message)
        if types:
            return MessengerEvent("attachment", mid=mid, attachment_types=types, **base)
        return MessengerEvent("unknown", mid=mid, detail="message:" + _key_names(message),
                              **base)

    postback = event.get("postback")
    if isinstance(postback, dict):
        payload = postback.get("payload")
        if payload:
            return MessengerEvent("postback", text=str(payload), mid=postback.get("mid"),
                                  detail=str(postback.get("title") or ""), **base)
        # Postbacks in standby come without their payload.
        return MessengerEvent("unknown", mid=postback.get("mid"), detail="postback", **base)

    for kind in ("pass_thread_control", "take_thread_control"):
        control = event.get(kind)
        if isinstance(control, dict):
            new_owner = control.get("new_owner_app_id")
            previous = control.get("previous_owner_app_id")
            return MessengerEvent(kind, new_owner_app_id=None if new_owner is None
                                  else str(new_owner),
                                  previous_owner_app_id=None if previous is None
                                  else str(previous),
                                  detail=str(control.get("metadata") or ""), **base)
    if isinstance(event.get("request_thread_control"), dict):
        control = event["request_thread_control"]
        return MessengerEvent("request_thread_control",
                              detail=str(control.get("requested_owner_app_id") or ""), **base)
    if "app_roles" in event:
        return MessengerEvent("app_roles", **base)
    for kind in ("delivery", "read", "reaction"):
        if kind in event:
            return MessengerEvent(kind, **base)
    keys = [k for k in event if k not in ("sender", "recipient", "timestamp")]
    return MessengerEvent("unknown", detail=_key_names(keys) or "empty", **base)


def parse_webhook(payload: Any) -> List[MessengerEvent]:
    """Every usable event of every entry of a webhook call, in order.

    Parts that are not shaped like Meta's are skipped with a warning; they never raise.
    """
    if not isinstance(payload, dict):
        logger.warning("Messenger webhook: body is %s, not a JSON object: ignored",
                       type(payload).__name__)
        return []
    if payload.get("object") != "page":
        logger.warning("Messenger webhook: object %s is not 'page': ignored",
                       shown_name(payload.get("object")))
        return []
    entries = payload.get("entry")
    if not isinstance(entries, list):
        logger.warning("Messenger webhook: no 'entry' list: ignored")
        return []
    events: List[MessengerEvent] = []
    for entry in entries:
        if not isinstance(entry, dict):
            logger.warning("Messenger webhook: entry is not an object: skipped")
            continue
        page_id = str(entry.get("id") or "")
        for key, standby in (("messaging", False), ("standby", True)):
            items = entry.get(key)
            if items is None:
                continue
            if not isinstance(items, list):
                logger.warning("Messenger webhook: entry.%s is not a list: skipped", key)
                continue
            for item in items:
                event = parse_messaging_event(item, page_id, standby)
                if event is None:
                    logger.warning("Messenger webhook: %s event without a sender id: skipped",
                                   key)
                else:
                    events.append(event)
        if "changes" in entry and "messaging" not in entry and "standby" not in entry:
            logger.warning("Messenger webhook: entry with 'changes' (not a Messenger field): "
                           "ignored")
    return events


# --- shared state -------------------------------------------------------------------------------

class ThreadOwners:
    """Which threads another app (the Page Inbox) owns; the bot owns all the others.

    ``values``: shared by the rasa processes (connectors/shared_state.py); without it, this
    process's memory. An owner is kept until the thread comes back to the bot."""

    def __init__(self, values: Any = None) -> None:
        self.values = values if values is not None else MemoryValues()

    def owned_by_other(self, psid: str) -> bool:
        return self.owner(psid) is not None

    def owner(self, psid: str) -> Optional[str]:
        return self.values.get(f"messenger:thread:{psid}")

    def give(self, psid: str, app_id: str, reason: str) -> None:
        changed = self.owner(psid) != app_id
        self.values.set(f"messenger:thread:{psid}", app_id, None)
        if changed:
            logger.info("Messenger: thread of %s now owned by app %s (%s): the bot stays silent",
                        psid, app_id, reason)

    def back_to_bot(self, psid: str, reason: str) -> None:
        if self.values.delete(f"messenger:thread:{psid}"):
            logger.info("Messenger: thread of %s back to the bot (%s): the bot answers again",
                        psid, reason)


# --- output ----------------------------------------------------------------------------------

class MessengerOutput(OutputChannel):
    """Sends the bot's messages to one citizen through the Graph API, in order.

    One instance per turn: ``begin`` shows the message as seen and the typing indicator
    (while the bot works, refreshed every 15 s), ``end`` hides it.
    """

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    def __init__(self, client: GraphAPIClient, threads: ThreadOwners,
                 inbox_app_id: str = PAGE_INBOX_APP_ID, links_as_buttons: bool = True) -> None:
        super().__init__()
        self.client = client
        self.threads = threads
        self.inbox_app_id = inbox_app_id
        self.links_as_buttons = links_as_buttons
        self.handed_over = False
        self.sent = 0
        self._lock = asyncio.Lock()
        self._preamble: Optional[asyncio.Task] = None
        self._typing: Optional[asyncio.Task] = None

    # -- turn lifecycle ---------------------------------------------------------------------

    def begin(self, psid: str) -> None:
        loop = asyncio.get_running_loop()
        self._preamble = loop.create_task(self._start_typing(psid))
        self._typing = loop.create_task(self._keep_typing(psid))

    async def _start_typing(self, psid: str) -> None:
        async with self._lock:
            await self.client.sender_action(psid, "mark_seen")
            await self.client.sender_action(psid, "typing_on")

    async def _keep_typing(self, psid: str) -> None:
        while True:
            await asyncio.sleep(TYPING_REFRESH_SECONDS)
            if self.handed_over or self.threads.owned_by_other(psid):
                return
            async with self._lock:
                await self.client.sender_action(psid, "typing_on")

    async def end(self, psid: str) -> None:
        if self._typing is not None:
            self._typing.cancel()
        if self._preamble is not None:
            await asyncio.gather(self._preamble, return_exceptions=True)
        if self.handed_over or self.threads.owned_by_other(psid):
            return
        async with self._lock:
            await self.client.sender_action(psid, "typing_off")

    # -- sending ----------------------------------------------------------------------------

    async def _send_all(self, psid: str, messages: Iterable[Dict[str, Any]]) -> None:
        if self._preamble is not None and not self._preamble.done():
            await asyncio.gather(self._preamble, return_exceptions=True)
        async with self._lock:
            for message in messages:
                if self.threads.owned_by_other(psid):
                    logger.info("Messenger: thread of %s owned by app %s: bot message not sent",
                                psid, self.threads.owner(psid))
                    return
                result = await self.client.send_message(psid, message)
                if result.ok:
                    self.sent += 1

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send_all(recipient_id,
                             fmt.plain_text_messages(text or "", self.links_as_buttons))

    async def send_text_with_buttons(self, recipient_id: Text, text: Text,
                                     buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        await self._send_all(recipient_id, fmt.messages_with_buttons(
            text or "", buttons, self.links_as_buttons))

    async def send_quick_replies(self, recipient_id: Text, text: Text,
                                 quick_replies: List[Dict[Text, Any]], **kwargs: Any) -> None:
        await self._send_all(recipient_id,
                             fmt.messages_with_quick_replies(text or "", quick_replies))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._send_all(recipient_id, [fmt.image_message(image)])

    async def send_attachment(self, recipient_id: Text, attachment: Any, **kwargs: Any) -> None:
        if isinstance(attachment, dict) and attachment.get("type"):
            await self._send_all(recipient_id, [{"attachment": attachment}])
        else:
            await self.send_text_message(recipient_id, str(attachment))

    async def send_elements(self, recipient_id: Text, elements: Iterable[Dict[Text, Any]],
                            **kwargs: Any) -> None:
        await self._send_all(recipient_id, [fmt.generic_template(elements)])

    async def send_custom_json(self, recipient_id: Text, json_message: Any,
                               **kwargs: Any) -> None:
        if isinstance(json_message, dict) and "handover" in json_message:
            await self.hand_over(recipient_id, json_message.get("handover"))
        else:
            logger.debug("Messenger: custom payload ignored (only 'handover' is understood): "
                         "%.200s", json.dumps(json_message, ensure_ascii=False, default=str))

    async def hand_over(self, psid: str, spec: Any) -> bool:
        """Pass the thread to the Page Inbox (or the app id given as ``target``)."""
        spec = spec if isinstance(spec, dict) else {}
        target = str(spec.get("target") or "page_inbox")
        app_id = self.inbox_app_id if target == "page_inbox" else target
        if not app_id.isdigit():
            logger.error("Messenger: handover target %r is not 'page_inbox' nor an app id: "
                         "the conversation stays with the bot", target)
            return False
        metadata = str(spec.get("metadata") or HANDOVER_METADATA)
        if self._preamble is not None and not self._preamble.done():
            await asyncio.gather(self._preamble, return_exceptions=True)
        async with self._lock:
            result = await self.client.pass_thread_control(psid, app_id, metadata)
        if not result.ok:
            logger.error("Messenger: handover of %s to app %s failed: the conversation stays "
                         "with the bot", psid, app_id)
            return False
        self.handed_over = True
        self.threads.give(psid, app_id, "pass_thread_control by the bot")
        return True

    async def send_text_only_notice(self, psid: str) -> None:
        await self._send_all(psid, [{"text": TEXT_ONLY_NOTICE}])


# --- input -----------------------------------------------------------------------------------

class MessengerInput(WebhookChannel, FacebookInput):
    """The ``facebook`` input channel: webhook at ``/webhooks/facebook/webhook``."""

    channel_name = CHANNEL_NAME
    log_label = "Messenger"
    log = logger

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        values, options = read_settings(credentials, REQUIRED_SETTINGS, OPTIONAL_SETTINGS,
                                        logger, "Facebook Messenger")
        return cls(values["verify"], values["secret"], values["page-access-token"],
                   graph_api_url=options["graph-api-url"],
                   graph_api_version=options["graph-api-version"],
                   inbox_app_id=options["inbox-app-id"], app_id=options["app-id"])

    def __init__(self, fb_verify: Optional[Text], fb_secret: Optional[Text],
                 fb_access_token: Optional[Text], graph_api_url: Optional[str] = None,
                 graph_api_version: Optional[str] = None,
                 inbox_app_id: Optional[str] = None, app_id: Optional[str] = None,
                 max_concurrent_turns: Optional[int] = None,
                 shutdown_grace: float = 10.0,
                 turns_in_thread: Optional[bool] = None) -> None:
        super().__init__(fb_verify, fb_secret, fb_access_token)
        self.enabled = bool(fb_verify and fb_secret and fb_access_token)
        self.graph_api_url = (graph_api_url or os.environ.get("FB_GRAPH_API_URL")
                              or DEFAULT_GRAPH_API_URL)
        self.graph_api_version = normalize_version(
            graph_api_version or os.environ.get("FB_GRAPH_API_VERSION"))
        self.inbox_app_id = str(inbox_app_id or PAGE_INBOX_APP_ID)
        self.app_id = str(app_id or "")
        self.client = GraphAPIClient(fb_access_token or "", app_secret=fb_secret,
                                     base_url=self.graph_api_url,
                                     version=self.graph_api_version)
        shared = shared_state.for_channels()  # what every rasa process of the city sees
        self.seen = RecentIds(values=shared, namespace="messenger:seen:")
        self.threads = ThreadOwners(values=shared)
        if max_concurrent_turns is None:
            max_concurrent_turns = int(os.environ.get("FB_MAX_CONCURRENT_TURNS", "16") or 16)
        self.runner = SerialRunner(max_concurrent_turns, label="Messenger")
        self.shutdown_grace = shutdown_grace
        if turns_in_thread is None:
            turns_in_thread = os.environ.get("FB_TURNS_IN_THREAD", "1").strip() not in (
                "0", "false", "no", "off")
        self.turn_loop: Optional[TurnLoop] = TurnLoop() if turns_in_thread else None
        if self.enabled:
            logger.info("Facebook Messenger: on (Graph API %s/%s)", self.graph_api_url,
                        self.graph_api_version)

    # -- rasa hooks -------------------------------------------------------------------------

    def get_output_channel(self) -> OutputChannel:
        return MessengerOutput(self.client, self.threads, self.inbox_app_id)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return self.webhook_blueprint("fb_webhook", __name__, on_new_message,
                                      self.verify_webhook, "token_verification")

    # -- HTTP handlers ----------------------------------------------------------------------

    def verify_webhook(self, request: Request) -> HTTPResponse:
        if not self.enabled:
            logger.warning("Messenger webhook verification refused: the channel is off (503)")
            return response.text("Messenger channel is off", status=503)
        mode = request.args.get("hub.mode")
        token = request.args.get("hub.verify_token") or ""
        challenge = request.args.get("hub.challenge") or ""
        if mode == "subscribe" and hmac.compare_digest(token.encode(), self.fb_verify.encode()):
            logger.info("Messenger webhook verified by Facebook")
            return response.text(challenge)
        logger.warning("Messenger webhook verification refused (403): hub.mode=%s, verify token "
                       "%s", shown_name(mode), "wrong" if token else "missing")
        return response.text("forbidden", status=403)

    def receive(self, request: Request,
                on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        if not self.enabled:
            logger.warning("Messenger webhook call refused: the channel is off (503)")
            return response.text("Messenger channel is off", status=503)
        body = request.body or b""
        header = request.headers.get(SIGNATURE_HEADER)
        if not valid_signature(self.fb_secret, body, header):
            logger.warning("Messenger webhook call refused (403, nothing processed): %s %s from "
                           "%s", "invalid" if header else "missing", SIGNATURE_HEADER,
                           request.ip)
            return response.text("invalid signature", status=403)
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as error:
            # the type only: a decoding error's message may quote the body
            logger.warning("Messenger webhook call refused (400): body is not valid JSON (%s, "
                           "%d bytes)", type(error).__name__, len(body))
            return response.text("invalid JSON", status=400)
        for event in parse_webhook(payload):
            self.dispatch(event, on_new_message)
        return response.text("EVENT_RECEIVED")

    # -- events -----------------------------------------------------------------------------

    def _is_our_app(self, app_id: Optional[str], default: bool) -> bool:
        if self.app_id:
            return app_id == self.app_id
        if app_id == self.inbox_app_id:
            return False
        return default

    def dispatch(self, event: MessengerEvent,
                 on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        psid = event.psid
        if event.standby:
            # Another app (the Page Inbox) owns the thread: accept, stay silent.
            self.threads.give(psid, self.threads.owner(psid) or self.inbox_app_id,
                              f"standby {event.kind}")
            logger.debug("Messenger: standby %s from %s ignored", event.kind, psid)
            return
        if event.kind in IGNORED_KINDS:
            logger.debug("Messenger: %s from %s ignored", event.kind, psid)
            return
        if event.kind == "pass_thread_control":
            if self._is_our_app(event.new_owner_app_id, default=True):
                self.threads.back_to_bot(psid, f"passed by app {event.previous_owner_app_id}")
            else:
                self.threads.give(psid, event.new_owner_app_id or "?", "pass_thread_control")
            return
        if event.kind == "take_thread_control":
            if self._is_our_app(event.new_owner_app_id, default=False):
                self.threads.back_to_bot(psid, "take_thread_control by the bot")
            else:
                self.threads.give(psid, event.new_owner_app_id or "?", "take_thread_control")
            return
        if event.kind == "request_thread_control":
            logger.info("Messenger: app %s requests the thread of %s: not passed automatically",
                        event.detail if event.detail.isdigit() else "?", psid)
            return
        if event.kind == "app_roles":
            logger.info("Messenger: app roles changed for the page")
            return
        if event.kind not in MESSAGE_KINDS:
            logger.warning("Messenger: unhandled event (%s) from %s: ignored",
                           event.detail or event.kind, psid)
            return
        if not self.seen.first_time(event.dedupe_key):
            # without a mid, the key holds the text: not logged
            logger.info("Messenger: %s %s from %s already received: redelivery ignored",
                        event.kind, event.mid or "without mid", psid)
            return
        if event.kind == "postback" and self.threads.owned_by_other(psid):
            # Meta sends a tap on one of the bot's old buttons to the bot even while another
            # app owns the thread (the standby copy has no payload): stay silent.
            logger.info("Messenger: postback from %s while app %s owns the thread: ignored",
                        psid, self.threads.owner(psid))
            return
        # A message in `messaging` (not `standby`) means the bot owns the thread.
        self.threads.back_to_bot(psid, f"{event.kind} received in messaging")
        self.submit_turn(psid, lambda: self.handle_turn(event, on_new_message))

    async def handle_turn(self, event: MessengerEvent,
                          on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        psid = event.psid
        out = MessengerOutput(self.client, self.threads, self.inbox_app_id)
        if event.kind == "attachment":
            logger.info("Messenger: %s from %s: answered that the assistant reads text only",
                        "+".join(event.attachment_types), psid)
            await self.client.sender_action(psid, "mark_seen")
            await out.send_text_only_notice(psid)
            return
        out.begin(psid)
        started = time.monotonic()
        try:
            await on_new_message(UserMessage(
                event.text, out, psid, input_channel=CHANNEL_NAME,
                message_id=event.mid, metadata=event.metadata()))
        except Exception as error:
            log_failure(logger, error, "Messenger: the bot failed on %s %s from %s", event.kind,
                        event.mid, psid)
        finally:
            await out.end(psid)
        logger.debug("Messenger: turn %s of %s done in %.0f ms, %d message(s) sent",
                     event.mid, psid, 1000 * (time.monotonic() - started), out.sent)
