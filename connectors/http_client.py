"""The non-blocking HTTP client the channels send with (Graph API: connectors/graph_api.py, X
API: connectors/x_api.py): aiohttp, timeouts, bounded retries, one-line error logs.

- one aiohttp session per event loop (the server's loop and a channel's turn loop), created
  lazily inside the running loop;
- a timeout on every call (total and connect); retries with backoff on transient failures
  (HTTP 5xx, 429, connection errors, timeouts), none on other 4xx; a subclass may choose the
  delay (X: until ``x-rate-limit-reset``) or refuse to retry;
- failures are logged in one line (``<label> <what> failed (attempt i/n): <error>``) with what
  the platform says about the error, never with a token or the message sent; calls return an
  ``HTTPResult`` instead of raising;
- subclasses add authentication (``prepare``), their URL layout (``url``) and their error
  shapes (``describe_error``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

import aiohttp

logger = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_ANSWER_BYTES = 1024 * 1024  # an API's answer read at most (the rest is not read)


@dataclass
class HTTPResult:
    ok: bool
    status: Optional[int] = None  # None: no HTTP answer (timeout, connection refused)
    data: Dict[str, Any] = field(default_factory=dict)
    error: str = ""
    headers: Dict[str, str] = field(default_factory=dict)  # lower-case names


def env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        logger.warning("%s=%r is not a number: using %s", name, os.environ.get(name), default)
        return default


class RetryingClient:
    """Calls ``{base_url}/{path}`` with timeouts and retries; see the module docstring."""

    label = "HTTP API"

    def __init__(self, base_url: str, timeout: float = 10.0, retries: int = 2,
                 backoff: float = 0.5) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._sessions: Dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}

    # -- hooks for subclasses ---------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def prepare(self, method: str, url: str, params: Dict[str, str],
                payload: Optional[Any]) -> Tuple[Dict[str, str], Dict[str, str]]:
        """(query parameters, extra headers) of one attempt: authentication goes here."""
        return params, {}

    def is_success(self, status: int, data: Dict[str, Any]) -> bool:
        return 200 <= status < 300

    def describe_error(self, status: int, data: Dict[str, Any], body: str) -> str:
        snippet = " ".join((body or "").split())[:200]
        return f"HTTP {status}" + (f": {snippet}" if snippet else "")

    def retry_delay(self, attempt: int, result: HTTPResult) -> Optional[float]:
        """Seconds to wait before the next attempt, or None not to retry ``result``."""
        if result.status is None or result.status in RETRY_STATUSES:
            return self.backoff * attempt
        return None

    # -- plumbing ---------------------------------------------------------------------------

    def _get_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            for other in [l for l in self._sessions if l.is_closed()]:
                self._sessions.pop(other, None)
            connector = aiohttp.TCPConnector(limit=100, ttl_dns_cache=300)
            session = aiohttp.ClientSession(connector=connector,
                                            headers={"User-Agent": "liege-citybot/1.0"})
            self._sessions[loop] = session
        return session

    async def close(self) -> None:
        """Close the session of the running event loop."""
        session = self._sessions.pop(asyncio.get_running_loop(), None)
        if session is not None and not session.closed:
            await session.close()

    async def request(self, method: str, path: str, payload: Optional[Any] = None,
                      *, what: str = "", timeout: Optional[float] = None,
                      retries: Optional[int] = None,
                      params: Optional[Dict[str, str]] = None) -> HTTPResult:
        """One API call with timeout and retries; logs failures, never raises."""
        what = what or f"{method} {path}"
        timeout = self.timeout if timeout is None else timeout
        attempts = 1 + max(0, self.retries if retries is None else retries)
        client_timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 5.0))
        result = HTTPResult(ok=False, error="not sent")
        for attempt in range(1, attempts + 1):
            result = await self._attempt(method, path, payload, client_timeout, timeout,
                                         dict(params or {}))
            if result.ok:
                if attempt > 1:
                    logger.info("%s %s succeeded on attempt %d", self.label, what, attempt)
                return result
            delay = self.retry_delay(attempt, result) if attempt < attempts else None
            last = delay is None
            logger.log(logging.ERROR if last else logging.WARNING,
                       "%s %s failed (attempt %d/%d): %s%s", self.label, what, attempt,
                       attempts, result.error, "" if last else " - retrying")
            if last:
                break
            await asyncio.sleep(delay)
        return result

    async def _attempt(self, method: str, path: str, payload: Optional[Any],
                       client_timeout: aiohttp.ClientTimeout, timeout: float,
                       params: Dict[str, str]) -> HTTPResult:
        url = self.url(path)
        try:
            params, headers = self.prepare(method, url, params, payload)
            session = self._get_session()
            async with session.request(method, url, params=params or None, json=payload,
                                       headers=headers, timeout=client_timeout) as response:
                raw = await response.content.read(MAX_ANSWER_BYTES)
                body = raw.decode("utf-8", "replace")
                status = response.status
                answer_headers = {k.lower(): v for k, v in response.headers.items()}
        except asyncio.TimeoutError:
            return HTTPResult(False, None, error=f"no answer within {timeout:g}s")
        except aiohttp.ClientError as error:
            return HTTPResult(False, None, error=f"{type(error).__name__}: {error}")
        try:
            data = json.loads(body) if body else {}
        except (ValueError, RecursionError):
            data = {}
        if not isinstance(data, dict):
            data = {"data": data}
        if self.is_success(status, data):
            return HTTPResult(True, status, data, headers=answer_headers)
        return HTTPResult(False, status, data, error=self.describe_error(status, data, body),
                          headers=answer_headers)
