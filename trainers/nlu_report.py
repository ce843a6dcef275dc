"""`make nlu-report`: how well the assistant understands, for trainers, from the last
`make test-nlu` run (scripts/evaluate_understanding.py over the held-out sets of tests/nlu/).

    make test-nlu && make nlu-report
    .venv/bin/python -m trainers.nlu_report [--results results/understanding] [--out reports/nlu]

Writes reports/nlu/index.html (in French, self-contained) and confusion.png: the confusion
matrix of the intents (held-out messages, expected against predicted), the pairs of intents
most often confused with their example sentences, and the intents with too few training
examples in data/nlu/ (fewer than MIN_EXAMPLES).
"""

from __future__ import annotations

import argparse
import base64
import collections
import html
import json
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from trainers.training_data import TRAINING, nlu_examples

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MIN_EXAMPLES = 20  # the README's rule for a new intent
EXAMPLES_PER_PAIR = 3
MAX_PAIRS = 15


class MissingResults(Exception):
    pass


def load_results(folder: Path) -> Tuple[dict, List[dict]]:
    figures_path, errors_path = folder / "understanding.json", folder / "understanding_errors.yml"
    if not figures_path.is_file() or not errors_path.is_file():
        raise MissingResults(f"no results in {folder}: run `make test-nlu` first")
    figures = json.loads(figures_path.read_text(encoding="utf-8"))
    if "intent_confusion" not in figures:
        raise MissingResults(f"{figures_path} comes from an older `make test-nlu`: run it again")
    errors = yaml.safe_load(errors_path.read_text(encoding="utf-8")) or {}
    return figures, list(errors.get("intent_or_entity_misses") or [])


def confused_pairs(confusion: Dict[str, Dict[str, int]],
                   misses: List[dict]) -> List[Tuple[str, str, int, List[str]]]:
    """(expected, predicted, messages, example sentences), most frequent first."""
    examples: Dict[Tuple[str, str], List[str]] = collections.defaultdict(list)
    for miss in misses:
        pair = (miss.get("intent"), miss.get("predicted"))
        if pair[0] != pair[1] and len(examples[pair]) < EXAMPLES_PER_PAIR:
            examples[pair].append(str(miss.get("text")))
    pairs = [(expected, predicted, count, examples[(expected, predicted)])
             for expected, row in confusion.items() for predicted, count in row.items()
             if predicted != expected]
    return sorted(pairs, key=lambda pair: (-pair[2], pair[0], pair[1]))[:MAX_PAIRS]


def training_counts(folder: Path = TRAINING) -> Dict[str, int]:
    """Training examples per intent (a retrieval intent's sub-intents apart: see render)."""
    return dict(collections.Counter(intent for intent, _ in nlu_examples(folder)))


def confusion_png(confusion: Dict[str, Dict[str, int]]) -> bytes:
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    expected = sorted(confusion)
    predicted = expected + sorted({p for row in confusion.values() for p in row} - set(expected))
    grid = [[confusion[e].get(p, 0) for p in predicted] for e in expected]
    figure, axis = plt.subplots(figsize=(1 + 0.45 * len(predicted), 1 + 0.4 * len(expected)))
    axis.imshow([[min(value, 10) for value in row] for row in grid], cmap="Blues")
    for y, row in enumerate(grid):
        for x, value in enumerate(row):
            if value:
                axis.text(x, y, str(value), ha="center", va="center", fontsize=7,
                          color="white" if x == y else "black")
    axis.set_xticks(range(len(predicted)), predicted, rotation=90, fontsize=8)
    axis.set_yticks(range(len(expected)), expected, fontsize=8)
    axis.set_xlabel("intention prédite")
    axis.set_ylabel("intention attendue")
    axis.set_title("Messages de test (tests/nlu) : attendu × prédit")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return buffer.getvalue()


def render(figures: dict, pairs, counts: Dict[str, int], png: bytes) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(e)}</td><td>{html.escape(p)}</td><td>{n}</td><td>"
        + "<br>".join(html.escape(text) for text in texts) + "</td></tr>"
        for e, p, n, texts in pairs)
    intents = sorted(set(figures["intent_confusion"]) | {i.split("/")[0] for i in counts})
    base_counts = collections.Counter()
    for intent, count in counts.items():
        base_counts[intent.split("/")[0]] += count
    few = [(i, base_counts.get(i, 0)) for i in intents if base_counts.get(i, 0) < MIN_EXAMPLES]
    few_rows = "".join(f"<tr><td>{html.escape(i)}</td><td>{n}</td></tr>" for i, n in few) \
        or "<tr><td colspan=2>aucune</td></tr>"
    f1 = figures.get("per_intent_f1") or {}
    f1_rows = "".join(f"<tr><td>{html.escape(i)}</td><td>{v:.2f}</td>"
                      f"<td>{base_counts.get(i, 0)}</td></tr>"
                      for i, v in sorted(f1.items(), key=lambda item: item[1]))
    return f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Compréhension de l'assistant</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:auto;padding:1em;color:#222}}
table{{border-collapse:collapse;margin:.5em 0 1.5em}}td,th{{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}}</style>
</head><body><h1>Compréhension de l'assistant</h1>
<p>Dernier <code>make test-nlu</code> : {figures.get('held_out_messages', '?')} messages de
test jamais vus à l'entraînement ; F1 moyen des intentions
{figures.get('intent_macro_f1', 0):.3f}, part des messages non compris
{100 * figures.get('fallback_rate', 0):.1f} %.</p>
<h2>Intentions confondues</h2>
<table><tr><th>attendue</th><th>prédite</th><th>messages</th><th>exemples</th></tr>{rows}</table>
<p>Pour corriger : ajoutez à l'intention attendue des exemples proches de ceux-ci (jamais ces
phrases-là : elles servent à mesurer), et vérifiez que l'autre intention n'en contient pas de
semblables.</p>
<h2>Intentions avec trop peu d'exemples (moins de {MIN_EXAMPLES})</h2>
<table><tr><th>intention</th><th>exemples dans data/nlu/</th></tr>{few_rows}</table>
<h2>Score par intention (F1, de la plus faible à la meilleure)</h2>
<table><tr><th>intention</th><th>F1</th><th>exemples</th></tr>{f1_rows}</table>
<h2>Matrice de confusion</h2>
<img alt="Matrice de confusion des intentions" src="data:image/png;base64,{base64.b64encode(png).decode()}">
</body></html>
"""


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=PROJECT_ROOT / "results" / "understanding")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "reports" / "nlu")
    args = parser.parse_args(argv)
    try:
        figures, misses = load_results(args.results)
    except MissingResults as error:
        print(f"make nlu-report: {error}", file=sys.stderr)
        return 2
    confusion = figures["intent_confusion"]
    png = confusion_png(confusion)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "confusion.png").write_bytes(png)
    (args.out / "index.html").write_text(
        render(figures, confused_pairs(confusion, misses), training_counts(), png),
        encoding="utf-8")
    print(f"NLU report written: {args.out / 'index.html'} (and confusion.png)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
