"""Prints the X webhook's latency (p50/p95) and the time until the answer DM is delivered, with
20 concurrent conversations.

Target: the webhook answers in <= 100 ms at the 95th percentile (X allows 10 s; the turn runs
in the background).

Everything runs on 127.0.0.1: a fake X API (tests/support/fake_x_api.py, which checks the
OAuth 1.0a signature of every DM) receives the bot's DMs; the rasa server runs the X channel
of credentials.yml with the trained model and the action server (mode "rasa", the default when
models/liege.tar.gz exists). Mode "stub" runs the connector alone in a Sanic server with a
scripted bot that takes --stub-work ms per turn, to measure the connector's own overhead.

Each simulated citizen writes a DM (a signed Account Activity delivery), waits for the bot's
DM to reach the fake X API, then writes the next one; 20 of them run at once. Measured: the
time for the webhook to answer (what X waits for), and the time until the answer DM was
delivered (the turn).

    python bench/bench_x_webhook.py [--conversations 20] [--messages 10] [--mode rasa|stub]
                                    [--check]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "bench"))

import webhook_bench as bench  # noqa: E402
from machine_info import describe_machine  # noqa: E402

from connectors.x_webhook import signature_for  # noqa: E402
from tests.support.fake_x_api import FakeXAPI  # noqa: E402

KEYS = ("bench-consumer-key", "bench-consumer-secret", "bench-access-token",
        "bench-access-token-secret")
SECRET = KEYS[1]
BOT = "1400000000000000001"

# What citizens write: questions go through the NLU; "/help" then "2" is a numbered reply.
MESSAGES: List[str] = [
    "Bonjour",
    "Quels sont les horaires du service population ?",
    "Comment renouveler ma carte d'identité ?",
    "/help",
    "2",
    "Combien coûte un passeport ?",
    "Quels documents faut-il pour un déménagement ?",
    "C'est où ?",
    "Merci beaucoup",
    "Au revoir",
]

_ids = itertools.count(1_800_000_000_000_000_001)
_citizens = itertools.count(5_000_000_001)


def delivery(citizen: str, text: str) -> bytes:
    event = {"type": "message_create", "id": str(next(_ids)),
             "created_timestamp": str(int(time.time() * 1000)),
             "message_create": {"target": {"recipient_id": BOT}, "sender_id": citizen,
                                "message_data": {"text": text, "entities": {}}}}
    return json.dumps({"for_user_id": BOT, "direct_message_events": [event],
                       "users": {}}).encode()


def signed_request(citizen: str, index: int) -> Tuple[bytes, Dict[str, str]]:
    body = delivery(citizen, MESSAGES[index % len(MESSAGES)])
    return body, {"Content-Type": "application/json",
                  "x-twitter-webhooks-signature": signature_for(SECRET, body)}


def report(mode: str, conversations: int, webhook_ms: List[float], delivered_ms: List[float],
           errors: List[str], elapsed: float, oauth_ok: bool) -> bool:
    print(f"X webhook benchmark ({mode}) on {describe_machine()}")
    print(f"  {conversations} concurrent conversations, {len(webhook_ms)} webhook calls in "
          f"{elapsed:.1f} s")
    if not webhook_ms:
        print("  no measurement")
        return False
    oauth = (f"  OAuth 1.0a signature of every DM checked by the fake X API: "
             f"{'all valid' if oauth_ok else 'SOME INVALID'}")
    return bench.report_latencies(webhook_ms, delivered_ms, errors, elapsed,
                                  "answer DM delivered", "DM at the fake X API", [oauth],
                                  oauth_ok, "target webhook p95")


def x_env(x_api: FakeXAPI) -> dict:
    return dict(zip(("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN",
                     "X_ACCESS_TOKEN_SECRET"), KEYS), X_BOT_USER_ID=BOT, X_API_URL=x_api.url)


def serve_stub(port: int, x_api_url: str, work_ms: float) -> None:
    """The connector in a Sanic server with a scripted bot (mode "stub")."""
    from connectors.x import XInput

    bench.serve_stub("x_bench_stub", XInput(*KEYS, BOT, api_url=x_api_url), port, work_ms)


def main(argv: Optional[List[str]] = None) -> int:
    parser = bench.parser_with_common_options(__doc__.split("\n\n")[0])
    parser.add_argument("--x-api-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve_stub:
        serve_stub(args.serve_stub, args.x_api_url, args.stub_work)
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-x-") as tmp, \
            FakeXAPI(*KEYS, bot_user_id=BOT) as x_api:
        workdir = Path(tmp)
        platform = bench.Platform(signed_request, lambda citizen: len(x_api.dms(citizen)),
                                  "no DM for message")
        webhook_ms, delivered_ms, errors, elapsed = bench.measure(
            args, platform, "the X connector",
            lambda: bench.rasa_servers(x_env(x_api), "x", workdir),
            lambda: bench.stub_server(__file__, ["--x-api-url", x_api.url], "x", workdir,
                                      args.stub_work),
            str(next(_citizens)), lambda n: str(next(_citizens)))
        oauth_ok = all(r.auth == "oauth1" for r in x_api.dms(answered_only=False))
    ok = report(args.mode, args.conversations, webhook_ms, delivered_ms, errors, elapsed,
                oauth_ok)
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
