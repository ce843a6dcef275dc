"""Prints NLU parse latency (p50/p95) of the trained model over the held-out messages.

Runs the model in-process (no HTTP), one message at a time, after a warm-up, as the rasa
server does for each incoming message.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rasa_extensions import rasa_fixes  # noqa: E402


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


async def run(model: Path, nlu: Path, rounds: int) -> None:
    rasa_fixes.install()  # as in the rasa server (scripts/rasa_cli.py)
    started = time.perf_counter()
    agent = Agent.load(str(model))
    print(f"model loaded in {time.perf_counter() - started:.1f} s")
    texts = [example.get("text") for example in load_data(str(nlu)).intent_examples]
    for text in texts[:10]:
        await agent.parse_message(text)
    timings = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            await agent.parse_message(text)
            timings.append((time.perf_counter() - start) * 1000)
    print(f"NLU parse latency over {len(timings)} messages: "
          f"p50 {percentile(timings, 0.5):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms, "
          f"mean {statistics.mean(timings):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=Path("models/liege.tar.gz"))
    parser.add_argument("--nlu", type=Path, default=Path("tests/nlu/test_nlu.yml"))
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(run(args.model, args.nlu, args.rounds))


if __name__ == "__main__":
    main()
