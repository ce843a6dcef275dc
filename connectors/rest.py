"""rasa's REST channel (and the shell's), with its input checked and bounded.

Same URL and answers as the built-in ``rest`` channel (``POST /webhooks/rest/webhook``
``{"sender": "...", "message": "...", "metadata": {...}}``), but:

- a body that is not a JSON object, a ``message`` that is not a string, a ``sender`` that is
  not a short printable string, or ``metadata`` that is not a small JSON object gets a 400
  with a JSON ``{"error": ...}``, instead of rasa's 500 or an empty answer;
- the text is bounded before the NLU and the citizen told when it was cut
  (connectors/inbound.py); the server's request bodies are limited (``MAX_REQUEST_BYTES``);
- a turn that fails is logged with the conversation's id and where it failed, not with the
  message's text as rasa's channel logs it (connectors/log_privacy.py); the answer is the same
  (what the bot said before the failure, often nothing).

``CommandLineInput`` is the same for ``make shell``: rasa's ``rasa shell`` always uses its own
``cmdline`` channel, so scripts/shell.sh runs ``rasa run --connector
connectors.rest.CommandLineInput``, which rasa treats exactly as ``rasa shell`` (it starts the
terminal prompt for any channel named ``cmdline``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import log_privacy
from connectors.inbound import Handler, bounded_handler, limit_request_size
from connectors.message_bounds import (
    MAX_METADATA_BYTES,
    MAX_SENDER_ID_CHARS,
    bounded_metadata,
    valid_sender_id,
)

logger = logging.getLogger(__name__)


def body_problem(body: Any) -> Optional[str]:
    """Why a REST body cannot be handled, or None when it can."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    if "sender" in body and body["sender"] is not None and not valid_sender_id(body["sender"]):
        return f"'sender' must be a printable string of at most {MAX_SENDER_ID_CHARS} characters"
    if body.get("message") is not None and not isinstance(body["message"], str):
        return "'message' must be a string"
    if body.get("metadata") is not None and bounded_metadata(body["metadata"]) is None:
        return (f"'metadata' must be a JSON object of at most {MAX_METADATA_BYTES} bytes "
                "and a few levels")
    input_channel = body.get("input_channel")
    if input_channel is not None and not (isinstance(input_channel, str)
                                          and input_channel.isidentifier()
                                          and len(input_channel) <= 32):
        return "'input_channel' must be a short name"
    return None


def without_text_in_logs(on_new_message: Handler) -> Handler:
    """``on_new_message`` whose failures are logged here, without the message's text: rasa's
    REST handler would log them with it (``rest.message.received.failure text=…``), then
    answer what the bot said so far, as it still does."""

    async def handle(message: UserMessage) -> Any:
        try:
            return await on_new_message(message)
        except asyncio.CancelledError:  # rasa's handler goes on the same way after its log line
            logger.error("REST: the turn of conversation %s was cancelled (%d characters)",
                         message.sender_id, len(message.text or ""))
        except Exception as error:
            log_privacy.log_failure(logger, error, "REST: the bot failed on a message of %d "
                                    "characters from %s", len(message.text or ""),
                                    message.sender_id)
        return None

    return handle


class RestInput(RasaRestInput):
    """The ``rest`` channel: webhook at ``/webhooks/rest/webhook``."""

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return bounded_metadata(request.json.get("metadata"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(without_text_in_logs(bounded_handler(on_new_message)))
        limit_request_size(webhook)
        log_privacy.install_on_start(webhook)

        @webhook.on_request
        async def check_body(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            try:
                body = request.json
            except InvalidUsage:
                body = None
            problem = "the body is not valid JSON" if body is None else body_problem(body)
            if problem:
                return response.json({"error": problem}, status=400)
            return None

        return webhook


class CommandLineInput(RestInput):
    """``make shell``'s channel: rasa's ``cmdline`` channel with the REST checks above."""

    @classmethod
    def name(cls) -> Text:
        return "cmdline"

    def url_prefix(self) -> Text:
        return RestInput.name()
