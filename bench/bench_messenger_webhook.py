"""Prints the Messenger webhook's latency (p50/p95) with 20 concurrent conversations.

Target: the webhook answers in <= 100 ms at the 95th percentile.

Everything runs on 127.0.0.1: a fake Graph API (tests/support/fake_graph_api.py) receives the
bot's answers; the rasa server runs the connector of credentials.yml with the trained model and
the action server (mode "rasa", the default when models/liege.tar.gz exists). Mode "stub" runs
the connector alone in a Sanic server with a scripted bot that takes --stub-work ms per turn,
to measure the connector's own overhead.

Each simulated citizen writes a message (a signed webhook call shaped like Meta's), waits for
the bot's answer to reach the fake Graph API, then writes the next one, as people do; 20 of
them run at once. Measured: the time for the webhook to answer (what Facebook waits for), and
the time until the answer was sent (the turn).

    python bench/bench_messenger_webhook.py [--conversations 20] [--messages 10]
                                            [--mode rasa|stub] [--check]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

import aiohttp  # noqa: E402

from connectors.facebook import signature_for  # noqa: E402
from tests.support import servers  # noqa: E402
from tests.support.fake_graph_api import FakeGraphAPI, _free_port  # noqa: E402

VERIFY, SECRET, TOKEN = "bench-verify", "bench-secret", "bench-token"
PAGE_ID = "1067280970047460"
TARGET_P95_MS = 100.0

# What citizens write (texts go through NLU; payloads are button taps).
MESSAGES: List[Tuple[str, str]] = [
    ("text", "Bonjour"),
    ("text", "Quels sont les horaires du service population ?"),
    ("text", "Comment renouveler ma carte d'identité ?"),
    ("postback", "/help"),
    ("text", "Combien coûte un passeport ?"),
    ("text", "Quels documents faut-il pour un déménagement ?"),
    ("quick_reply", "/ask_hours"),
    ("text", "C'est où ?"),
    ("text", "Merci beaucoup"),
    ("text", "Au revoir"),
]

_mids = itertools.count(1)


def percentile(values: List[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def event(psid: str, kind: str, value: str) -> Dict:
    base = {"sender": {"id": psid}, "recipient": {"id": PAGE_ID},
            "timestamp": int(time.time() * 1000)}
    mid = f"m_bench_{next(_mids)}_{psid}"
    if kind == "postback":
        base["postback"] = {"mid": mid, "title": value, "payload": value}
    elif kind == "quick_reply":
        base["message"] = {"mid": mid, "text": value, "quick_reply": {"payload": value}}
    else:
        base["message"] = {"mid": mid, "text": value}
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": base["timestamp"],
                                         "messaging": [base]}]}


def turns_done(graph: FakeGraphAPI, psid: str) -> int:
    return sum(1 for r in graph.for_recipient(psid)
               if r.sender_action == "typing_off" and r.answered)


async def conversation(session: aiohttp.ClientSession, url: str, graph: FakeGraphAPI,
                       psid: str, count: int, webhook_ms: List[float], turn_ms: List[float],
                       errors: List[str], turn_timeout: float) -> None:
    for index in range(count):
        kind, value = MESSAGES[index % len(MESSAGES)]
        body = json.dumps(event(psid, kind, value)).encode()
        headers = {"Content-Type": "application/json",
                   "X-Hub-Signature-256": signature_for(SECRET, body)}
        started = time.perf_counter()
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            status = response.status
        webhook_ms.append((time.perf_counter() - started) * 1000)
        if status != 200:
            errors.append(f"{psid}: HTTP {status}")
            continue
        deadline = time.monotonic() + turn_timeout
        while turns_done(graph, psid) < index + 1:
            if time.monotonic() > deadline:
                errors.append(f"{psid}: no answer to message {index + 1} in {turn_timeout}s")
                return
            await asyncio.sleep(0.005)
        turn_ms.append((time.perf_counter() - started) * 1000)


async def load(url: str, graph: FakeGraphAPI, conversations: int, messages: int,
               turn_timeout: float) -> Tuple[List[float], List[float], List[str], float]:
    webhook_ms: List[float] = []
    turn_ms: List[float] = []
    errors: List[str] = []
    connector = aiohttp.TCPConnector(limit=conversations * 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        # Warm-up conversation (first inference, tracker store), not measured.
        await conversation(session, url, graph, "bench-warmup", 3, [], [], errors, turn_timeout)
        started = time.perf_counter()
        await asyncio.gather(*(
            conversation(session, url, graph, f"bench-{os.getpid()}-{n}", messages, webhook_ms,
                         turn_ms, errors, turn_timeout)
            for n in range(conversations)))
        elapsed = time.perf_counter() - started
    return webhook_ms, turn_ms, errors, elapsed


def report(mode: str, conversations: int, webhook_ms: List[float], turn_ms: List[float],
           errors: List[str], elapsed: float) -> bool:
    print(f"Messenger webhook benchmark ({mode}): {conversations} concurrent conversations, "
          f"{len(webhook_ms)} webhook calls in {elapsed:.1f} s")
    if not webhook_ms:
        print("no measurement")
        return False
    p95 = percentile(webhook_ms, 0.95)
    print(f"  webhook answer : p50 {percentile(webhook_ms, 0.5):.1f} ms, p95 {p95:.1f} ms, "
          f"p99 {percentile(webhook_ms, 0.99):.1f} ms, max {max(webhook_ms):.1f} ms, "
          f"mean {statistics.mean(webhook_ms):.1f} ms")
    if turn_ms:
        print(f"  bot answer sent: p50 {percentile(turn_ms, 0.5):.0f} ms, "
              f"p95 {percentile(turn_ms, 0.95):.0f} ms (webhook call -> typing_off at the "
              f"Graph API; {len(turn_ms) / elapsed:.1f} turns/s)")
    for error in errors[:5]:
        print(f"  error: {error}")
    if len(errors) > 5:
        print(f"  … {len(errors) - 5} more errors")
    ok = p95 <= TARGET_P95_MS and not errors
    print(f"  target p95 <= {TARGET_P95_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    return ok


# --- servers -----------------------------------------------------------------------------------

@contextlib.contextmanager
def rasa_servers(graph: FakeGraphAPI, workdir: Path):
    env = {"FB_VERIFY_TOKEN": VERIFY, "FB_APP_SECRET": SECRET, "FB_PAGE_ACCESS_TOKEN": TOKEN,
           "FB_GRAPH_API_URL": graph.url}
    from connectors.credentials import render
    credentials, _ = render((PROJECT_ROOT / "credentials.yml").read_text(), env)
    with servers.action_server(workdir) as actions:
        with servers.rasa_server(workdir, actions.url, credentials=credentials,
                                 env=env) as rasa:
            yield f"{rasa.url}/webhooks/facebook/webhook", rasa.log


@contextlib.contextmanager
def stub_server(graph: FakeGraphAPI, workdir: Path, work_ms: float):
    port = _free_port()
    log = workdir / f"stub-{port}.log"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--serve-stub", str(port),
           "--graph-url", graph.url, "--stub-work", str(work_ms)]
    with open(log, "wb") as out:
        process = subprocess.Popen(cmd, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            servers.wait_until_up(f"http://127.0.0.1:{port}/webhooks/facebook/", process, log,
                                  60)
            yield f"http://127.0.0.1:{port}/webhooks/facebook/webhook", log
        finally:
            servers.stop(process)


def serve_stub(port: int, graph_url: str, work_ms: float) -> None:
    """The connector in a Sanic server with a scripted bot (mode "stub")."""
    from rasa.core.channels.channel import register
    from sanic import Sanic

    from connectors.facebook import MessengerInput

    class Agent:
        async def handle_message(self, message):
            await asyncio.sleep(work_ms / 1000)  # NLU, policies, actions
            await message.output_channel.send_response(
                message.sender_id, {"text": f"Réponse à : {message.text}", "buttons": [
                    {"title": f"Choix {i}", "payload": f"/c{i}"} for i in range(4)]})

    app = Sanic("messenger_bench_stub")
    app.ctx.agent = Agent()
    register([MessengerInput(VERIFY, SECRET, TOKEN, graph_api_url=graph_url)], app,
             route="/webhooks/")
    app.run(host="127.0.0.1", port=port, access_log=False)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10,
                        help="messages per conversation (default 10)")
    parser.add_argument("--mode", choices=["rasa", "stub"],
                        default="rasa" if servers.MODEL_PATH.exists() else "stub")
    parser.add_argument("--stub-work", type=float, default=50.0,
                        help="simulated bot work per turn in stub mode, ms (default 50)")
    parser.add_argument("--turn-timeout", type=float, default=120.0)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the p95 target is not met")
    parser.add_argument("--serve-stub", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--graph-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve_stub:
        serve_stub(args.serve_stub, args.graph_url, args.stub_work)
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-messenger-") as tmp, FakeGraphAPI() as graph:
        workdir = Path(tmp)
        if args.mode == "rasa":
            print(f"Starting the action server and the rasa server ({servers.MODEL_PATH.name})…")
            servers_cm = rasa_servers(graph, workdir)
        else:
            print(f"Starting the connector with a scripted bot ({args.stub_work:.0f} ms/turn)…")
            servers_cm = stub_server(graph, workdir, args.stub_work)
        with servers_cm as (url, log):
            webhook_ms, turn_ms, errors, elapsed = asyncio.run(load(
                url, graph, args.conversations, args.messages, args.turn_timeout))
            if errors:
                print(servers.tail(log, 20))
    ok = report(args.mode, args.conversations, webhook_ms, turn_ms, errors, elapsed)
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
