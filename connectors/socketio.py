"""rasa's socket.io channel, limited to the web origins allowed to embed the chat widget, with
its frames and messages bounded."""

from __future__ import annotations

import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Union

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput
from sanic import Blueprint

from connectors import log_privacy
from connectors.inbound import bounded_handler, limit_request_size
from connectors.message_bounds import bounded_metadata, valid_sender_id

logger = logging.getLogger(__name__)

# The largest socket.io frame (HTTP long-polling body or WebSocket message) the server reads:
# a bounded message, its session id and the page's metadata fit many times over.
# python-engineio's default is 1 MB.
MAX_FRAME_BYTES = 64 * 1024


def parse_origins(value: Union[None, Text, List[Text]]) -> List[Text]:
    """`allowed_origins` from credentials: a list, or a comma/space-separated string."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).replace(",", " ").split()
    return [str(item).strip().rstrip("/") for item in items if str(item).strip()]


class SocketIOInput(RasaSocketIOInput):
    """The built-in socketio channel, refusing connections from pages of other web sites.

    rasa 3.6 builds its AsyncServer with `cors_allowed_origins=[]` (origin check off) and leaves
    CORS to `--cors` (Sanic-CORS), which only adds headers to HTTP long-polling responses: a
    WebSocket connection is accepted from any site. This channel refuses the Socket.IO connection
    of a browser whose Origin header is not in `allowed_origins`, on every transport. Requests
    without an Origin header (not from a browser page) are let through, as before. CORS headers
    stay with `--cors`. An empty list, or "*", keeps rasa's behaviour.
    """

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = super().from_credentials(credentials)
        channel.allowed_origins = parse_origins((credentials or {}).get("allowed_origins"))
        return channel

    def origin_allowed(self, origin: Optional[Text]) -> bool:
        origins = getattr(self, "allowed_origins", [])
        return not origin or not origins or "*" in origins or origin.rstrip("/") in origins

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        limit_request_size(socketio_webhook)
        log_privacy.install_on_start(socketio_webhook)
        self.sio.eio.max_http_buffer_size = MAX_FRAME_BYTES
        namespace = self.namespace or "/"
        rasa_connect = self.sio.handlers[namespace]["connect"]

        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if not self.origin_allowed(origin):
                logger.warning(f"socket.io connection refused from origin {origin!r}")
                return False
            return await rasa_connect(sid, environ, auth)

        self.sio.on("connect", connect, namespace=self.namespace)
        self.sio.on("session_request", self._session_request, namespace=self.namespace)
        self.sio.on(self.user_message_evt, self._user_message_handler(on_new_message),
                    namespace=self.namespace)
        return socketio_webhook

    # rasa's own handlers trust the frame: a non-object, a session id that is not a string or
    # metadata that is not JSON raise inside python-socketio. These check it and drop bad frames,
    # and log a failing turn without its text (connectors/log_privacy.py).

    async def _session_request(self, sid: Text, data: Any) -> None:
        session_id = data.get("session_id") if isinstance(data, dict) else None
        if session_id is None or not valid_sender_id(session_id):
            session_id = uuid.uuid4().hex
        if self.session_persistence:
            self.sio.enter_room(sid, session_id)
        await self.sio.emit("session_confirm", session_id, room=sid)

    def _user_message_handler(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
                              ) -> Callable[[Text, Any], Awaitable[None]]:
        handle = bounded_handler(on_new_message)

        async def user_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                logger.warning("socket.io: frame from %s is not an object: dropped", sid)
                return
            sender_id = data.get("session_id") if self.session_persistence else sid
            text = data.get("message", "")
            if not valid_sender_id(sender_id) or not isinstance(text, (str, type(None))):
                logger.warning("socket.io: frame from %s without a valid session id or text: "
                               "dropped", sid)
                return
            metadata = data.get(self.metadata_key)
            bounded = bounded_metadata(metadata) if metadata is not None else None
            if metadata is not None and bounded is None:
                logger.warning("socket.io: metadata from %s too large or not an object: "
                               "dropped", sid)
            try:
                await handle(UserMessage(text, SocketIOOutput(self.sio, self.bot_message_evt),
                                         sender_id, input_channel=self.name(),
                                         metadata=bounded or {}))
            except Exception as error:  # python-engineio would log it with its message
                log_privacy.log_failure(logger, error, "socket.io: the bot failed on a message "
                                        "of %d characters from %s", len(text or ""), sender_id)

        return user_message
