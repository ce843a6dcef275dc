"""What the webhook channels remember, shared by every rasa process that may get their events.

Messenger and X remember events already handled (a redelivery is ignored), the ids of the
bot's own DMs (their echoes), the citizens a person of the city is talking with, and the
numbered choices last sent. `make run` has two rasa workers on one port and `make cluster`
several servers: an event and its redelivery, or a DM and its echo, may reach different
processes, so that memory cannot stay in one process.

A small key-value interface with three back ends, chosen by `for_channels()`:
- LOCK_STORE_URL `sqlite:///…`: a table in the locks' file (the processes of one machine);
- LOCK_STORE_URL `redis://…`: the locks' Redis database (several servers);
- unset: in this process's memory (one process; unit tests).
Every entry has a lifetime (or is deleted by its owner) and the memory back end a size limit:
nothing a webhook sends can make it grow without bound.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from typing import Callable, Optional

from rasa_extensions.shared_stores import ThreadLocalSQLite, kind_of, redis_client, sqlite_path


class MemoryValues:
    """Keys in this process, the oldest dropped beyond ``max_size``. Thread-safe."""

    def __init__(self, max_size: int = 50_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_size, self.clock = max_size, clock
        self._items: "collections.OrderedDict[str, tuple]" = collections.OrderedDict()
        self._lock = threading.Lock()

    def _live(self, key: str) -> Optional[str]:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] is not None and item[0] <= self.clock():
            del self._items[key]
            return None
        return item[1]

    def _put(self, key: str, value: str, ttl: Optional[float]) -> None:
        self._items.pop(key, None)
        self._items[key] = (None if ttl is None else self.clock() + ttl, value)
        while len(self._items) > self.max_size:
            self._items.popitem(last=False)

    def add(self, key: str, value: str, ttl: Optional[float]) -> bool:
        """Stores ``value`` unless ``key`` holds a live one; True when stored."""
        with self._lock:
            if self._live(key) is not None:
                return False
            self._put(key, value, ttl)
            return True

    def set(self, key: str, value: str, ttl: Optional[float]) -> None:
        with self._lock:
            self._put(key, value, ttl)

    def get(self, key: str) -> Optional[str]:
        with self._lock:
            return self._live(key)

    def delete(self, key: str) -> bool:
        with self._lock:
            return self._items.pop(key, None) is not None

    def __len__(self) -> int:
        return len(self._items)


class SQLiteValues:
    """Keys in a SQLite file shared by the processes of one machine (the machine's clock)."""

    PURGE_EVERY = 500  # writes between two removals of expired keys

    def __init__(self, path: str, max_size: int = 200_000) -> None:
        self._connection = ThreadLocalSQLite(path).connection
        self.max_size = max_size
        self._writes = 0
        self._connection().execute(
            "CREATE TABLE IF NOT EXISTS channel_memory (key TEXT PRIMARY KEY,"
            " value TEXT NOT NULL, expires_at REAL)")

    def _wrote(self) -> None:
        self._writes += 1
        if self._writes % self.PURGE_EVERY == 0:
            db = self._connection()
            db.execute("DELETE FROM channel_memory WHERE expires_at <= ?", (time.time(),))
            db.execute("DELETE FROM channel_memory WHERE key IN (SELECT key FROM channel_memory"
                       " ORDER BY expires_at DESC LIMIT -1 OFFSET ?)", (self.max_size,))

    @staticmethod
    def _expiry(ttl: Optional[float]) -> Optional[float]:
        return None if ttl is None else time.time() + ttl

    def add(self, key: str, value: str, ttl: Optional[float]) -> bool:
        # one statement, atomic across processes: insert, or replace an expired entry
        stored = self._connection().execute(
            "INSERT INTO channel_memory (key, value, expires_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
            " expires_at = excluded.expires_at WHERE channel_memory.expires_at <= ?",
            (key, value, self._expiry(ttl), time.time())).rowcount
        self._wrote()
        return stored == 1

    def set(self, key: str, value: str, ttl: Optional[float]) -> None:
        self._connection().execute(
            "INSERT OR REPLACE INTO channel_memory (key, value, expires_at) VALUES (?, ?, ?)",
            (key, value, self._expiry(ttl)))
        self._wrote()

    def get(self, key: str) -> Optional[str]:
        row = self._connection().execute(
            "SELECT value FROM channel_memory WHERE key = ?"
            " AND (expires_at IS NULL OR expires_at > ?)", (key, time.time())).fetchone()
        return None if row is None else row[0]

    def delete(self, key: str) -> bool:
        return self._connection().execute(
            "DELETE FROM channel_memory WHERE key = ?", (key,)).rowcount > 0


class RedisValues:
    """Keys in Redis, shared by every server (Redis's own expiry)."""

    def __init__(self, url: str, prefix: str = "rasa:channels:") -> None:
        self.redis, self.prefix = redis_client(url), prefix

    @staticmethod
    def _ms(ttl: Optional[float]) -> Optional[int]:
        return None if ttl is None else max(1, int(ttl * 1000))

    def add(self, key: str, value: str, ttl: Optional[float]) -> bool:
        return bool(self.redis.set(self.prefix + key, value, nx=True, px=self._ms(ttl)))

    def set(self, key: str, value: str, ttl: Optional[float]) -> None:
        self.redis.set(self.prefix + key, value, px=self._ms(ttl))

    def get(self, key: str) -> Optional[str]:
        value = self.redis.get(self.prefix + key)
        return None if value is None else value.decode()

    def delete(self, key: str) -> bool:
        return bool(self.redis.delete(self.prefix + key))


_shared: dict = {}


def for_channels(url: Optional[str] = None):
    """The shared back end named by ``url`` (default LOCK_STORE_URL), one per url and process;
    None when unset: each memory then keeps its keys in this process."""
    url = url if url is not None else os.environ.get("LOCK_STORE_URL", "")
    if not url:
        return None
    if url not in _shared:
        _shared[url] = (SQLiteValues(sqlite_path(url)) if kind_of(url) == "sqlite"
                        else RedisValues(url))
    return _shared[url]
