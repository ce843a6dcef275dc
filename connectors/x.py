"""X (Twitter) Direct Message channel for the City of Liège assistant.

rasa 3.6 ships no X channel. This one (``connectors.x.XInput`` in credentials.yml, name ``x``,
webhook ``/webhooks/x/webhook``) answers the DMs citizens send to the city's X account with the
same bot as the other channels:

- ``GET ?crc_token=`` answers X's CRC challenge, only for tokens of a safe pattern (else 400);
  ``POST`` needs a valid ``x-twitter-webhooks-signature`` (missing: 401, wrong: 403, nothing
  processed) and JSON within bounds (else 400); X gets its 200 at once and the turns run in
  the background, one at a time per citizen (connectors/x_webhook.py, connectors/turns.py,
  connectors/webhook_channel.py);
- both delivery shapes (Account Activity and X Activity API); every DM event handled once,
  keyed by its id (connectors/once_only.py); tweets, likes, typing, read and other events are
  acknowledged and ignored; a DM with only a photo, video or GIF gets a French "text only"
  answer;
- the bot's own DMs come back as events: those whose ids the send API returned are ignored.
  A DM from the city's account that the bot did not send is a person of the city answering by
  hand in the X app: the bot stays silent with that citizen for ``X_HUMAN_PAUSE_MINUTES``
  (default 120, counted from the person's last DM), then answers again;
- a turn's messages go out as one DM (connectors/x_format.py) through X API v2 signed with
  OAuth 1.0a (connectors/x_api.py); buttons become a numbered list, and the citizen's "2" or
  the option's title runs that button's payload (kept per citizen for
  ``X_CHOICES_MINUTES``, default 30, or until the next numbered list);
- ``human_handoff``: the action (actions/conversation_actions.py) gives the city's contact
  details and says a person of the city may answer here in office hours; when one does, the
  pause above applies.

Settings, from the environment only (credentials.yml names them as ``${VAR}``):

===================== ======================= ============================================
credentials key       environment variable    meaning
===================== ======================= ============================================
consumer-key          X_CONSUMER_KEY          the app's API key
consumer-secret       X_CONSUMER_SECRET       the app's API key secret: CRC, signatures
access-token          X_ACCESS_TOKEN          the city account's access token (OAuth 1.0a)
access-token-secret   X_ACCESS_TOKEN_SECRET   and its secret
bot-user-id           X_BOT_USER_ID           the city account's numeric user id
api-url               X_API_URL               default https://api.x.com
app-id                X_APP_ID                optional: DMs sent by this app id are the bot's
===================== ======================= ============================================

Tuning, environment only: X_HUMAN_PAUSE_MINUTES (120), X_CHOICES_MINUTES (30), X_API_TIMEOUT
(10 s), X_API_RETRIES (2), X_RATE_LIMIT_MAX_WAIT (60 s), X_MAX_CONCURRENT_TURNS (16),
X_TURNS_IN_THREAD (1; 0 runs the turns on the server's loop), X_GIL_SWITCH_INTERVAL (0.001 s).
Without the five secrets the channel stays off: it says so in one log line and its webhook
answers 503.

State shared by the rasa processes (connectors/shared_state.py: LOCK_STORE_URL's SQLite file
or Redis): recent DM event ids, the ids of the bot's own DMs, the pauses and the numbered
choices, each with its lifetime; a DM and its echo may reach different workers or servers.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import shared_state
from connectors.buttons import Choice, match_reply
from connectors.log_privacy import log_failure
from connectors.message_bounds import json_depth
from connectors.once_only import RecentIds
from connectors.shared_state import MemoryValues
from connectors.turns import SerialRunner, TurnLoop
from connectors.webhook_channel import WebhookChannel, read_settings
from connectors.x_api import DEFAULT_X_API_URL, XAPIClient
from connectors.x_format import TurnText
from connectors.x_webhook import (
    MAX_JSON_DEPTH,
    SIGNATURE_HEADER,
    XMessage,
    crc_response,
    parse_delivery,
    valid_crc_token,
    valid_signature,
)

logger = logging.getLogger(__name__)

CHANNEL_NAME = "x"

TEXT_ONLY_NOTICE = ("Merci pour votre message ! Je ne sais lire que du texte : je ne vois pas "
                    "les photos, vidéos ni GIF. Pouvez-vous écrire votre question en quelques "
                    "mots ?")

REQUIRED_SETTINGS = (("consumer-key", "X_CONSUMER_KEY"),
                     ("consumer-secret", "X_CONSUMER_SECRET"),
                     ("access-token", "X_ACCESS_TOKEN"),
                     ("access-token-secret", "X_ACCESS_TOKEN_SECRET"),
                     ("bot-user-id", "X_BOT_USER_ID"))
OPTIONAL_SETTINGS = {"api-url": ("X_API_URL", DEFAULT_X_API_URL), "app-id": ("X_APP_ID", "")}


def _env_number(name: str, default: float, low: float, high: float) -> float:
    try:
        value = float(os.environ.get(name, "") or default)
    except ValueError:
        logger.warning("%s=%r is not a number: using %s", name, os.environ.get(name), default)
        return default
    return min(max(value, low), high)


# --- per-citizen state -----------------------------------------------------------------------

class HumanPause:
    """The citizens a person of the city is talking with: the bot stays silent until then.

    ``values``: shared by the rasa processes (connectors/shared_state.py), with the machine's
    clock; without it, this process's memory on ``clock``."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 max_size: int = 50_000, values: Any = None) -> None:
        self.clock = time.time if values is not None else clock
        self.values = values if values is not None else MemoryValues(max_size, clock)

    def pause(self, citizen: str, seconds: float) -> None:
        self.values.set(f"x:pause:{citizen}", repr(self.clock() + seconds), seconds)

    def remaining(self, citizen: str) -> float:
        """Seconds left of the citizen's pause, 0 when the bot may answer."""
        until = self.values.get(f"x:pause:{citizen}")
        return max(0.0, float(until) - self.clock()) if until else 0.0


