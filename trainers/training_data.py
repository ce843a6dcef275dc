"""The project's NLU examples as the trainers' tools compare them: the training data
(data/nlu/) and every held-out sentence of tests/nlu/, which must never train the assistant.

rasa's own reader strips the entity annotations (`[passeport](procedure)` → "passeport"); the
held-out folder also holds the two-question and FAQ test sets, lists of `{text: …}`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Set, Tuple

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TRAINING = PROJECT_ROOT / "data" / "nlu"
HELD_OUT = PROJECT_ROOT / "tests" / "nlu"
TEST_LISTS = ("messages", "questions")  # tests/nlu/two_questions.yml, faq_questions*.yml


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def nlu_examples(folder: Path) -> List[Tuple[str, str]]:
    """(intent, text) of every rasa NLU file of the folder; other files are skipped."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    from rasa_extensions import jsonschema_cache

    jsonschema_cache.install()  # rasa re-checked the schema at each annotation: 6 s per report
    return [(str(m.get("intent")), str(m.get("text")))
            for path in sorted(folder.glob("*.yml")) if RasaYAMLReader.is_yaml_nlu_file(path)
            for m in RasaYAMLReader().read(str(path)).intent_examples]


def held_out_sentences(folder: Path = HELD_OUT) -> Set[str]:
    """The normalised sentences of every held-out test set."""
    found = {normalised(text) for _, text in nlu_examples(folder)}
    for path in sorted(folder.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in TEST_LISTS:
            items = document.get(key) if isinstance(document, dict) else None
            found |= {normalised(str(item["text"])) for item in items or []
                      if isinstance(item, dict) and item.get("text")}
    return found
