"""Where state shared by rasa processes lives: LOCK_STORE_URL's SQLite file or Redis database.

Used by the conversation locks (rasa_extensions/ticket_lock_store.py) and by the channels'
memories (connectors/shared_state.py). No rasa import here.

- `sqlite:///path`: a file for the processes of one machine (`make run`'s rasa workers);
- `redis://[:password@]host:port/db` (or `rediss://`, `unix://`): for several rasa servers.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any
from urllib.parse import urlsplit

REDIS_SCHEMES = ("redis", "rediss", "unix")
SOCKET_TIMEOUT_SECONDS = 5.0


def kind_of(url: str) -> str:
    """"sqlite" or "redis"; ValueError (saying what is expected) for anything else."""
    scheme = urlsplit(url or "").scheme
    if scheme == "sqlite":
        if not sqlite_path(url):
            raise ValueError(f"a SQLite url is sqlite:///path, not {url!r}")
        return "sqlite"
    if scheme in REDIS_SCHEMES:
        return "redis"
    raise ValueError(f"expected sqlite:///path or redis://host:port/db, not {scheme or url!r}")


def sqlite_path(url: str) -> str:
    return url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""


def redis_client(url: str) -> Any:
    """A Redis client that gives up after a few seconds instead of hanging a turn."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT_SECONDS,
                                socket_connect_timeout=SOCKET_TIMEOUT_SECONDS)


class ThreadLocalSQLite:
    """One connection per thread and process to a SQLite file in WAL mode, in autocommit.

    sqlite3 connections must stay in their thread (the webhook channels run turns in a second
    thread) and must not cross a fork (Sanic's workers are forks of rasa's main process).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            # 10 s: how long a write waits for another process's write before failing
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            # commits do not wait for the disk: a power cut may lose the last writes (locks,
            # recent ids), never corrupt the file
            connection.execute("PRAGMA synchronous=NORMAL")
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection
