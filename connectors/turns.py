"""One turn at a time per conversation, many conversations at once, off the server's loop.

Used by the webhook channels (Messenger: connectors/facebook.py, X: connectors/x.py). Their
webhooks only check, parse and queue; the bot's turns run here:

- ``SerialRunner`` runs a conversation's jobs in arrival order, one at a time, and different
  conversations concurrently (at most ``max_concurrent`` jobs at once);
- ``TurnLoop`` is a thread with its own event loop where those jobs run.

Why a second event loop: rasa computes NLU and policy predictions synchronously on the event
loop it runs on, which holds that loop for tens to hundreds of milliseconds per message. Run
on the server's loop, 20 busy conversations made the Messenger webhook answer in seconds
(bench/bench_messenger_webhook.py; Facebook and X want their 200 quickly, X within 10 s). On
this loop, with the GIL shared in small slices, the webhook answers within milliseconds. It can
go when rasa runs its inference off the event loop (rasa 3.6 does not).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import sys
import threading
import time
from typing import Any, Awaitable, Callable, Deque, Dict, Optional

from connectors.log_privacy import log_failure

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class SerialRunner:
    """Runs jobs one at a time per key (a citizen's turns in order), concurrently across keys,
    with at most ``max_concurrent`` jobs running at once."""

    def __init__(self, max_concurrent: int = 16, label: str = "Messenger") -> None:
        self._queues: Dict[str, Deque[Job]] = {}
        self._workers: Dict[str, asyncio.Task] = {}
        self._semaphore: Optional[asyncio.Semaphore] = None
        self.max_concurrent = max_concurrent
        self.label = label

    def submit(self, key: str, job: Job) -> None:
        self._queues.setdefault(key, collections.deque()).append(job)
        if key not in self._workers:
            self._workers[key] = asyncio.get_running_loop().create_task(self._work(key))

    async def _work(self, key: str) -> None:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_concurrent)
        queue = self._queues[key]
        try:
            while queue:
                job = queue.popleft()
                async with self._semaphore:
                    try:
                        await job()
                    except Exception as error:  # a job never takes the worker down
                        log_failure(logger, error, "%s: a turn for %s failed", self.label, key)
        finally:
            self._workers.pop(key, None)
            if not queue:
                self._queues.pop(key, None)

    @property
    def pending(self) -> int:
        return sum(len(q) for q in self._queues.values()) + len(self._workers)

    async def drain(self, timeout: float) -> bool:
        """Wait for the running and queued jobs; False when ``timeout`` ran out."""
        deadline = time.monotonic() + timeout
        while self._workers:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            await asyncio.wait(list(self._workers.values()), timeout=remaining)
        return True


def shorten_gil_switch_interval(env_name: str = "FB_GIL_SWITCH_INTERVAL") -> None:
    """Let the server's thread get the GIL back sooner while a turn computes (Python's default
    is 5 ms per switch; a webhook call needs several). ``env_name`` in seconds, default 0.001;
    0 keeps Python's. Process-wide: the smallest value asked for wins."""
    try:
        wanted = float(os.environ.get(env_name, "0.001") or 0)
    except ValueError:
        wanted = 0.001
    if 0 < wanted < sys.getswitchinterval():
        sys.setswitchinterval(wanted)


def cancel_tasks_and_close(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel the stopped ``loop``'s unfinished tasks, let them end, then close it."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.close()


class TurnLoop:
    """A thread with its own event loop where the bot's turns run (see the module docstring).

    rasa's tracker stores (SQL, Redis) and lock stores are safe to use from this thread; event
    brokers bound to the server's loop (Pika, Kafka) are not: the channels have a setting
    (``FB_TURNS_IN_THREAD=0``, ``X_TURNS_IN_THREAD=0``) to run their turns on the server's loop.
    """

    def __init__(self, name: str = "messenger-turns",
                 gil_env: str = "FB_GIL_SWITCH_INTERVAL") -> None:
        self.name = name
        self.gil_env = gil_env
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._started = threading.Event()
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            shorten_gil_switch_interval(self.gil_env)
            self._started.clear()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()
        self._started.wait(10)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self.loop = loop
        self._started.set()
        try:
            loop.run_forever()
        finally:
            cancel_tasks_and_close(loop)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self.loop is not None

    def call(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback(*args)`` soon on the turn loop (from any thread)."""
        self.start()
        assert self.loop is not None
        self.loop.call_soon_threadsafe(callback, *args)

    async def run(self, coroutine: Awaitable[Any]) -> Any:
        """Await ``coroutine`` on the turn loop from another loop."""
        self.start()
        assert self.loop is not None
        return await asyncio.wrap_future(
            asyncio.run_coroutine_threadsafe(coroutine, self.loop))  # type: ignore[arg-type]

    def stop(self, timeout: float = 5.0) -> None:
        if self.running:
            assert self.loop is not None
            self.loop.call_soon_threadsafe(self.loop.stop)
            assert self._thread is not None
            self._thread.join(timeout)
