"""A fake Graph API on 127.0.0.1 that records what it receives (tests and benchmark).

It runs an aiohttp server in a background thread with its own event loop, so that sync tests,
asyncio tests and a rasa server subprocess can all use it (tests/support/fake_api_server.py).
Every request is recorded (method, path, query, JSON body, time); answers follow Meta's shapes:

- ``POST /<version>/me/messages`` → ``{"recipient_id", "message_id"}`` (or ``{"recipient_id"}``
  for sender actions);
- ``POST /<version>/me/pass_thread_control`` / ``take_thread_control`` → ``{"success": true}``;
- ``POST|GET|DELETE /<version>/me/messenger_profile`` → ``{"result": "success"}``.

Failures can be scripted: ``fail(status=500, times=2)`` answers the next two matching requests
with a Graph-style error, ``hang(seconds=30, times=1)`` makes them wait (a client timeout).

    with FakeGraphAPI() as graph:
        ... FB_GRAPH_API_URL=graph.url ...
        graph.wait_for(lambda r: len(graph.messages(psid)) >= 1)
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from aiohttp import web

from tests.support.fake_api_server import FakeAPIServer, Script, free_port

__all__ = ["FakeGraphAPI", "Recorded", "free_port"]


@dataclass
class Recorded:
    method: str
    path: str
    query: Dict[str, str]
    body: Any
    at: float
    answered: int = 0  # HTTP status answered (0 while hanging)

    @property
    def endpoint(self) -> str:
        """The path without the version: "me/messages", "me/pass_thread_control"…"""
        parts = self.path.strip("/").split("/", 1)
        return parts[1] if len(parts) == 2 and parts[0].startswith("v") else self.path.strip("/")

    @property
    def recipient(self) -> Optional[str]:
        if isinstance(self.body, dict):
            return (self.body.get("recipient") or {}).get("id")
        return None

    @property
    def message(self) -> Optional[Dict[str, Any]]:
        return self.body.get("message") if isinstance(self.body, dict) else None

    @property
    def sender_action(self) -> Optional[str]:
        return self.body.get("sender_action") if isinstance(self.body, dict) else None


@dataclass
class _Script(Script):  # endpoint: "me/messages"…
    sender_actions: bool = True  # also applies to typing_on/off, mark_seen


class FakeGraphAPI(FakeAPIServer[Recorded]):
    label = "fake Graph API"
    thread_name = "fake-graph-api"
    client_max_size = 10 * 1024 * 1024

    def __init__(self, port: Optional[int] = None, latency: float = 0.0) -> None:
        super().__init__(port, latency)
        self._ids = itertools.count(1)

    # -- scripting --------------------------------------------------------------------------

    def fail(self, status: int = 500, times: int = 1, endpoint: Optional[str] = None,
             sender_actions: bool = True) -> None:
        with self._lock:
            self._scripts.append(_Script("fail", times, status=status, endpoint=endpoint,
                                         sender_actions=sender_actions))

    def hang(self, seconds: float = 30.0, times: int = 1, endpoint: Optional[str] = None,
             sender_actions: bool = True) -> None:
        with self._lock:
            self._scripts.append(_Script("hang", times, seconds=seconds, endpoint=endpoint,
                                         sender_actions=sender_actions))

    def _script_applies(self, script: _Script, record: Recorded) -> bool:
        return (super()._script_applies(script, record)
                and (script.sender_actions or not record.sender_action))

    # -- HTTP -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        body = await self._read_body(request)
        record = Recorded(request.method, request.path, dict(request.query), body, time.time())
        script = self._record(record)
        if self.latency:
            await asyncio.sleep(self.latency)
        if script and script.kind == "hang":
            await asyncio.sleep(script.seconds)
        if script and script.kind == "fail":
            status = script.status
            answer: Dict[str, Any] = {"error": {
                "message": "(#2) Service temporarily unavailable" if status >= 500
                else "(#100) Invalid parameter",
                "type": "OAuthException", "code": 2 if status >= 500 else 100,
                "fbtrace_id": f"FAKE{next(self._ids)}"}}
        else:
            status, answer = 200, self._answer(record)
        self._answered(record, status)
        return web.json_response(answer, status=status)

    def _answer(self, record: Recorded) -> Dict[str, Any]:
        endpoint = record.endpoint
        if endpoint == "me/messages":
            answer = {"recipient_id": record.recipient}
            if record.message is not None:
                answer["message_id"] = f"m_fake_{next(self._ids)}"
            return answer
        if endpoint in ("me/pass_thread_control", "me/take_thread_control",
                        "me/release_thread_control"):
            return {"success": True}
        if endpoint == "me/messenger_profile":
            if record.method == "GET":
                return {"data": []}
            return {"result": "success"}
        return {"success": True}

    # -- queries ----------------------------------------------------------------------------

    def for_recipient(self, psid: str) -> List[Recorded]:
        return [r for r in self.snapshot() if r.recipient == psid]

    def messages(self, psid: Optional[str] = None, answered_only: bool = False
                 ) -> List[Dict[str, Any]]:
        """The ``message`` objects sent (not sender actions), for one PSID or all."""
        return [r.message for r in self.snapshot()
                if r.endpoint == "me/messages" and r.message is not None
                and (psid is None or r.recipient == psid)
                and (not answered_only or r.answered == 200)]

    def actions(self, psid: str) -> List[str]:
        return [r.sender_action for r in self.for_recipient(psid) if r.sender_action]

    def calls(self, endpoint: str) -> List[Recorded]:
        return [r for r in self.snapshot() if r.endpoint == endpoint]

    def wait_for_turn_end(self, psid: str, count: int = 1, timeout: float = 60.0) -> None:
        """Wait until ``count`` typing_off were answered for ``psid`` (the turn's end)."""
        self.wait_for(lambda: sum(1 for r in self.for_recipient(psid)
                                  if r.sender_action == "typing_off" and r.answered) >= count,
                      timeout, f"{count} typing_off for {psid}")
