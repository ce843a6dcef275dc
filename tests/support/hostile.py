"""Hostile inputs and the ways to deliver them to the real servers (tests and benchmark).

Each input is what a careless or malicious citizen can send on a channel: a text inside a
well-formed request (``text``), or a whole request body of its own (``raw``). The helpers send
them over REST, socket.io (python-socketio's client, as the widget does) and Messenger (signed
webhook calls), and read the rasa server's memory.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import socketio

SENTENCE = "Bonjour, je voudrais savoir comment renouveler ma carte d'identité. "
MB = 1024 * 1024


@dataclass(frozen=True)
class Hostile:
    name: str
    text: Optional[str] = None  # a message text, sent in a well-formed request
    raw: Optional[bytes] = None  # or a whole request body / frame of its own
    metadata: Any = None  # extra metadata sent with `text`

    @property
    def size(self) -> int:
        if self.raw is not None:
            return len(self.raw)
        return len((self.text or "").encode("utf-8", "surrogatepass")) + len(
            json.dumps(self.metadata) if self.metadata is not None else "")


def _repeat_to(unit: str, size: int) -> str:
    return unit * (size // len(unit.encode("utf-8")) + 1)


def _nested(depth: int) -> bytes:
    return b'{"sender": "x", "message": ' + b"[" * depth + b"]" * depth + b"}"


# Texts, sent inside an ordinary request on every channel.
HOSTILE_TEXTS: List[Hostile] = [
    Hostile("sentence ×200k chars", text=(SENTENCE * 3000)[:200_000]),
    Hostile("sentence ×10 MB", text=_repeat_to(SENTENCE, 10 * MB)),
    Hostile("one 200k-char word", text="a" * 200_000),
    Hostile("one 10 MB word", text="x" * (10 * MB)),
    Hostile("5,000 emoji", text="😀" * 5_000),
    Hostile("50k emoji", text="🤖" * 50_000),
    Hostile("control characters", text="bon\x00jour\x1b[2J\x07 \u202e carte d'identité\x7f" * 50),
    Hostile("thousands of fake buttons (payload)", text="/ask_price" + json.dumps(
        {"procedure": [{"title": f"b{i}", "payload": "/greet"} for i in range(3000)]})),
    Hostile("deeply nested payload", text="/ask_price" + '{"procedure": ' + "[" * 5000
            + "]" * 5000 + "}"),
    Hostile("huge metadata", text="Bonjour", metadata={"page": "x" * (2 * MB)}),
    Hostile("deep metadata", text="Bonjour", metadata=json.loads('{"a":' * 100 + "1"
                                                                  + "}" * 100)),
]

# Whole request bodies, for the HTTP webhooks (REST, Messenger).
HOSTILE_BODIES: List[Hostile] = [
    Hostile("invalid UTF-8", raw=b'{"sender": "x", "message": "caf\xe9 \xff\xfe"}'),
    Hostile("lone surrogates", raw=b'{"sender": "x", "message": "\\ud800\\udfff\\ud83d"}'),
    Hostile("deeply nested JSON", raw=_nested(100_000)),
    Hostile("JSON 10 MB body", raw=json.dumps({"sender": "x", "message": "y",
                                               "pad": "z" * (10 * MB)}).encode()),
    Hostile("not JSON", raw=b"\x00\x01\x02 not json at all" * 1000),
    Hostile("a JSON list", raw=b"[1, 2, 3]"),
    Hostile("message is an object", raw=b'{"sender": "x", "message": {"text": "Bonjour"}}'),
]


# --- the server's memory -----------------------------------------------------------------------

def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


# --- REST --------------------------------------------------------------------------------------

def post(url: str, body: bytes, headers: Optional[Dict[str, str]] = None,
         timeout: float = 60.0) -> Tuple[int, Any, float]:
    """(status, decoded JSON or text, seconds) of a POST; a refused connection is status 0."""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              **(headers or {})})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    except (urllib.error.URLError, ConnectionError) as error:  # e.g. reset while sending
        return 0, str(error), time.monotonic() - started
    elapsed = time.monotonic() - started
    try:
        return status, json.loads(payload), elapsed
    except ValueError:
        return status, payload.decode(errors="replace"), elapsed


def rest_body(sender: str, hostile: Hostile) -> bytes:
    if hostile.raw is not None:
        return hostile.raw
    body: Dict[str, Any] = {"sender": sender, "message": hostile.text}
    if hostile.metadata is not None:
        body["metadata"] = hostile.metadata
    return json.dumps(body).encode()


def rest_url(server_url: str) -> str:
    return f"{server_url}/webhooks/rest/webhook"


# --- socket.io ---------------------------------------------------------------------------------

async def socketio_turn(server_url: str, origin: str, session_id: str, frame: Any,
                        timeout: float = 30.0) -> Tuple[List[Dict[str, Any]], bool, float]:
    """Send one ``user_uttered`` frame as the widget does; return (bot messages received
    until they stop coming, whether the server dropped the connection, seconds)."""
    client = socketio.AsyncClient(reconnection=False)
    received: List[Dict[str, Any]] = []
    confirmed = asyncio.Event()
    dropped = asyncio.Event()
    client.on("bot_uttered", lambda data: received.append(data))
    client.on("session_confirm", lambda *_: confirmed.set())
    client.on("disconnect", lambda *_: dropped.set())
    await client.connect(server_url, headers={"Origin": origin}, transports=["websocket"],
                         socketio_path="/socket.io", wait_timeout=10)
    started = time.monotonic()
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), 10)
        await client.emit("user_uttered", frame)
        deadline = time.monotonic() + timeout
        seen = -1
        # Answers come as several frames: wait until none has come for a moment.
        while time.monotonic() < deadline and not dropped.is_set():
            await asyncio.sleep(0.4)
            if received and len(received) == seen:
                break
            seen = len(received)
        return received, dropped.is_set(), time.monotonic() - started
    finally:
        await client.disconnect()


def socketio_frame(session_id: str, hostile: Hostile) -> Any:
    frame: Dict[str, Any] = {"session_id": session_id, "message": hostile.text}
    if hostile.metadata is not None:
        frame["metadata"] = hostile.metadata
    return frame


# --- the other citizen ---------------------------------------------------------------------------

def while_running(hostile_call: Callable[[], Any], other_call: Callable[[], Any],
                  delay: float = 0.2) -> Tuple[Any, Any, float]:
    """Run ``hostile_call`` and, ``delay`` s after it started, ``other_call`` (another citizen's
    ordinary message); return both results and how long the other citizen waited."""
    import threading

    results: Dict[str, Any] = {}

    def run_hostile() -> None:
        results["hostile"] = hostile_call()

    thread = threading.Thread(target=run_hostile, daemon=True)
    thread.start()
    time.sleep(delay)
    started = time.monotonic()
    results["other"] = other_call()
    waited = time.monotonic() - started
    thread.join(120)
    return results.get("hostile"), results["other"], waited
