"""Once-only keys: what a channel remembers so that a redelivered event is handled once.

Meta and X both say a webhook event may be delivered more than once (retries after a slow
answer, one copy per subscription). Each channel keys its events (Messenger's ``mid``, X's DM
event id) and asks ``first_time``; the bot's own sends are remembered the same way (X: the DM
event ids the send API returned, to tell the bot's echoes from a person's messages).

In memory, per rasa server process: several rasa servers behind a load balancer would share
these keys through Redis (``SET key NX EX 86400``); see README, "Scaling out".
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Callable, Optional


class RecentIds:
    """The ids seen in the last ``ttl`` seconds (at most ``max_size``): de-duplication.

    Thread-safe: the webhook (server loop) and the turns (turn loop thread) may both use one.
    """

    def __init__(self, max_size: int = 50_000, ttl: float = 24 * 3600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_size, self.ttl, self.clock = max_size, ttl, clock
        self._seen: "collections.OrderedDict[str, float]" = collections.OrderedDict()
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        while self._seen:
            key, seen_at = next(iter(self._seen.items()))
            if now - seen_at <= self.ttl and len(self._seen) <= self.max_size:
                break
            self._seen.popitem(last=False)

    def first_time(self, key: Optional[str]) -> bool:
        """True the first time ``key`` is seen (and remembers it); always True for None."""
        if key is None:
            return True
        with self._lock:
            now = self.clock()
            self._expire(now)
            if key in self._seen:
                return False
            self._seen[key] = now
            self._expire(now)
            return True

    def remember(self, key: str) -> None:
        """Remember ``key`` (whether or not it was seen before)."""
        self.first_time(key)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            self._expire(self.clock())
            return key in self._seen

    def __len__(self) -> int:
        return len(self._seen)
