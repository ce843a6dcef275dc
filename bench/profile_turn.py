"""Prints where the time of a turn goes: cProfile around rasa's `Agent.handle_text` for the
benchmark conversations (bench/conversations.py), as the rasa server runs them (the trained
model, the project's endpoints: the real action server started here on 127.0.0.1, an SQLite
tracker store in a temporary folder), after a warm-up round.

    .venv/bin/python bench/profile_turn.py [--rounds 3] [--top 25] [--without-fixes]

`--without-fixes` leaves out rasa_extensions/rasa_fixes.py, to weigh what the fixes give.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import logging
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore")  # rasa's dependencies' deprecation notices, not figures

from conversations import CONVERSATIONS  # noqa: E402  (bench/ is the script's folder)
from tests.support import servers  # noqa: E402


async def run_conversations(agent, rounds: int, latencies=None) -> None:
    for _ in range(rounds):
        for conversation in CONVERSATIONS:
            sender = f"profile-{uuid.uuid4().hex[:8]}"
            for text in conversation:
                started = time.perf_counter()
                await agent.handle_text(text, sender_id=sender)
                if latencies is not None:
                    latencies.append((time.perf_counter() - started) * 1000)


async def profile(args, workdir: Path, action_url: str) -> None:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)
    if not args.without_fixes:
        from rasa_extensions import rasa_fixes

        rasa_fixes.install()
    # SQLite files in a temporary folder, unless TRACKER_STORE_URL / LOCK_STORE_URL name other
    # stores (e.g. make cluster's PostgreSQL and Redis, to profile the scaled-out turn)
    os.environ["ACTION_ENDPOINT_URL"] = f"{action_url}/webhook"
    os.environ.setdefault("TRACKER_STORE_URL", f"sqlite:///{workdir}/tracker.db")
    os.environ.setdefault("LOCK_STORE_URL", f"sqlite:///{workdir}/locks.db")
    endpoints = AvailableEndpoints.read_endpoints(str(servers.PROJECT_ENDPOINTS))
    agent = await load_agent(model_path=str(args.model), endpoints=endpoints)
    await run_conversations(agent, 1)  # warm-up: TensorFlow traces, caches, connections

    latencies: list = []
    profiler = cProfile.Profile()
    profiler.enable()
    await run_conversations(agent, args.rounds, latencies)
    profiler.disable()

    turns = len(latencies)
    ordered = sorted(latencies)
    print(f"{turns} turns ({'without' if args.without_fixes else 'with'} the project's rasa "
          f"fixes), profiled: p50 {statistics.median(ordered):.1f} ms, "
          f"p95 {ordered[int(0.95 * (turns - 1))]:.1f} ms, mean {statistics.mean(ordered):.1f} ms")
    for key, title in (("cumulative", "by cumulative time"), ("tottime", "by own time")):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(key).print_stats(args.top)
        lines = [line for line in out.getvalue().splitlines() if line.strip()]
        start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
        print(f"\nTop {args.top} functions {title} (seconds over the {turns} turns; "
              f"ms per turn = seconds x 1000 / {turns}):")
        print(lines[start])
        for line in lines[start + 1:]:
            print(line.replace(str(PROJECT_ROOT) + "/", "").replace(
                str(Path(sys.executable).parents[1] / "lib/python3.10/site-packages") + "/", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=servers.MODEL_PATH)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--without-fixes", action="store_true")
    args = parser.parse_args()
    if not args.model.exists():
        print(f"{args.model} is missing: run `make train` first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp, \
            servers.action_server(Path(tmp)) as action_server:
        asyncio.run(profile(args, Path(tmp), action_server.url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
