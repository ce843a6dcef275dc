"""What every channel of the assistant does with a message before the bot sees it.

Each channel's blueprint wraps rasa's ``on_new_message`` with ``bounded_handler`` (REST and the
shell: connectors/rest.py, the widget: connectors/socketio.py, Messenger:
connectors/facebook.py), so the NLU never receives more than connectors/message_bounds.py
allows, the tracker store never keeps more, and a citizen whose message was cut is told so
before the answer. ``limit_request_size`` bounds the HTTP bodies the rasa server reads at all.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Optional, Tuple

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint

from connectors.message_bounds import bound_slash_payload, bound_text, int_setting

logger = logging.getLogger(__name__)

Handler = Callable[[UserMessage], Awaitable[Any]]

# Sanic reads up to 100 MB per request by default. Webhook bodies (REST, Messenger, X) and the
# HTTP API's calls are far smaller; socket.io frames have their own limit (connectors/socketio.py).
DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024


def max_request_bytes() -> int:
    # Never above Sanic's own default: the setting only ever lowers the limit.
    return int_setting("MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES, 64 * 1024, 100_000_000)


def bounded_message(message: UserMessage) -> Tuple[UserMessage, Optional[str]]:
    """``message`` with its text bounded (same sender, channel, output, metadata and id), and
    the French notice to send first when the text was cut. The original length goes to the
    metadata, so the tracker store keeps the fact, not the text."""
    bounded = bound_text(message.text)
    text = bound_slash_payload(bounded.text)
    if not bounded.cut and text == message.text:
        return message, None
    metadata = message.metadata
    if bounded.cut:
        logger.info("%s: message of %d characters from %s cut to %d before the NLU",
                    message.input_channel, bounded.original_chars, message.sender_id,
                    len(text))
        metadata = {**(metadata if isinstance(metadata, dict) else {}),
                    "message_cut": {"original_chars": bounded.original_chars,
                                    "kept_chars": len(text)}}
    elif text != bounded.text:
        logger.warning("%s: button payload from %s too large or malformed: entities dropped",
                       message.input_channel, message.sender_id)
    return UserMessage(text, message.output_channel, message.sender_id,
                       input_channel=message.input_channel, message_id=message.message_id,
                       metadata=metadata), bounded.notice


def bounded_handler(on_new_message: Handler) -> Handler:
    """``on_new_message`` that first bounds the message, and tells the citizen when it was
    cut (before the bot's answer, on the same output channel)."""

    async def handle(message: UserMessage) -> Any:
        bounded, notice = bounded_message(message)
        if notice and bounded.output_channel is not None:
            await bounded.output_channel.send_text_message(bounded.sender_id, notice)
        return await on_new_message(bounded)

    return handle


def limit_request_size(blueprint: Blueprint) -> None:
    """Lower the rasa server's request body limit (Sanic's REQUEST_MAX_SIZE, 100 MB by default)
    to ``MAX_REQUEST_BYTES`` when the server starts; a larger body gets 413 before anything
    reads it. Sanic reads the setting for each new connection, so a start listener is in time.
    """

    @blueprint.listener("before_server_start")
    async def apply_limit(app: Any, _loop: Any) -> None:
        limit = max_request_bytes()
        if app.config.REQUEST_MAX_SIZE > limit:
            app.config.REQUEST_MAX_SIZE = limit
            logger.info("Request bodies limited to %d bytes (MAX_REQUEST_BYTES)", limit)
