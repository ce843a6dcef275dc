"""A small non-blocking client for Meta's Graph API (Messenger Send API, handover, profile).

- aiohttp, one session per client, created lazily inside the running event loop;
- a timeout on every call (total and connect), retries with backoff on transient failures
  (HTTP 5xx, 429, connection errors, timeouts), none on other 4xx;
- errors are logged in one line with the Graph error code, subcode and fbtrace_id, never with
  the access token; calls return a ``GraphResult`` instead of raising;
- the base URL and API version are configurable (``FB_GRAPH_API_URL``,
  ``FB_GRAPH_API_VERSION``) so that tests point it at a fake Graph API on 127.0.0.1;
- when the app secret is known, every call carries ``appsecret_proof`` (HMAC-SHA256 of the
  access token keyed with the app secret), as required when "Require App Secret" is on.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_GRAPH_API_URL = "https://graph.facebook.com"
DEFAULT_GRAPH_API_VERSION = "v25.0"
PAGE_INBOX_APP_ID = "263902037430900"

RETRY_STATUSES = {429, 500, 502, 503, 504}


@dataclass
class GraphResult:
    ok: bool
    status: Optional[int] = None  # None: no HTTP answer (timeout, connection refused)
    data: Dict[str, Any] = field(default_factory=dict)
    error: str = ""


def normalize_version(version: Optional[str]) -> str:
    version = (version or DEFAULT_GRAPH_API_VERSION).strip().strip("/")
    return version if version.startswith("v") else f"v{version}"


def appsecret_proof(access_token: str, app_secret: str) -> str:
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        logger.warning("%s=%r is not a number: using %s", name, os.environ.get(name), default)
        return default


class GraphAPIClient:
    """Calls ``{base_url}/{version}/me/...`` with the page access token."""

    def __init__(self, access_token: str, app_secret: Optional[str] = None,
                 base_url: Optional[str] = None, version: Optional[str] = None,
                 timeout: Optional[float] = None, retries: Optional[int] = None,
                 backoff: float = 0.5, action_timeout: Optional[float] = None) -> None:
        self.access_token = access_token
        self.app_secret = app_secret or None
        self.base_url = (base_url or DEFAULT_GRAPH_API_URL).rstrip("/")
        self.version = normalize_version(version)
        self.timeout = timeout if timeout is not None else _env_float("FB_GRAPH_TIMEOUT", 10.0)
        self.action_timeout = action_timeout if action_timeout is not None else min(
            self.timeout, 5.0)
        self.retries = retries if retries is not None else int(
            _env_float("FB_GRAPH_RETRIES", 2))
        self.backoff = backoff
        # One session per event loop: the server's loop and the connector's turn loop.
        self._sessions: Dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}
        self._proof = appsecret_proof(access_token, app_secret) if app_secret else None

    # -- plumbing ---------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.base_url}/{self.version}/{path.lstrip('/')}"

    def _params(self) -> Dict[str, str]:
        params = {"access_token": self.access_token}
        if self._proof:
            params["appsecret_proof"] = self._proof
        return params

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

    async def request(self, method: str, path: str, payload: Optional[Dict[str, Any]] = None,
                      *, what: str = "", timeout: Optional[float] = None,
                      retries: Optional[int] = None,
                      params: Optional[Dict[str, str]] = None) -> GraphResult:
        """One Graph API call with timeout and retries; logs failures, never raises."""
        what = what or f"{method} {path}"
        timeout = self.timeout if timeout is None else timeout
        attempts = 1 + max(0, self.retries if retries is None else retries)
        client_timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 5.0))
        result = GraphResult(ok=False, error="not sent")
        for attempt in range(1, attempts + 1):
            result = await self._attempt(method, path, payload, client_timeout, timeout,
                                         params or {})
            if result.ok:
                if attempt > 1:
                    logger.info("Graph API %s succeeded on attempt %d", what, attempt)
                return result
            transient = result.status is None or result.status in RETRY_STATUSES
            last = attempt == attempts or not transient
            logger.log(logging.ERROR if last else logging.WARNING,
                       "Graph API %s failed (attempt %d/%d): %s%s", what, attempt, attempts,
                       result.error, "" if last else " - retrying")
            if last:
                break
            await asyncio.sleep(self.backoff * attempt)
        return result

    async def _attempt(self, method: str, path: str, payload: Optional[Dict[str, Any]],
                       client_timeout: aiohttp.ClientTimeout, timeout: float,
                       params: Dict[str, str]) -> GraphResult:
        try:
            session = self._get_session()
            async with session.request(method, self.url(path),
                                       params={**params, **self._params()},
                                       json=payload, timeout=client_timeout) as response:
                body = await response.text()
                status = response.status
        except asyncio.TimeoutError:
            return GraphResult(False, None, error=f"no answer within {timeout:g}s")
        except aiohttp.ClientError as error:
            return GraphResult(False, None, error=f"{type(error).__name__}: {error}")
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {"data": data}
        if 200 <= status < 300 and "error" not in data:
            return GraphResult(True, status, data)
        return GraphResult(False, status, data, error=describe_error(status, data, body))

    # -- Messenger calls --------------------------------------------------------------------

    async def send_message(self, psid: str, message: Dict[str, Any],
                           messaging_type: str = "RESPONSE") -> GraphResult:
        body = {"recipient": {"id": psid}, "messaging_type": messaging_type, "message": message}
        return await self.request("POST", "me/messages", body, what=f"send to {psid}")

    async def sender_action(self, psid: str, action: str) -> GraphResult:
        """typing_on, typing_off or mark_seen: short timeout, no retry (cosmetic)."""
        body = {"recipient": {"id": psid}, "sender_action": action}
        return await self.request("POST", "me/messages", body, what=f"{action} for {psid}",
                                  timeout=self.action_timeout, retries=0)

    async def pass_thread_control(self, psid: str, target_app_id: str,
                                  metadata: str = "") -> GraphResult:
        body: Dict[str, Any] = {"recipient": {"id": psid}, "target_app_id": target_app_id}
        if metadata:
            body["metadata"] = metadata[:1000]
        return await self.request("POST", "me/pass_thread_control", body,
                                  what=f"pass_thread_control for {psid} to app {target_app_id}")

    async def take_thread_control(self, psid: str, metadata: str = "") -> GraphResult:
        body: Dict[str, Any] = {"recipient": {"id": psid}}
        if metadata:
            body["metadata"] = metadata[:1000]
        return await self.request("POST", "me/take_thread_control", body,
                                  what=f"take_thread_control for {psid}")

    async def set_messenger_profile(self, profile: Dict[str, Any]) -> GraphResult:
        return await self.request("POST", "me/messenger_profile", profile,
                                  what="messenger_profile update")

    async def delete_messenger_profile(self, fields: list) -> GraphResult:
        return await self.request("DELETE", "me/messenger_profile", {"fields": fields},
                                  what="messenger_profile delete")

    async def get_messenger_profile(self, fields: list) -> GraphResult:
        return await self.request("GET", "me/messenger_profile", None,
                                  what="messenger_profile read",
                                  params={"fields": ",".join(fields)})


def describe_error(status: int, data: Dict[str, Any], body: str) -> str:
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        parts = [f"HTTP {status}", f"code {error.get('code')}"]
        if error.get("error_subcode"):
            parts.append(f"subcode {error['error_subcode']}")
        if error.get("fbtrace_id"):
            parts.append(f"fbtrace_id {error['fbtrace_id']}")
        message = str(error.get("message") or "")[:200]
        return ", ".join(parts) + (f": {message}" if message else "")
    snippet = " ".join((body or "").split())[:200]
    return f"HTTP {status}" + (f": {snippet}" if snippet else "")
