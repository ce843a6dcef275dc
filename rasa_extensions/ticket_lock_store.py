"""A conversation lock store that is safe across rasa processes and servers.

rasa holds a conversation's lock while it handles one of its messages, so that two messages of
one citizen are never handled at once (each turn reads the tracker, adds its events, saves it:
two at once lose or mix events). rasa 3.6's own stores fall short as soon as there is more than
one rasa process (research: ../shared/research/rasa-scale.md):

- `InMemoryLockStore` locks within one process only; rasa then refuses `SANIC_WORKERS` > 1.
- `RedisLockStore` issues a ticket by reading the lock, adding the ticket in Python and writing
  it back: two servers can both get ticket 0 and run at once (rasa's PR #11256; the fix went
  to the paid edition). Its tickets expire after 60 s even while the turn still runs, and a
  waiter waits without limit.

`TicketLockStore` (loaded from endpoints.yml: `lock_store: type:
rasa_extensions.ticket_lock_store.TicketLockStore`, `url:` below) keeps rasa's ticket lock idea
with an atomic primitive, on one of two back ends chosen by the url:

- `sqlite:///locks.db`: a file beside the tracker store, for the rasa workers of one machine
  (the embedded default of `make run`: `SANIC_WORKERS` workers on one port);
- `redis://[:password@]host:6379/1`: for several rasa servers (`make cluster`, Kubernetes).

Each message takes a ticket (SQLite's AUTOINCREMENT inside its write lock; Redis's INCR inside
a Lua script); the conversation's lowest live ticket holds the lock, so messages are handled in
arrival order. A ticket is a lease of `lease_seconds` that its holder renews while the turn runs
and a waiter renews at each look: a slow action never lets the next message in, and a crashed
process's tickets lapse within one lease. Redis leases use Redis's clock (one clock for every
server); SQLite's use the machine's. A waiter gives up after `max_wait_seconds`
(`LockWaitGaveUp`); rasa_extensions/turn_failures.py then tells the citizen in French to send
the message again, instead of silence.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore

from rasa_extensions.shared_stores import ThreadLocalSQLite, kind_of, redis_client, sqlite_path

logger = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 15.0
DEFAULT_MAX_WAIT_SECONDS = 30.0


class LockWaitGaveUp(LockError):
    """A message waited `max_wait_seconds` behind earlier messages of its conversation."""


MINE, WAITING, LOST = 1, 0, -1  # what a look at the queue says about a ticket


class SQLiteTickets:
    """Tickets in one SQLite file, shared by the processes of one machine."""

    def __init__(self, path: str) -> None:
        self._connection = ThreadLocalSQLite(path).connection
        db = self._connection()
        db.execute("CREATE TABLE IF NOT EXISTS lock_tickets ("
                   " ticket INTEGER PRIMARY KEY AUTOINCREMENT,"
                   " conversation_id TEXT NOT NULL, expires_at REAL NOT NULL)")
        db.execute("CREATE INDEX IF NOT EXISTS lock_tickets_by_conversation"
                   " ON lock_tickets (conversation_id, ticket)")

    def issue(self, conversation_id: str, lease: float) -> int:
        cursor = self._connection().execute(
            "INSERT INTO lock_tickets (conversation_id, expires_at) VALUES (?, ?)",
            (conversation_id, time.time() + lease))
        return int(cursor.lastrowid)

    def look(self, conversation_id: str, ticket: int, lease: float) -> int:
        db, now = self._connection(), time.time()
        db.execute("BEGIN IMMEDIATE")  # the write lock: the lookup and renewal are one step
        try:  # (BEGIN waits up to the connection's timeout for another process's write)
            db.execute("DELETE FROM lock_tickets WHERE expires_at < ?", (now,))
            renewed = db.execute("UPDATE lock_tickets SET expires_at = ? WHERE ticket = ?",
                                 (now + lease, ticket)).rowcount
            first = db.execute("SELECT MIN(ticket) FROM lock_tickets WHERE conversation_id = ?",
                               (conversation_id,)).fetchone()[0]
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if not renewed:
            return LOST
        return MINE if first == ticket else WAITING

    def release(self, conversation_id: str, ticket: int) -> None:
        self._connection().execute("DELETE FROM lock_tickets WHERE ticket = ?", (ticket,))

    def waiting(self, conversation_id: str) -> int:
        return self._connection().execute(
            "SELECT COUNT(*) FROM lock_tickets WHERE conversation_id = ? AND expires_at >= ?",
            (conversation_id, time.time())).fetchone()[0]


# A conversation's queue is a sorted set: member = ticket, score = lease end (ms, Redis clock).
# The counter and the queue carry a TTL so that an idle conversation leaves nothing behind.
_REDIS_ISSUE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local ticket = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), ticket)
redis.call('PEXPIRE', KEYS[1], 4 * tonumber(ARGV[1]))
redis.call('PEXPIRE', KEYS[2], 4 * tonumber(ARGV[1]))
return ticket
"""
_REDIS_LOOK = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return -1 end
redis.call('ZADD', KEYS[2], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], 4 * tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[2], 4 * tonumber(ARGV[2]))
local mine = tonumber(ARGV[1])
for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if tonumber(member) < mine then return 0 end
end
return 1
"""


class RedisTickets:
    """Tickets in Redis, shared by every rasa server that uses the same Redis database."""

    def __init__(self, url: str, prefix: str = "rasa:lock:") -> None:
        self.redis = redis_client(url)
        self.prefix = prefix
        self._issue = self.redis.register_script(_REDIS_ISSUE)
        self._look = self.redis.register_script(_REDIS_LOOK)

    def _keys(self, conversation_id: str) -> list:
        base = f"{self.prefix}{{{conversation_id}}}"  # {…}: one Redis Cluster slot per conversation
        return [base + ":counter", base + ":queue"]

    def issue(self, conversation_id: str, lease: float) -> int:
        return int(self._issue(keys=self._keys(conversation_id), args=[int(lease * 1000)]))

    def look(self, conversation_id: str, ticket: int, lease: float) -> int:
        return int(self._look(keys=self._keys(conversation_id),
                              args=[ticket, int(lease * 1000)]))

    def release(self, conversation_id: str, ticket: int) -> None:
        self.redis.zrem(self._keys(conversation_id)[1], ticket)

    def waiting(self, conversation_id: str) -> int:
        return int(self.redis.zcard(self._keys(conversation_id)[1]))


def tickets_for(url: str) -> Any:
    if kind_of(url) == "sqlite":
        return SQLiteTickets(sqlite_path(url))
    return RedisTickets(url)


class TicketLockStore(LockStore):
    """rasa's lock store interface on atomic, leased tickets (see the module's docstring)."""

    def __init__(self, endpoint_config: Any = None, url: Optional[str] = None,
                 lease_seconds: Optional[float] = None,
                 max_wait_seconds: Optional[float] = None) -> None:
        settings = dict(getattr(endpoint_config, "kwargs", None) or {})
        url = url or getattr(endpoint_config, "url", None) or os.environ.get("LOCK_STORE_URL")
        if not url:
            raise ValueError("TicketLockStore needs a url (endpoints.yml or LOCK_STORE_URL)")
        self.lease = float(lease_seconds or settings.get("lease_seconds")
                           or DEFAULT_LEASE_SECONDS)
        self.max_wait = float(max_wait_seconds or settings.get("max_wait_seconds")
                              or DEFAULT_MAX_WAIT_SECONDS)
        self.tickets = tickets_for(url)
        logger.info("Conversation locks: %s", type(self.tickets).__name__)

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        # rasa's lock_lifetime and wait time do not apply: leases are renewed, looks are quick
        held = [self._store_call(self.tickets.issue, conversation_id, self.lease)]
        try:
            await self._wait_for_turn(conversation_id, held)
            renewal = asyncio.ensure_future(self._renew(conversation_id, held[0]))
            try:
                yield TicketLock(conversation_id)
            finally:
                renewal.cancel()
        finally:
            try:
                self.tickets.release(conversation_id, held[0])
            except Exception:  # the ticket lapses at the end of its lease
                logger.exception("Could not release the lock of a conversation")

    @staticmethod
    def _store_call(method: Any, *args: Any) -> Any:
        try:
            return method(*args)
        except Exception as error:  # the store is unreachable: rasa's own failure
            raise LockError(f"The lock store failed: {error}") from error

    async def _wait_for_turn(self, conversation_id: str, held: list) -> None:
        """Until the ticket `held[0]` holds the lock; a ticket lost meanwhile is replaced
        there by a new one (so that the caller releases and renews the right one)."""
        deadline = time.monotonic() + self.max_wait
        pause = 0.005
        while True:
            state = self._store_call(self.tickets.look, conversation_id, held[0], self.lease)
            if state == MINE:
                return
            if state == LOST:  # this process stalled past its lease: queue again
                held[0] = self._store_call(self.tickets.issue, conversation_id, self.lease)
            if time.monotonic() >= deadline:
                raise LockWaitGaveUp(f"Gave up waiting for the lock of a conversation "
                                     f"after {self.max_wait:.0f} s")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.1, self.lease / 4)

    async def _renew(self, conversation_id: str, ticket: int) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                if self.tickets.look(conversation_id, ticket, self.lease) == LOST:
                    logger.error("A turn outlived its lock lease (the process stalled "
                                 "%.0f s): the next message may have started", self.lease)
                    return
            except Exception:  # keep trying: the lease lasts two more periods
                logger.exception("Could not renew a conversation lock")

    # rasa's LockStore methods that `lock` above replaces; kept meaningful for callers
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return TicketLock(conversation_id) if self.is_someone_waiting(conversation_id) else None

    def is_someone_waiting(self, conversation_id: Text) -> bool:
        return self.tickets.waiting(conversation_id) > 0

    def delete_lock(self, conversation_id: Text) -> None:
        raise NotImplementedError("tickets end when their turn ends or their lease lapses")

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError("tickets are issued by TicketLockStore.lock")
