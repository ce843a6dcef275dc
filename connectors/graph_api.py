"""A small non-blocking client for Meta's Graph API (Messenger Send API, handover, profile).

Built on the channels' shared client (connectors/http_client.py: aiohttp, a timeout on every
call, retries with backoff on 5xx/429/timeouts, none on other 4xx, one-line error logs that
never show the access token; calls return a result instead of raising). Here:

- errors are described with the Graph error code, subcode and fbtrace_id;
- the base URL and API version are configurable (``FB_GRAPH_API_URL``,
  ``FB_GRAPH_API_VERSION``) so that tests point it at a fake Graph API on 127.0.0.1;
- when the app secret is known, every call carries ``appsecret_proof`` (HMAC-SHA256 of the
  access token keyed with the app secret), as required when "Require App Secret" is on.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any, Dict, Optional, Tuple

from connectors.http_client import RETRY_STATUSES, HTTPResult, RetryingClient, env_float

logger = logging.getLogger(__name__)

DEFAULT_GRAPH_API_URL = "https://graph.facebook.com"
DEFAULT_GRAPH_API_VERSION = "v25.0"
PAGE_INBOX_APP_ID = "263902037430900"

GraphResult = HTTPResult  # the name the Messenger code and tests use
__all__ = ["GraphAPIClient", "GraphResult", "RETRY_STATUSES", "appsecret_proof",
           "describe_error", "normalize_version"]


def normalize_version(version: Optional[str]) -> str:
    version = (version or DEFAULT_GRAPH_API_VERSION).strip().strip("/")
    return version if version.startswith("v") else f"v{version}"


def appsecret_proof(access_token: str, app_secret: str) -> str:
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


class GraphAPIClient(RetryingClient):
    """Calls ``{base_url}/{version}/me/...`` with the page access token."""

    label = "Graph API"

    def __init__(self, access_token: str, app_secret: Optional[str] = None,
                 base_url: Optional[str] = None, version: Optional[str] = None,
                 timeout: Optional[float] = None, retries: Optional[int] = None,
                 backoff: float = 0.5, action_timeout: Optional[float] = None) -> None:
        timeout = timeout if timeout is not None else env_float("FB_GRAPH_TIMEOUT", 10.0)
        retries = retries if retries is not None else int(env_float("FB_GRAPH_RETRIES", 2))
        super().__init__(base_url or DEFAULT_GRAPH_API_URL, timeout=timeout, retries=retries,
                         backoff=backoff)
        self.access_token = access_token
        self.app_secret = app_secret or None
        self.version = normalize_version(version)
        self.action_timeout = action_timeout if action_timeout is not None else min(
            self.timeout, 5.0)
        self._proof = appsecret_proof(access_token, app_secret) if app_secret else None

    # -- hooks of the shared client ---------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.base_url}/{self.version}/{path.lstrip('/')}"

    def _params(self) -> Dict[str, str]:
        params = {"access_token": self.access_token}
        if self._proof:
            params["appsecret_proof"] = self._proof
        return params

    def prepare(self, method: str, url: str, params: Dict[str, str],
                payload: Optional[Any]) -> Tuple[Dict[str, str], Dict[str, str]]:
        return {**params, **self._params()}, {}

    def is_success(self, status: int, data: Dict[str, Any]) -> bool:
        return 200 <= status < 300 and "error" not in data

    def describe_error(self, status: int, data: Dict[str, Any], body: str) -> str:
        return describe_error(status, data, body)

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
