"""A fake Graph API on 127.0.0.1 that records what it receives (tests and benchmark).

It runs an aiohttp server in a background thread with its own event loop, so that sync tests,
asyncio tests and a rasa server subprocess can all use it. Every request is recorded (method,
path, query, JSON body, time); answers follow Meta's shapes:

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
import json
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from aiohttp import web


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
class _Script:
    kind: str  # "fail" or "hang"
    times: int
    status: int = 500
    seconds: float = 0.0
    endpoint: Optional[str] = None  # only requests to this endpoint ("me/messages"…)
    sender_actions: bool = True  # also applies to typing_on/off, mark_seen


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeGraphAPI:
    def __init__(self, port: Optional[int] = None, latency: float = 0.0) -> None:
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.latency = latency  # seconds added to every answer (a slow Graph API)
        self.requests: List[Recorded] = []
        self._scripts: List[_Script] = []
        self._lock = threading.Condition()
        self._ids = itertools.count(1)
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None
        self._ready = threading.Event()
        self._stop: Optional[asyncio.Event] = None
        self._error: Optional[BaseException] = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> "FakeGraphAPI":
        self._thread = threading.Thread(target=self._run, name="fake-graph-api", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake Graph API did not start")
        if self._error:
            raise RuntimeError(f"fake Graph API failed to start: {self._error}")
        return self

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        if self._loop and self._stop and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:  # closed meanwhile
                pass
        if self._thread:
            self._thread.join(10)

    def __enter__(self) -> "FakeGraphAPI":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as error:  # reported to start()
            self._error = error
            self._ready.set()
        finally:
            pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
            for task in pending:  # requests still hanging
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, backlog=1024)
        await site.start()
        self._ready.set()
        await self._stop.wait()
        await site.stop()
        await self._runner.shutdown()

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

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._scripts.clear()

    def _next_script(self, record: Recorded) -> Optional[_Script]:
        for script in self._scripts:
            if script.endpoint and script.endpoint != record.endpoint:
                continue
            if not script.sender_actions and record.sender_action:
                continue
            script.times -= 1
            if script.times <= 0:
                self._scripts.remove(script)
            return script
        return None

    # -- HTTP -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        record = Recorded(request.method, request.path, dict(request.query), body, time.time())
        with self._lock:
            self.requests.append(record)
            script = self._next_script(record)
            self._lock.notify_all()
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
        with self._lock:
            record.answered = status
            self._lock.notify_all()
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

    def snapshot(self) -> List[Recorded]:
        with self._lock:
            return list(self.requests)

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

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0,
                 what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"fake Graph API: {what} not met in {timeout:.0f}s; "
                                   f"received {len(self.snapshot())} request(s)")
            with self._lock:
                self._lock.wait(min(remaining, 0.1))

    def wait_for_turn_end(self, psid: str, count: int = 1, timeout: float = 60.0) -> None:
        """Wait until ``count`` typing_off were answered for ``psid`` (the turn's end)."""
        self.wait_for(lambda: sum(1 for r in self.for_recipient(psid)
                                  if r.sender_action == "typing_off" and r.answered) >= count,
                      timeout, f"{count} typing_off for {psid}")
