"""`make take-labels FILE=reports/<day>/to_label.yml`: a reviewed to_label.yml into training.

The trainer has corrected the intents of `make report`'s to_label.yml and deleted what is of
no use. Each remaining example is added under its intent to data/nlu/citizens.yml (created
when missing; rasa merges an intent's examples from every file), unless it is already in
the training data, is a sentence of the held-out test sets (tests/nlu/: they measure, never
train), still holds a personal-data placeholder ("[e-mail]"…: rewrite it first), or names an
intent the domain does not have. It prints what it added and what it left, and why. Then
`make validate`, `make train`, `make test`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import yaml

from rasa_extensions import personal_data
from trainers.training_data import held_out_sentences, nlu_examples, normalised

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TARGET_NAME = "citizens.yml"
MAX_FILE_BYTES = 5_000_000
PLACEHOLDERS = (personal_data.NATIONAL_NUMBER, personal_data.IBAN, personal_data.CARD,
                personal_data.PHONE, personal_data.EMAIL)
HEADER = """version: "3.1"

# Examples taken from citizens' real messages (make report, then make take-labels), reviewed
# by a trainer. Same conventions as the other files of data/nlu/.

nlu:
"""


def reviewed_examples(path: Path) -> List[Tuple[str, str]]:
    """(intent, text) of a to_label.yml, in its order."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"{path} is larger than {MAX_FILE_BYTES // 1_000_000} MB")
    data = RasaYAMLReader().reads(path.read_text(encoding="utf-8"))
    return [(str(m.get("intent")), str(m.get("text"))) for m in data.intent_examples]


def domain_intents(domain: Path) -> Set[str]:
    intents = yaml.safe_load(domain.read_text(encoding="utf-8")).get("intents") or []
    return {next(iter(i)) if isinstance(i, dict) else str(i) for i in intents}


def sort_out(examples: List[Tuple[str, str]], known: Set[str], held_out: Set[str],
             intents: Set[str]) -> Tuple[Dict[str, List[str]], List[Tuple[str, str, str]]]:
    """({intent: texts to add}, [(intent, text, why it is left)])."""
    added: Dict[str, List[str]] = defaultdict(list)
    left: List[Tuple[str, str, str]] = []
    seen: Set[str] = set(known)
    for intent, text in examples:
        key = normalised(text)
        if intent.split("/")[0] not in intents:
            left.append((intent, text, "intention inconnue du domaine (domain.yml)"))
        elif any(placeholder in text for placeholder in PLACEHOLDERS):
            left.append((intent, text, "donnée personnelle masquée : réécrivez la phrase"))
        elif key in held_out:
            left.append((intent, text, "phrase des jeux de test (tests/nlu/)"))
        elif key in seen:
            left.append((intent, text, "déjà dans les exemples"))
        else:
            seen.add(key)
            added[intent].append(re.sub(r"\s+", " ", text.strip()))
    return dict(added), left


def append(target: Path, added: Dict[str, List[str]]) -> None:
    """Each intent's examples as one more `examples: |` block of `target`."""
    text = target.read_text(encoding="utf-8") if target.exists() else HEADER
    blocks = "".join(f"- intent: {intent}\n  examples: |\n"
                     + "".join(f"    - {example}\n" for example in examples)
                     for intent, examples in sorted(added.items()))
    if text.rstrip().endswith("nlu: []"):
        text = text.rstrip()[:-len("[]")].rstrip() + "\n"
    target.write_text(text.rstrip("\n") + "\n" + blocks, encoding="utf-8")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", default=os.environ.get("FILE", ""),
                        help="the reviewed to_label.yml (FILE)")
    parser.add_argument("--project", type=Path, default=PROJECT_ROOT)
    args = parser.parse_args(argv)
    source = Path(args.file)
    if not args.file or not source.is_file():
        print("make take-labels FILE=reports/<jour>/to_label.yml (the file, reviewed)",
              file=sys.stderr)
        return 2
    try:
        examples = reviewed_examples(source)
    except (ValueError, yaml.YAMLError) as error:
        print(f"make take-labels: {source} cannot be read: {error}", file=sys.stderr)
        return 2
    nlu = args.project / "data" / "nlu"
    added, left = sort_out(examples, {normalised(text) for _, text in nlu_examples(nlu)},
                           held_out_sentences(args.project / "tests" / "nlu"),
                           domain_intents(args.project / "domain.yml"))
    if added:
        append(nlu / TARGET_NAME, added)
    for intent, examples_added in sorted(added.items()):
        print(f"+ {intent}: {len(examples_added)} exemple(s)")
    for intent, text, why in left:
        print(f"  laissé ({why}) : {intent} « {text} »")
    print(f"{sum(map(len, added.values()))} exemple(s) ajouté(s) à {nlu / TARGET_NAME}. "
          "Ensuite : make validate, make train, make test.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
