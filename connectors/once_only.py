"""Once-only keys: what a channel remembers so that a redelivered event is handled once.

Meta and X both say a webhook event may be delivered more than once (retries after a slow
answer, one copy per subscription). Each channel keys its events (Messenger's ``mid``, X's DM
event id) and asks ``first_time``; the bot's own sends are remembered the same way (X: the DM
event ids the send API returned, to tell the bot's echoes from a person's messages).

The keys live where connectors/shared_state.py says: shared by the rasa processes (a
redelivery may reach another worker or server), or in this process when nothing is shared.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Optional

from connectors.shared_state import MemoryValues


class RecentIds:
    """The ids seen in the last ``ttl`` seconds: de-duplication.

    ``values``: a shared back end (connectors/shared_state.py), keys under ``namespace``;
    without one, this process's memory, at most ``max_size`` ids. Thread-safe.
    """

    def __init__(self, max_size: int = 50_000, ttl: float = 24 * 3600.0,
                 clock: Callable[[], float] = time.monotonic, values: Any = None,
                 namespace: str = "") -> None:
        self.ttl, self.namespace = ttl, namespace
        self.values = values if values is not None else MemoryValues(max_size, clock)

    def first_time(self, key: Optional[str]) -> bool:
        """True the first time ``key`` is seen (and remembers it); always True for None."""
        if key is None:
            return True
        return self.values.add(self.namespace + key, "1", self.ttl)

    def remember(self, key: str) -> None:
        """Remember ``key`` (whether or not it was seen before)."""
        self.values.set(self.namespace + key, "1", self.ttl)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.values.get(self.namespace + key) is not None

    def __len__(self) -> int:  # in-process memory only
        return len(self.values)
