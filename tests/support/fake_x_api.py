"""A fake X API v2 on 127.0.0.1 that records what it receives (tests and benchmark).

Like tests/support/fake_graph_api.py: an aiohttp server in a background thread with its own
event loop (tests/support/fake_api_server.py), usable from sync tests, asyncio tests and a rasa
server subprocess. It checks
authentication as X does:

- ``POST /2/dm_conversations/with/{id}/messages`` and ``POST /2/activity/subscriptions`` need
  OAuth 1.0a user context: the ``Authorization: OAuth …`` header is verified (HMAC-SHA1 over
  the method, URL and query, with the consumer and token secrets; consumer key and token must
  match; a nonce is accepted once); else 401;
- the webhook endpoints and the subscription list/delete need ``Authorization: Bearer``.

Answers follow X's shapes: a DM send gets 201 ``{"data": {"dm_conversation_id",
"dm_event_id"}}``; webhooks and subscriptions are kept in memory (list, create, delete).
Failures can be scripted: ``fail(status=429, reset_in=1)`` (with ``x-rate-limit-reset``),
``fail(status=403, code=349)`` (X's error body), ``hang(seconds=5)``.

    with FakeXAPI(keys…) as x:
        ... X_API_URL=x.url ...
        x.wait_for(lambda: x.texts(citizen))
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from aiohttp import web
from oauthlib.oauth1.rfc5849 import signature as oauth_signature
from oauthlib.oauth1.rfc5849 import utils as oauth_utils

from tests.support.fake_api_server import FakeAPIServer, Script, free_port

__all__ = ["FakeXAPI", "XRecorded", "free_port"]

DM_PREFIX = "/2/dm_conversations/with/"

X_ERRORS = {
    349: "You cannot send messages to this user.",
    476: "Sender is not verified to send message requests.",
    453: "You currently have access to a subset of X API V2 endpoints and limited v1.1 "
         "endpoints only.",
}


@dataclass
class XRecorded:
    method: str
    path: str
    query: Dict[str, str]
    body: Any
    at: float
    auth: str  # "oauth1", "bearer", "none" or "bad: <why>"
    answered: int = 0  # HTTP status answered (0 while hanging)
    dm_event_id: str = ""

    @property
    def endpoint(self) -> str:
        if self.path.startswith(DM_PREFIX):
            return "dm"
        if self.path.startswith("/2/webhooks"):
            return "webhooks"
        if self.path.startswith("/2/activity/subscriptions"):
            return "subscriptions"
        return self.path

    @property
    def recipient(self) -> Optional[str]:
        if self.endpoint == "dm":
            return self.path[len(DM_PREFIX):].split("/", 1)[0]
        return None

    @property
    def text(self) -> Optional[str]:
        return self.body.get("text") if isinstance(self.body, dict) else None


@dataclass
class _Script(Script):
    code: Optional[int] = None
    reset_in: Optional[float] = None


@dataclass
class FakeXState:
    webhooks: List[Dict[str, Any]] = field(default_factory=list)
    subscriptions: List[Dict[str, Any]] = field(default_factory=list)


class FakeXAPI(FakeAPIServer[XRecorded]):
    label = "fake X API"
    thread_name = "fake-x-api"

    def __init__(self, consumer_key: str, consumer_secret: str, access_token: str,
                 access_token_secret: str, bearer_token: str = "bearer-token",
                 bot_user_id: str = "1000", port: Optional[int] = None,
                 latency: float = 0.0) -> None:
        super().__init__(port, latency)
        self.keys = (consumer_key, consumer_secret, access_token, access_token_secret)
        self.bearer_token = bearer_token
        self.bot_user_id = bot_user_id
        self.state = FakeXState()
        self._nonces: set = set()
        self._ids = itertools.count(1_900_000_000_000_000_001)

    # -- scripting --------------------------------------------------------------------------

    def fail(self, status: int = 500, times: int = 1, endpoint: Optional[str] = "dm",
             code: Optional[int] = None, reset_in: Optional[float] = None) -> None:
        with self._lock:
            self._scripts.append(_Script("fail", times, status=status, endpoint=endpoint,
                                         code=code, reset_in=reset_in))

    def hang(self, seconds: float = 30.0, times: int = 1, endpoint: Optional[str] = "dm") -> None:
        with self._lock:
            self._scripts.append(_Script("hang", times, seconds=seconds, endpoint=endpoint))

    def reset(self) -> None:
        with self._lock:
            super().reset()
            self.state = FakeXState()

    # -- authentication ---------------------------------------------------------------------

    def _check_oauth1(self, request: web.Request) -> str:
        header = request.headers.get("Authorization", "")
        if not header.startswith("OAuth "):
            return "bad: no OAuth header"
        try:
            params = [(k, oauth_utils.unescape(v))
                      for k, v in oauth_utils.parse_authorization_header(header)]
        except ValueError as error:
            return f"bad: {error}"
        values = dict(params)
        key, secret, token, token_secret = self.keys
        if values.get("oauth_consumer_key") != key or values.get("oauth_token") != token:
            return "bad: wrong consumer key or token"
        if values.get("oauth_signature_method") != "HMAC-SHA1":
            return "bad: signature method"
        timestamp = values.get("oauth_timestamp", "")
        if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > 300:
            return "bad: timestamp"
        nonce = values.get("oauth_nonce", "")
        with self._lock:
            if not nonce or nonce in self._nonces:
                return "bad: nonce reused"
            self._nonces.add(nonce)
        collected = [(k, v) for k, v in params if k not in ("oauth_signature", "realm")]
        collected += list(request.query.items())
        normalized = oauth_signature.normalize_parameters(collected)
        uri = oauth_signature.base_string_uri(f"http://{request.host}{request.path}")
        base = oauth_signature.signature_base_string(request.method, uri, normalized)
        expected = oauth_signature.sign_hmac_sha1(base, secret, token_secret)
        if not oauth_signature.safe_string_equals(expected, values.get("oauth_signature", "")):
            return "bad: signature"
        return "oauth1"

    def _check_bearer(self, request: web.Request) -> str:
        if request.headers.get("Authorization") == f"Bearer {self.bearer_token}":
            return "bearer"
        return "bad: bearer token"

    def _needs_user_context(self, method: str, path: str) -> bool:
        return (path.startswith(DM_PREFIX)
                or (method == "POST" and path == "/2/activity/subscriptions"))

    # -- HTTP -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        body = await self._read_body(request)
        if self._needs_user_context(request.method, request.path):
            auth = self._check_oauth1(request)
        else:
            auth = self._check_bearer(request)
        record = XRecorded(request.method, request.path, dict(request.query), body,
                           time.time(), auth)
        script = self._record(record, scripted=not auth.startswith("bad"))
        if self.latency:
            await asyncio.sleep(self.latency)
        headers: Dict[str, str] = {}
        if auth.startswith("bad"):
            status, answer = 401, {"title": "Unauthorized", "type": "about:blank",
                                   "status": 401, "detail": "Unauthorized"}
        elif script and script.kind == "hang":
            await asyncio.sleep(script.seconds)
            status, answer = self._answer(record)
        elif script and script.kind == "fail":
            status = script.status
            if status == 429:
                reset = time.time() + (script.reset_in if script.reset_in is not None else 1)
                headers = {"x-rate-limit-limit": "15", "x-rate-limit-remaining": "0",
                           "x-rate-limit-reset": str(int(reset + 0.999))}
                answer = {"title": "Too Many Requests", "detail": "Too Many Requests",
                          "type": "about:blank", "status": 429}
            elif script.code is not None:
                answer = {"errors": [{"code": script.code,
                                      "message": X_ERRORS.get(script.code, "Forbidden")}]}
            else:
                answer = {"title": "Service Unavailable", "detail": "Service Unavailable",
                          "type": "about:blank", "status": status}
        else:
            status, answer = self._answer(record)
        self._answered(record, status)
        return web.json_response(answer, status=status, headers=headers)

    def _answer(self, record: XRecorded) -> tuple:
        method, path = record.method, record.path
        if record.endpoint == "dm" and method == "POST":
            text = record.text
            if not isinstance(text, str) or not text or set(record.body) - {"text",
                                                                            "attachments"}:
                return 400, {"errors": [{"message": "text: minLength 1, no other property"}],
                             "title": "Invalid Request", "status": 400}
            record.dm_event_id = str(next(self._ids))
            return 201, {"data": {"dm_conversation_id": f"{record.recipient}-{self.bot_user_id}",
                                  "dm_event_id": record.dm_event_id}}
        state = self.state
        if path == "/2/webhooks" and method == "GET":
            if not state.webhooks:
                return 200, {"meta": {"result_count": 0}}
            return 200, {"data": state.webhooks, "meta": {"result_count": len(state.webhooks)}}
        if path == "/2/webhooks" and method == "POST":
            hook = {"id": str(next(self._ids)), "url": (record.body or {}).get("url"),
                    "valid": True, "created_at": "2026-11-24T09:00:00.000Z"}
            state.webhooks.append(hook)
            return 200, {"data": hook}
        if path.startswith("/2/webhooks/") and method in ("DELETE", "PUT"):
            hook_id = path.rsplit("/", 1)[1]
            found = [h for h in state.webhooks if h["id"] == hook_id]
            if not found:
                return 404, {"title": "Not Found", "detail": "webhook not found", "status": 404}
            if method == "DELETE":
                state.webhooks.remove(found[0])
                return 200, {"data": {"deleted": True}}
            found[0]["valid"] = True
            return 200, {"data": {"attempted": True}}
        if path == "/2/activity/subscriptions" and method == "GET":
            return 200, {"data": state.subscriptions,
                         "meta": {"total_subscriptions": len(state.subscriptions)}}
        if path == "/2/activity/subscriptions" and method == "POST":
            body = record.body or {}
            sub = {"subscription_id": str(next(self._ids)), "event_type": body.get("event_type"),
                   "filter": body.get("filter"), "tag": body.get("tag"),
                   "webhook_id": body.get("webhook_id"),
                   "created_at": "2026-11-24T09:00:00.000Z",
                   "updated_at": "2026-11-24T09:00:00.000Z"}
            state.subscriptions.append(sub)
            return 200, {"data": {"subscription": sub}}
        if path.startswith("/2/activity/subscriptions/") and method == "DELETE":
            sub_id = path.rsplit("/", 1)[1]
            found = [s for s in state.subscriptions if s["subscription_id"] == sub_id]
            if not found:
                return 404, {"title": "Not Found", "status": 404}
            state.subscriptions.remove(found[0])
            return 200, {"data": {"deleted": True}}
        return 404, {"title": "Not Found", "status": 404, "detail": f"{method} {path}"}

    # -- queries ----------------------------------------------------------------------------

    def dms(self, recipient: Optional[str] = None, answered_only: bool = True) -> List[XRecorded]:
        """The DM sends (for one recipient or all); by default only those answered 201."""
        return [r for r in self.snapshot() if r.endpoint == "dm"
                and (recipient is None or r.recipient == recipient)
                and (not answered_only or r.answered == 201)]

    def texts(self, recipient: str) -> List[str]:
        return [r.text for r in self.dms(recipient)]

    def attempts(self, recipient: str) -> List[int]:
        """The statuses answered to every DM send attempt for ``recipient``."""
        return [r.answered for r in self.dms(recipient, answered_only=False)]

    def wait_for_dms(self, recipient: str, count: int = 1, timeout: float = 30.0) -> None:
        self.wait_for(lambda: len(self.dms(recipient)) >= count, timeout,
                      f"{count} DM(s) to {recipient}")


def main() -> None:
    """Run the fake X API by hand (README, "X (Twitter)", testing without X): it prints each DM
    the assistant sends. Keys come from the same X_* variables as `make run`."""
    import argparse
    import os

    parser = argparse.ArgumentParser(description="A fake X API on 127.0.0.1 for manual tests")
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args()
    keys = [os.environ.get(name, "") for name in ("X_CONSUMER_KEY", "X_CONSUMER_SECRET",
                                                  "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")]
    fake = FakeXAPI(*keys, bot_user_id=os.environ.get("X_BOT_USER_ID", "1000"),
                    port=args.port).start()
    print(f"Fake X API on {fake.url} (set X_API_URL={fake.url}); Ctrl-C to stop.", flush=True)
    seen = 0
    try:
        while True:
            time.sleep(0.2)
            records = fake.snapshot()
            while seen < len(records) and records[seen].answered:
                record = records[seen]
                print(f"{record.method} {record.path} [{record.auth}] -> {record.answered}",
                      flush=True)
                if record.text:
                    print("  " + record.text.replace("\n", "\n  "), flush=True)
                seen += 1
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
