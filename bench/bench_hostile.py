"""Hostile inputs against the real servers: what each costs the assistant and the other citizens.

Starts an action server, a rasa server with the project's channels (REST, socket.io, and
Messenger against a fake Graph API on 127.0.0.1), then sends every hostile input of
tests/support/hostile.py on each channel. While each one is handled, another citizen sends
"merci" on REST. For each input it prints: the outcome (HTTP status, or answers received;
"413 (closed early)": the server refused the body before the client finished sending it),
the time until the hostile sender got its answer, the other citizen's wait, and the rasa
server's memory growth (RSS). Targets (issue "One pasted message must never take the assistant
down"): no input up to 10 MB raises the memory by more than 200 MB nor delays another
citizen's answer by more than 1 s, and the server is never killed.

    .venv/bin/python bench/bench_hostile.py [--only REST|socket.io|Messenger]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors import credentials as credentials_renderer  # noqa: E402
from connectors.facebook import signature_for  # noqa: E402
from tests.support import hostile as h  # noqa: E402
from tests.support import servers  # noqa: E402
from tests.support.fake_graph_api import FakeGraphAPI  # noqa: E402
from machine_info import describe_machine  # noqa: E402  (bench/ is the script's folder)

SECRET = "bench-secret"
ORIGIN = "http://127.0.0.1:8080"
_ids = itertools.count(1)


def describe(result: Any) -> str:
    """A short outcome: "200, 2 answers", "413", "dropped"…"""
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], int):
        status, answers = result
        if status == 0:  # Sanic answered 413 and closed while urllib was still sending
            return "413 (closed early)"
        return f"{status}, {answers} answer(s)" if status == 200 else str(status)
    return str(result)


class Channels:
    """Sends one hostile input on a channel and waits for what the citizen gets."""

    def __init__(self, rasa: servers.RunningServer, graph: FakeGraphAPI) -> None:
        self.rasa, self.graph = rasa, graph

    def rest(self, item: h.Hostile) -> Any:
        sender = f"hostile-{next(_ids)}"
        status, answer, _ = h.post(h.rest_url(self.rasa.url), h.rest_body(sender, item))
        return status, len(answer) if isinstance(answer, list) else 0

    def socketio(self, item: h.Hostile) -> Any:
        session = f"hostile-{next(_ids)}"
        received, dropped, _ = asyncio.run(h.socketio_turn(
            self.rasa.url, ORIGIN, session, h.socketio_frame(session, item), timeout=20))
        return "dropped (frame too large)" if dropped else f"{len(received)} answer(s)"

    def messenger(self, item: h.Hostile) -> Any:
        psid = str(10_000_000 + next(_ids))
        if item.raw is not None:
            body = item.raw
        else:
            body = json.dumps({"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": [
                {"sender": {"id": psid}, "recipient": {"id": "PAGE"}, "timestamp": 1,
                 "message": {"mid": f"m-{psid}", "text": item.text}}]}]}).encode()
        status, _, _ = h.post(f"{self.rasa.url}/webhooks/facebook/webhook", body,
                              {"X-Hub-Signature-256": signature_for(SECRET, body)})
        if status != 200 or item.raw is not None:
            return status, 0
        self.graph.wait_for_turn_end(psid, timeout=60)
        return status, len(self.graph.messages(psid))


def other_citizen(rasa_url: str) -> Callable[[], Any]:
    return lambda: servers.rest_send(rasa_url, f"other-{next(_ids)}", "merci", timeout=60)


def run(only: Optional[str]) -> None:
    print(describe_machine())
    workdir = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    with FakeGraphAPI() as graph, servers.action_server(workdir) as actions:
        env = {"FB_VERIFY_TOKEN": "bench", "FB_APP_SECRET": SECRET,
               "FB_PAGE_ACCESS_TOKEN": "bench-token", "FB_GRAPH_API_URL": graph.url,
               "CORS_ORIGINS": ORIGIN}
        creds, _ = credentials_renderer.render((ROOT / "credentials.yml").read_text(), env)
        with servers.rasa_server(workdir, actions.url, credentials=creds, env=env) as rasa:
            measure(rasa, Channels(rasa, graph), only)


def measure(rasa: servers.RunningServer, channels: Channels, only: Optional[str]) -> None:
    pid = rasa.process.pid
    other = other_citizen(rasa.url)
    for _ in range(3):  # warm-up: the first turns load lazily
        other()
    quiet = []
    for _ in range(10):
        started = time.monotonic()
        other()
        quiet.append(time.monotonic() - started)
    start_rss = h.rss_mb(pid)
    print(f"rasa server RSS after warm-up: {start_rss:.0f} MB; "
          f"'merci' alone: median {statistics.median(quiet) * 1000:.0f} ms\n")
    plan: Dict[str, tuple] = {
        "REST": (channels.rest, h.HOSTILE_TEXTS + h.HOSTILE_BODIES),
        "socket.io": (channels.socketio, h.HOSTILE_TEXTS),
        "Messenger": (channels.messenger, h.HOSTILE_TEXTS + h.HOSTILE_BODIES),
    }
    print(f"{'channel':<10}{'input':<38}{'size':>10}  {'outcome':<26}{'answer s':>9}"
          f"{'other wait s':>13}{'RSS +MB':>9}")
    worst_wait = worst_growth = 0.0
    for name, (send, items) in plan.items():
        if only and name != only:
            continue
        for item in items:
            before = h.rss_mb(pid)
            started = time.monotonic()
            box: List[float] = []

            def hostile_call(item: h.Hostile = item) -> Any:
                result = send(item)
                box.append(time.monotonic() - started)
                return result

            result, _, waited = h.while_running(hostile_call, other, delay=0.05)
            growth = h.rss_mb(pid) - before
            worst_wait, worst_growth = max(worst_wait, waited), max(worst_growth, growth)
            answer = f"{box[0]:.2f}" if box else "-"
            print(f"{name:<10}{item.name:<38}{item.size / 1024:>8.0f}kB  "
                  f"{describe(result):<26}{answer:>9}{waited:>13.2f}{growth:>9.0f}")
    alive = rasa.process.poll() is None
    print(f"\nworst other-citizen wait: {worst_wait:.2f} s (target ≤ 1 s); "
          f"worst memory growth for one input: {worst_growth:.0f} MB (target ≤ 200 MB); "
          f"RSS {start_rss:.0f} → {h.rss_mb(pid) if alive else 0:.0f} MB; "
          f"server {'alive' if alive else 'DEAD'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["REST", "socket.io", "Messenger"])
    args = parser.parse_args()
    run(args.only)


if __name__ == "__main__":
    main()