class ChoiceMemory:
    """The numbered choices last sent to each citizen, for ``ttl`` seconds (``values`` as for
    ``HumanPause``)."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic,
                 max_size: int = 50_000, values: Any = None) -> None:
        self.ttl = ttl
        self.values = values if values is not None else MemoryValues(max_size, clock)

    def remember(self, citizen: str, choices: List[Choice]) -> None:
        self.values.set(f"x:choices:{citizen}",
                        json.dumps([dataclasses.asdict(choice) for choice in choices]), self.ttl)

    def forget(self, citizen: str) -> None:
        self.values.delete(f"x:choices:{citizen}")

    def get(self, citizen: str) -> List[Choice]:
        stored = self.values.get(f"x:choices:{citizen}")
        return [Choice(**fields) for fields in json.loads(stored)] if stored else []


# --- output ----------------------------------------------------------------------------------

class XOutput(OutputChannel):
    """Gathers the bot's messages of a turn and sends them as one DM at ``flush``.

    With ``collect=False`` (rasa's HTTP API: trigger_intent, reminders) each message is sent at
    once, as its own DM.
    """

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    def __init__(self, channel: "XInput", collect: bool = True) -> None:
        super().__init__()
        self.channel = channel
        self.collect = collect
        self.turn = TurnText()
        self.sent = 0

    async def _added(self, recipient_id: Text) -> None:
        if not self.collect:
            await self.flush(recipient_id)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        self.turn.add_text(text)
        await self._added(recipient_id)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text,
                                     buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        self.turn.add_buttons(text, buttons)
        await self._added(recipient_id)

    async def send_quick_replies(self, recipient_id: Text, text: Text,
                                 quick_replies: List[Dict[Text, Any]], **kwargs: Any) -> None:
        self.turn.add_buttons(text, quick_replies)
        await self._added(recipient_id)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        self.turn.add_text(str(image))
        await self._added(recipient_id)

    async def send_attachment(self, recipient_id: Text, attachment: Any, **kwargs: Any) -> None:
        if isinstance(attachment, dict):
            payload = attachment.get("payload")
            url = payload.get("url") or payload.get("src") if isinstance(payload, dict) else None
            if url:
                self.turn.add_text(str(url))
        elif attachment:
            self.turn.add_text(str(attachment))
        await self._added(recipient_id)

    async def send_elements(self, recipient_id: Text, elements: Iterable[Dict[Text, Any]],
                            **kwargs: Any) -> None:
        self.turn.add_elements(elements)
        await self._added(recipient_id)

    async def send_custom_json(self, recipient_id: Text, json_message: Any,
                               **kwargs: Any) -> None:
        logger.debug("X: custom payload not sent (X DMs carry text only)")

    async def flush(self, recipient_id: Text) -> None:
        """Send what the turn gathered (one DM, split only past X's text limit)."""
        turn, self.turn = self.turn, TurnText()
        pieces = turn.render()
        if not pieces:
            return
        await self.channel.send_dm(recipient_id, pieces, turn.choices, self)


# --- input -----------------------------------------------------------------------------------

class XInput(WebhookChannel, InputChannel):
    """The ``x`` input channel: webhook at ``/webhooks/x/webhook``."""

    channel_name = CHANNEL_NAME
    log_label = "X"
    log = logger

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        values, options = read_settings(credentials, REQUIRED_SETTINGS, OPTIONAL_SETTINGS,
                                        logger, "X (Twitter) DMs")
        return cls(values["consumer-key"], values["consumer-secret"], values["access-token"],
                   values["access-token-secret"], values["bot-user-id"],
                   api_url=options["api-url"], app_id=options["app-id"])

    def __init__(self, consumer_key: Optional[str], consumer_secret: Optional[str],
                 access_token: Optional[str], access_token_secret: Optional[str],
                 bot_user_id: Optional[str], api_url: Optional[str] = None,
                 app_id: Optional[str] = None, human_pause_minutes: Optional[float] = None,
                 choices_minutes: Optional[float] = None,
                 max_concurrent_turns: Optional[int] = None,
                 turns_in_thread: Optional[bool] = None, shutdown_grace: float = 10.0) -> None:
        self.consumer_secret = consumer_secret or ""
        self.bot_user_id = str(bot_user_id or "").strip()
        self.enabled = bool(consumer_key and consumer_secret and access_token
                            and access_token_secret and self.bot_user_id)
        if self.enabled and not self.bot_user_id.isdigit():
            logger.error("X (Twitter) DMs: off: X_BOT_USER_ID must be the account's numeric "
                         "id, not %r", self.bot_user_id[:40])
            self.enabled = False
        self.api_url = api_url or os.environ.get("X_API_URL") or DEFAULT_X_API_URL
        self.app_id = str(app_id or "")
        self.client: Optional[XAPIClient] = None
        if self.enabled:
            self.client = XAPIClient(consumer_key or "", consumer_secret or "",
                                     access_token or "", access_token_secret or "",
                                     base_url=self.api_url)
        if human_pause_minutes is None:
            human_pause_minutes = _env_number("X_HUMAN_PAUSE_MINUTES", 120, 0, 7 * 24 * 60)
        if choices_minutes is None:
            choices_minutes = _env_number("X_CHOICES_MINUTES", 30, 0, 7 * 24 * 60)
        self.human_pause_minutes = human_pause_minutes
        shared = shared_state.for_channels()  # what every rasa process of the city sees
        self.seen = RecentIds(values=shared, namespace="x:seen:")  # DM events received
        # DM events the bot sent (their echoes are ignored)
        self.sent_ids = RecentIds(values=shared, namespace="x:sent:")
        self.pauses = HumanPause(values=shared)
        self.choices = ChoiceMemory(choices_minutes * 60, values=shared)
        if max_concurrent_turns is None:
            max_concurrent_turns = int(_env_number("X_MAX_CONCURRENT_TURNS", 16, 1, 1000))
        self.runner = SerialRunner(max_concurrent_turns, label="X")
        self.shutdown_grace = shutdown_grace
        if turns_in_thread is None:
            turns_in_thread = os.environ.get("X_TURNS_IN_THREAD", "1").strip() not in (
                "0", "false", "no", "off")
        self.turn_loop: Optional[TurnLoop] = (TurnLoop("x-turns", "X_GIL_SWITCH_INTERVAL")
                                              if turns_in_thread else None)
        if self.enabled:
            logger.info("X (Twitter) DMs: on for account %s (X API %s)", self.bot_user_id,
                        self.api_url)

    # -- rasa hooks -------------------------------------------------------------------------

    def get_output_channel(self) -> OutputChannel:
        return XOutput(self, collect=False)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return self.webhook_blueprint("x_webhook", __name__, on_new_message, self.answer_crc,
                                      "crc")

    # -- HTTP handlers ----------------------------------------------------------------------

    def answer_crc(self, request: Request) -> HTTPResponse:
        if not self.enabled:
            logger.warning("X webhook CRC refused: the channel is off (503)")
            return response.json({"error": "X channel is off"}, status=503)
        tokens = request.args.getlist("crc_token") if "crc_token" in request.args else []
        if len(tokens) != 1 or not valid_crc_token(tokens[0]):
            reason = ("no crc_token" if not tokens else "several crc_token" if len(tokens) > 1
                      else f"crc_token of {len(tokens[0])} characters outside the safe "
                           f"pattern")
            logger.warning("X webhook CRC refused (400): %s, from %s", reason, request.ip)
            return response.json({"error": "a crc_token of 16 to 128 characters "
                                           "[A-Za-z0-9+/=_-] is required"}, status=400)
        logger.info("X webhook CRC answered")
        return response.json(crc_response(self.consumer_secret, tokens[0]))

    def receive(self, request: Request,
                on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        if not self.enabled:
            logger.warning("X webhook call refused: the channel is off (503)")
            return response.json({"error": "X channel is off"}, status=503)
        body = request.body or b""
        header = request.headers.get(SIGNATURE_HEADER)
        if not header:
            logger.warning("X webhook call refused (401, nothing processed): no %s, from %s",
                           SIGNATURE_HEADER, request.ip)
            return response.json({"error": "signature required"}, status=401)
        if not valid_signature(self.consumer_secret, body, header):
            logger.warning("X webhook call refused (403, nothing processed): invalid %s, from "
                           "%s", SIGNATURE_HEADER, request.ip)
            return response.json({"error": "invalid signature"}, status=403)
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as error:
            logger.warning("X webhook call refused (400): body is not valid JSON (%s, %d bytes)",
                           type(error).__name__, len(body))
            return response.json({"error": "invalid JSON"}, status=400)
        if json_depth(payload, MAX_JSON_DEPTH + 1) > MAX_JSON_DEPTH:
            logger.warning("X webhook call refused (400): JSON nested deeper than %d levels",
                           MAX_JSON_DEPTH)
            return response.json({"error": "JSON too deep"}, status=400)
        delivery = parse_delivery(payload)
        for problem in delivery.problems:
            logger.warning("X webhook: %s: skipped", problem)
        if delivery.ignored:
            logger.debug("X webhook: %s acknowledged and ignored", ", ".join(delivery.ignored))
        if any(kind.startswith("chat.") for kind in delivery.ignored):
            logger.info("X webhook: encrypted XChat event(s) ignored: this channel reads "
                        "legacy (unencrypted) DMs only")
        for message in delivery.messages:
            self.dispatch(message, on_new_message)
        return response.json({"status": "ok"})

    # -- events -----------------------------------------------------------------------------

    def dispatch(self, message: XMessage,
                 on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        bot = self.bot_user_id
        if message.account_id and message.account_id != bot:
            logger.warning("X: DM event %s delivered for account %s, not %s: ignored",
                           message.event_id, message.account_id, bot)
            return
        if not self.seen.first_time(message.event_id):
            logger.info("X: DM event %s already received: redelivery ignored", message.event_id)
            return
        if message.sender_id == bot:
            citizen = message.recipient_id
            # Queued behind the citizen's turn in progress: by then the send API has returned
            # the id of the bot's own DM, so its echo is recognised.
            self.submit_turn(citizen, lambda: self.own_account_dm(message))
            return
        if message.recipient_id != bot:
            logger.warning("X: DM event %s between %s and %s (not the city's account): ignored",
                           message.event_id, message.sender_id, message.recipient_id)
            return
        if message.empty:
            logger.info("X: empty DM event %s from %s: ignored", message.event_id,
                        message.sender_id)
            return
        self.submit_turn(message.sender_id, lambda: self.handle_turn(message, on_new_message))

    async def own_account_dm(self, message: XMessage) -> None:
        """A DM the city's account sent: the bot's own (echo), or a person's (pause)."""
        citizen = message.recipient_id
        if message.event_id in self.sent_ids or (self.app_id
                                                 and message.source_app_id == self.app_id):
            logger.debug("X: echo of the bot's DM %s to %s ignored", message.event_id, citizen)
            return
        self.pauses.pause(citizen, self.human_pause_minutes * 60)
        self.choices.forget(citizen)
        logger.info("X: a person of the city wrote to %s from the account (DM %s): the bot "
                    "stays silent with them for %g min", citizen, message.event_id,
                    self.human_pause_minutes)

    async def handle_turn(self, message: XMessage,
                          on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        citizen = message.sender_id
        left = self.pauses.remaining(citizen)
        if left:
            logger.info("X: DM %s from %s not answered: a person of the city has the "
                        "conversation (the bot answers again in %.0f min)", message.event_id,
                        citizen, left / 60)
            return
        out = XOutput(self)
        if message.media_only:
            logger.info("X: %s from %s: answered that the assistant reads text only",
                        "+".join(message.media), citizen)
            await out.send_text_message(citizen, TEXT_ONLY_NOTICE)
            await out.flush(citizen)
            return
        text, metadata = message.text, message.metadata()
        if message.choice_payload is not None:
            text = message.choice_payload
        else:
            numbered = self.choices.get(citizen)
            choice = match_reply(text, numbered)
            if choice is not None:
                metadata["x"]["choice"] = numbered.index(choice) + 1
                logger.debug("X: %s chose option %d", citizen, metadata["x"]["choice"])
                text = choice.payload
        started = time.monotonic()
        try:
            await on_new_message(UserMessage(text, out, citizen, input_channel=CHANNEL_NAME,
                                             message_id=message.event_id, metadata=metadata))
        except Exception as error:
            log_failure(logger, error, "X: the bot failed on DM %s from %s", message.event_id,
                        citizen)
        finally:
            await out.flush(citizen)
        logger.debug("X: turn %s of %s done in %.0f ms, %d DM(s) sent", message.event_id,
                     citizen, 1000 * (time.monotonic() - started), out.sent)

    # -- sending ----------------------------------------------------------------------------

    async def send_dm(self, citizen: str, pieces: List[str], choices: List[Choice],
                      out: Optional[XOutput] = None) -> bool:
        """Send a turn's DM text(s) to ``citizen``; remember the DM ids (echoes) and the
        numbered choices. Nothing is sent while a person of the city has the conversation."""
        if self.client is None:
            logger.warning("X: channel off: DM to %s not sent", citizen)
            return False
        if self.pauses.remaining(citizen):
            logger.info("X: a person of the city has the conversation with %s: bot DM not "
                        "sent", citizen)
            return False
        all_sent = True
        for piece in pieces:
            result = await self.client.send_dm(citizen, piece)
            if not result.ok:
                all_sent = False
                break
            data = result.data.get("data")
            event_id = data.get("dm_event_id") if isinstance(data, dict) else None
            if event_id:
                self.sent_ids.remember(str(event_id))
            if out is not None:
                out.sent += 1
        if all_sent and choices:
            self.choices.remember(citizen, choices)
        return all_sent
