"""How the limit on a message's length was chosen: NLU cost and quality against length.

1. Cost: parse time and peak memory of the trained model (in-process, as the rasa server
   parses a message) for texts of growing length: a French sentence repeated, one long word,
   a wall of emoji.
2. Quality: the long held-out messages (tests/nlu/test_nlu_long.yml, 250-2,500 characters)
   parsed whole and cut by connectors.message_bounds.bound_text at several limits: intent
   accuracy and entity agreement. A limit is acceptable when nothing drops against "whole".

    .venv/bin/python bench/bench_message_length.py [--model models/liege.tar.gz]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.log_utils import configure_structlog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rasa_extensions import rasa_fixes  # noqa: E402
from connectors.message_bounds import (  # noqa: E402
    MAX_MESSAGE_CHARS,
    MAX_MESSAGE_TOKENS,
    bound_text,
)
from machine_info import describe_machine  # noqa: E402  (bench/ is the script's folder)

SENTENCE = "Bonjour, je voudrais savoir comment renouveler ma carte d'identité. "
KINDS = {"sentence": SENTENCE, "one word": "a", "emoji": "😀"}
LENGTHS = [100, 250, 500, 1000, 2000, 5000, 10000]
LIMITS: List[Optional[Tuple[int, int]]] = [None, (500, 120), (1000, 250), (1500, 350),
                                           (2000, 500), (2500, 600)]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def cost(agent: Agent) -> None:
    print("\n1. Parse cost against length (median of 3 parses; peak RSS growth of the process)")
    print(f"{'text':<10}{'chars':>8}{'parse ms':>10}{'peak +MB':>10}")
    for kind, unit in KINDS.items():
        for length in LENGTHS:
            text = (unit * (length // len(unit) + 1))[:length]
            before = peak_rss_mb()
            timings = []
            for _ in range(3):
                started = time.perf_counter()
                await agent.parse_message(text)
                timings.append((time.perf_counter() - started) * 1000)
            print(f"{kind:<10}{length:>8}{statistics.median(timings):>10.0f}"
                  f"{peak_rss_mb() - before:>10.0f}")


def entity_pairs(entities: List[Dict]) -> set:
    """The catalogue entities (procedure, service) as (entity, value) pairs."""
    return {(e["entity"], str(e.get("value"))) for e in entities or []
            if e["entity"] in ("procedure", "service")}


async def quality(agent: Agent, held_out: Path) -> None:
    examples = load_data(str(held_out)).intent_examples
    lengths = sorted(len(e.get("text")) for e in examples)
    print(f"\n2. Quality on {len(examples)} long held-out messages ({held_out}; "
          f"{lengths[0]}-{lengths[-1]} characters, median {statistics.median(lengths):.0f})")
    print(f"{'limit (chars, tokens)':<24}{'cut':>6}{'intent acc':>12}{'entities ok':>13}"
          f"{'changed vs whole':>18}")
    expected = [entity_pairs(example.get("entities")) for example in examples]
    whole: List[Tuple[str, set]] = []
    for limit in LIMITS:
        correct = entities_ok = cut = changed = 0
        for index, example in enumerate(examples):
            text = example.get("text")
            if limit is not None:
                bounded = bound_text(text, max_chars=limit[0], max_tokens=limit[1])
                cut += bounded.cut
                text = bounded.text
            parsed = await agent.parse_message(text)
            intent = parsed["intent"]["name"]
            found = entity_pairs(parsed.get("entities"))
            correct += intent == example.get("intent")
            entities_ok += expected[index] <= found
            if limit is None:
                whole.append((intent, found))
            else:
                changed += (intent, found) != whole[index]
        name = "whole" if limit is None else f"{limit[0]}, {limit[1]}"
        if limit == (MAX_MESSAGE_CHARS, MAX_MESSAGE_TOKENS):
            name += " (chosen)"
        print(f"{name:<24}{cut:>6}{correct / len(examples):>12.1%}"
              f"{entities_ok / len(examples):>13.1%}{changed:>18}")


async def run(model: Path, held_out: Path) -> None:
    # rasa's debug log repeats each parsed text: keep it quiet, the texts are huge.
    configure_structlog(logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)
    print(describe_machine())
    rasa_fixes.install()  # as in the rasa server (scripts/rasa_cli.py)
    agent = Agent.load(str(model))
    await agent.parse_message("Bonjour")  # warm-up
    if held_out.exists():
        await quality(agent, held_out)
    else:
        print(f"\n2. Quality: {held_out} is missing")
    await cost(agent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=Path("models/liege.tar.gz"))
    parser.add_argument("--held-out", type=Path, default=Path("tests/nlu/test_nlu_long.yml"))
    args = parser.parse_args()
    asyncio.run(run(args.model, args.held_out))


if __name__ == "__main__":
    main()
