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
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "bench"))

import webhook_bench as bench  # noqa: E402

from connectors.facebook import signature_for  # noqa: E402
from tests.support.fake_graph_api import FakeGraphAPI  # noqa: E402

VERIFY, SECRET, TOKEN = "bench-verify", "bench-secret", "bench-token"
PAGE_ID = "1067280970047460"

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


def signed_request(psid: str, index: int) -> Tuple[bytes, Dict[str, str]]:
    kind, value = MESSAGES[index % len(MESSAGES)]
    body = json.dumps(event(psid, kind, value)).encode()
    return body, {"Content-Type": "application/json",
                  "X-Hub-Signature-256": signature_for(SECRET, body)}


def turns_done(graph: FakeGraphAPI, psid: str) -> int:
    return sum(1 for r in graph.for_recipient(psid)
               if r.sender_action == "typing_off" and r.answered)


def report(mode: str, conversations: int, webhook_ms: List[float], turn_ms: List[float],
           errors: List[str], elapsed: float) -> bool:
    print(f"Messenger webhook benchmark ({mode}): {conversations} concurrent conversations, "
          f"{len(webhook_ms)} webhook calls in {elapsed:.1f} s")
    if not webhook_ms:
        print("no measurement")
        return False
    return bench.report_latencies(webhook_ms, turn_ms, errors, elapsed, "bot answer sent",
                                  "typing_off at the Graph API")


def serve_stub(port: int, graph_url: str, work_ms: float) -> None:
    """The connector in a Sanic server with a scripted bot (mode "stub")."""
    from connectors.facebook import MessengerInput

    bench.serve_stub("messenger_bench_stub",
                     MessengerInput(VERIFY, SECRET, TOKEN, graph_api_url=graph_url), port,
                     work_ms)


def main(argv: Optional[List[str]] = None) -> int:
    parser = bench.parser_with_common_options(__doc__.split("\n\n")[0])
    parser.add_argument("--graph-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve_stub:
        serve_stub(args.serve_stub, args.graph_url, args.stub_work)
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-messenger-") as tmp, FakeGraphAPI() as graph:
        workdir = Path(tmp)
        env = {"FB_VERIFY_TOKEN": VERIFY, "FB_APP_SECRET": SECRET, "FB_PAGE_ACCESS_TOKEN": TOKEN,
               "FB_GRAPH_API_URL": graph.url}
        platform = bench.Platform(signed_request, lambda psid: turns_done(graph, psid),
                                  "no answer to message")
        webhook_ms, turn_ms, errors, elapsed = bench.measure(
            args, platform, "the connector",
            lambda: bench.rasa_servers(env, "facebook", workdir),
            lambda: bench.stub_server(__file__, ["--graph-url", graph.url], "facebook",
                                      workdir, args.stub_work),
            "bench-warmup", lambda n: f"bench-{os.getpid()}-{n}")
    ok = report(args.mode, args.conversations, webhook_ms, turn_ms, errors, elapsed)
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
