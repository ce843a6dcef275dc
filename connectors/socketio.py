"""rasa's socket.io channel, limited to the web origins allowed to embed the chat widget."""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Union

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint

logger = logging.getLogger(__name__)


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
        namespace = self.namespace or "/"
        rasa_connect = self.sio.handlers[namespace]["connect"]

        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if not self.origin_allowed(origin):
                logger.warning(f"socket.io connection refused from origin {origin!r}")
                return False
            return await rasa_connect(sid, environ, auth)

        self.sio.on("connect", connect, namespace=self.namespace)
        return socketio_webhook
