"""Language detection on held-out messages (rasa_extensions/language_detection.py, issue 16).

    .venv/bin/python bench/bench_language.py [--repeat 3]

Foreign messages: tests/languages/{nl,en,de}.yml (never used to choose the thresholds).
French messages: every held-out NLU sentence of tests/nlu/ (but the five written in another
language on purpose: tests/languages/not_french.yml) and the short or ambiguous ones of
tests/languages/fr_short.yml. Prints, per language, the share detected as that language (target
≥ 95 %), the French messages taken as foreign (target ≤ 0.5 %, at most 1 of test_nlu.yml's
sentences), the misses, and the detection time per message: p50, p95, max (target p95 ≤ 2 ms).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from machine_info import describe_machine  # noqa: E402  (bench/ is the script's folder)

HELD_OUT = PROJECT_ROOT / "tests" / "languages"


def foreign_messages() -> Dict[str, List[str]]:
    import yaml

    return {code: [m["text"] for m in yaml.safe_load((HELD_OUT / f"{code}.yml").read_text())
                   ["messages"]] for code in ("nl", "en", "de")}


def french_messages() -> Dict[str, List[str]]:
    import yaml

    from trainers.training_data import nlu_examples

    not_french = {m["text"] for m in yaml.safe_load((HELD_OUT / "not_french.yml").read_text())
                  ["messages"]}
    nlu = [text for _, text in nlu_examples(PROJECT_ROOT / "tests" / "nlu")
           if text not in not_french]
    short = [m["text"] for m in yaml.safe_load((HELD_OUT / "fr_short.yml").read_text())
             ["messages"]]
    return {"held-out NLU sentences": nlu, "short or ambiguous": short}


def figures() -> Tuple[Dict[str, dict], Dict[str, dict]]:
    """Per foreign language and per French set: counts and misses."""
    from rasa_extensions.language_detection import FOREIGN, detect

    foreign = {}
    for code, texts in foreign_messages().items():
        found = [(text, detect(text)) for text in texts]
        foreign[code] = {"messages": len(texts),
                         "detected": sum(language == code for _, language in found),
                         "misses": [(t, language) for t, language in found if language != code]}
    french = {}
    for name, texts in french_messages().items():
        found = [(text, detect(text)) for text in texts]
        french[name] = {"messages": len(texts),
                        "foreign": [(t, language) for t, language in found
                                    if language in FOREIGN]}
    return foreign, french


def timings(repeat: int) -> List[float]:
    from rasa_extensions.language_detection import detect

    texts = [t for texts in foreign_messages().values() for t in texts] + [
        t for texts in french_messages().values() for t in texts]
    spent = []
    for _ in range(repeat):
        for text in texts:
            start = time.perf_counter()
            detect(text)
            spent.append((time.perf_counter() - start) * 1000)
    return spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from rasa_extensions.language_detection import detect

    start = time.perf_counter()
    detect("Wanneer is het zwembad open?")  # lingua's models and the catalogue's names
    loading = time.perf_counter() - start
    foreign, french = figures()
    print(describe_machine())
    total = sum(f["messages"] for f in foreign.values())
    detected = sum(f["detected"] for f in foreign.values())
    print(f"foreign messages detected: {detected}/{total} ({detected / total:.1%}; "
          "target ≥ 95 %)")
    for code, found in foreign.items():
        print(f"  {code}: {found['detected']}/{found['messages']}"
              f" ({found['detected'] / found['messages']:.1%})")
        for text, language in found["misses"]:
            print(f"    missed ({language}): {text}")
    for name, found in french.items():
        print(f"French {name} taken as foreign: {len(found['foreign'])}/{found['messages']}"
              f" ({len(found['foreign']) / found['messages']:.2%}; target ≤ 0.5 %)")
        for text, language in found["foreign"]:
            print(f"    ({language}): {text}")
    spent = timings(args.repeat)
    ordered = sorted(spent)
    print(f"detection per message: p50 {statistics.median(spent):.3f} ms, "
          f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:.3f} ms, max {max(spent):.3f} ms "
          f"(target p95 ≤ 2 ms); models loaded in {loading:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
