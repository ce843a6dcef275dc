"""What the fake platform APIs (fake_graph_api.py, fake_x_api.py) share.

``FakeAPIServer`` runs an aiohttp server on 127.0.0.1 in a background thread with its own event
loop, so that sync tests, asyncio tests and a rasa server subprocess can all use it. It records
every request under a lock (``requests``, ``snapshot``, ``wait_for``) and keeps the scripted
failures (``_scripts``); each fake defines ``_handle`` (the answers) and its record type.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Generic, List, Optional, TypeVar

from aiohttp import web

from connectors.turns import cancel_tasks_and_close
from tests.support.servers import free_port

__all__ = ["FakeAPIServer", "Script", "free_port"]

RecordT = TypeVar("RecordT")


@dataclass
class Script:
    """A scripted failure: the next ``times`` matching requests fail or hang."""

    kind: str  # "fail" or "hang"
    times: int
    status: int = 500
    seconds: float = 0.0
    endpoint: Optional[str] = None  # only requests to this endpoint


class FakeAPIServer(Generic[RecordT]):
    label = "fake API"  # in errors: "fake Graph API did not start"
    thread_name = "fake-api"
    client_max_size = 1024 * 1024  # request bodies, bytes

    def __init__(self, port: Optional[int] = None, latency: float = 0.0) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.latency = latency  # seconds added to every answer (a slow API)
        self.requests: List[RecordT] = []
        self._scripts: List[Script] = []
        self._lock = threading.Condition()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None
        self._ready = threading.Event()
        self._stop: Optional[asyncio.Event] = None
        self._error: Optional[BaseException] = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self):
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"{self.label} did not start")
        if self._error:
            raise RuntimeError(f"{self.label} failed to start: {self._error}")
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

    def __enter__(self):
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
            cancel_tasks_and_close(loop)  # requests still hanging

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        app = web.Application(client_max_size=self.client_max_size)
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

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._scripts.clear()

    def _script_applies(self, script: Script, record: RecordT) -> bool:
        return not script.endpoint or script.endpoint == record.endpoint  # type: ignore

    def _next_script(self, record: RecordT) -> Optional[Script]:
        for script in self._scripts:
            if not self._script_applies(script, record):
                continue
            script.times -= 1
            if script.times <= 0:
                self._scripts.remove(script)
            return script
        return None

    # -- HTTP -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        raise NotImplementedError

    @staticmethod
    async def _read_body(request: web.Request) -> Any:
        """The JSON body, the text when it is not JSON, None when empty."""
        raw = await request.read()
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return raw.decode(errors="replace")

    def _record(self, record: RecordT, scripted: bool = True) -> Optional[Script]:
        """Record a request; its scripted failure, if any (when ``scripted``)."""
        with self._lock:
            self.requests.append(record)
            script = self._next_script(record) if scripted else None
            self._lock.notify_all()
        return script

    def _answered(self, record: RecordT, status: int) -> None:
        with self._lock:
            record.answered = status  # type: ignore[attr-defined]
            self._lock.notify_all()

    # -- queries ----------------------------------------------------------------------------

    def snapshot(self) -> List[RecordT]:
        with self._lock:
            return list(self.requests)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0,
                 what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.label}: {what} not met in {timeout:.0f}s; "
                                   f"received {len(self.snapshot())} request(s)")
            with self._lock:
                self._lock.wait(min(remaining, 0.1))
