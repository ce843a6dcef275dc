"""A small non-blocking client for X API v2: sending DMs, and the webhook and subscription
calls of ``make x-setup``.

Built on the channels' shared client (connectors/http_client.py: aiohttp, timeouts, bounded
retries on 5xx and timeouts, one-line error logs, results instead of exceptions). Here:

- authentication: OAuth 1.0a user context of the city's account (consumer key and secret,
  access token and secret) signed by oauthlib, a fresh nonce and timestamp per attempt; or the
  app's bearer token (webhook registration). For a JSON body the OAuth signature covers the
  method, URL and query, not the body (RFC 5849 §3.4.1.3);
- 429: wait until ``x-rate-limit-reset`` and retry, when that is at most
  ``X_RATE_LIMIT_MAX_WAIT`` seconds away (default 60); later than that, no retry: the turn
  would hold the citizen's next messages for up to 15 minutes (the DM limit is counted per
  15-minute window);
- 403 and other 4xx: no retry; the log line names X's error code and what it means (349: the
  citizen does not accept DMs from the city, 476: verified senders only, 453: the app's access
  level lacks the endpoint, 93: the app lacks the Direct Messages permission);
- the base URL is ``X_API_URL`` (default https://api.x.com) so that tests point it at a fake
  X API on 127.0.0.1.

Logs carry user ids and endpoints, never a DM's text, a token or a signature.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlencode

from oauthlib.oauth1 import Client as OAuth1Client

from connectors.http_client import HTTPResult, RetryingClient, env_float

logger = logging.getLogger(__name__)

DEFAULT_X_API_URL = "https://api.x.com"

# X's error codes that a DM send or set-up can meet (x-dm-api.md §7.4).
X_ERROR_CODES = {
    349: "cannot message this user (their DM settings or a block)",
    476: "the user accepts DMs from verified senders only",
    453: "the app's access level does not include this endpoint",
    93: "the app lacks the Read, Write and Direct Messages permission",
    226: "X found the request automated (spam heuristics)",
    88: "rate limit exceeded",
    89: "invalid or expired token",
    32: "could not authenticate",
}


def describe_x_error(status: int, data: Dict[str, Any], body: str) -> str:
    """One line about an X error answer: v1-style ``errors[{code, message}]`` or v2 problem
    details ``{title, detail, type}``."""
    parts = [f"HTTP {status}"]
    errors = data.get("errors") if isinstance(data, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        code = first.get("code")
        if isinstance(code, int):
            meaning = X_ERROR_CODES.get(code)
            parts.append(f"X error {code}" + (f" ({meaning})" if meaning else ""))
        message = first.get("message") or first.get("detail") or first.get("title")
        return ", ".join(parts) + (f": {str(message)[:200]}" if message else "")
    if isinstance(data, dict) and (data.get("title") or data.get("detail")):
        detail = str(data.get("detail") or data.get("title"))[:200]
        return ", ".join(parts) + f": {detail}"
    snippet = " ".join((body or "").split())[:200]
    return parts[0] + (f": {snippet}" if snippet else "")


class XAPIClient(RetryingClient):
    """Calls ``{X_API_URL}/2/...`` as the city's account (OAuth 1.0a) or as the app (bearer)."""

    label = "X API"

    def __init__(self, consumer_key: str = "", consumer_secret: str = "",
                 access_token: str = "", access_token_secret: str = "",
                 bearer_token: str = "", base_url: Optional[str] = None,
                 timeout: Optional[float] = None, retries: Optional[int] = None,
                 backoff: float = 0.5, max_rate_limit_wait: Optional[float] = None) -> None:
        timeout = timeout if timeout is not None else env_float("X_API_TIMEOUT", 10.0)
        retries = retries if retries is not None else int(env_float("X_API_RETRIES", 2))
        super().__init__(base_url or DEFAULT_X_API_URL, timeout=timeout, retries=retries,
                         backoff=backoff)
        self.bearer_token = bearer_token
        self.max_rate_limit_wait = (max_rate_limit_wait if max_rate_limit_wait is not None
                                    else env_float("X_RATE_LIMIT_MAX_WAIT", 60.0))
        self._oauth: Optional[Tuple[str, str, str, str]] = None
        if consumer_key and consumer_secret and access_token and access_token_secret:
            self._oauth = (consumer_key, consumer_secret, access_token, access_token_secret)
        if not self._oauth and not bearer_token:
            raise ValueError("XAPIClient needs the OAuth 1.0a keys or a bearer token")

    # -- hooks of the shared client ---------------------------------------------------------

    def prepare(self, method: str, url: str, params: Dict[str, str],
                payload: Optional[Any]) -> Tuple[Dict[str, str], Dict[str, str]]:
        if self._oauth is None:
            return params, {"Authorization": f"Bearer {self.bearer_token}"}
        key, secret, token, token_secret = self._oauth
        client = OAuth1Client(key, client_secret=secret, resource_owner_key=token,
                              resource_owner_secret=token_secret)
        signed_url = url + (f"?{urlencode(sorted(params.items()))}" if params else "")
        _, headers, _ = client.sign(signed_url, http_method=method)
        return params, {"Authorization": headers["Authorization"]}

    def is_success(self, status: int, data: Dict[str, Any]) -> bool:
        return 200 <= status < 300

    def describe_error(self, status: int, data: Dict[str, Any], body: str) -> str:
        return describe_x_error(status, data, body)

    def retry_delay(self, attempt: int, result: HTTPResult) -> Optional[float]:
        if result.status != 429:
            return super().retry_delay(attempt, result)
        reset = result.headers.get("x-rate-limit-reset", "")
        if not reset.isdigit():
            return super().retry_delay(attempt, result)
        wait = max(0.5, int(reset) - time.time() + 0.5)
        until = dt.datetime.fromtimestamp(int(reset), dt.timezone.utc).strftime("%H:%M:%S UTC")
        if wait > self.max_rate_limit_wait:
            result.error += (f" (rate limited until {until}, {wait:.0f} s away: over "
                             f"X_RATE_LIMIT_MAX_WAIT={self.max_rate_limit_wait:g} s, not "
                             f"retried)")
            return None
        result.error += f" (rate limited until {until}: waiting {wait:.1f} s)"
        return wait

    # -- DMs --------------------------------------------------------------------------------

    async def send_dm(self, participant_id: str, text: str) -> HTTPResult:
        """``POST /2/dm_conversations/with/{participant_id}/messages``; the answer's
        ``data.dm_event_id`` is the id X will deliver the bot's own DM back with."""
        return await self.request("POST", f"2/dm_conversations/with/{participant_id}/messages",
                                  {"text": text}, what=f"send DM to {participant_id}")

    # -- set-up (make x-setup) --------------------------------------------------------------

    async def list_webhooks(self) -> HTTPResult:
        return await self.request("GET", "2/webhooks", what="list webhooks")

    async def create_webhook(self, url: str) -> HTTPResult:
        return await self.request("POST", "2/webhooks", {"url": url}, what="create webhook")

    async def delete_webhook(self, webhook_id: str) -> HTTPResult:
        return await self.request("DELETE", f"2/webhooks/{webhook_id}",
                                  what=f"delete webhook {webhook_id}")

    async def list_subscriptions(self) -> HTTPResult:
        return await self.request("GET", "2/activity/subscriptions",
                                  what="list activity subscriptions")

    async def create_subscription(self, body: Dict[str, Any]) -> HTTPResult:
        return await self.request("POST", "2/activity/subscriptions", body,
                                  what=f"subscribe to {body.get('event_type')}")

    async def delete_subscription(self, subscription_id: str) -> HTTPResult:
        return await self.request("DELETE", f"2/activity/subscriptions/{subscription_id}",
                                  what=f"delete subscription {subscription_id}")
