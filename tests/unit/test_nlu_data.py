"""Checks of the NLU training data (data/nlu) and the held-out sets (tests/nlu/test_nlu.yml,
and tests/nlu/test_nlu_long.yml of long messages).

No model needed: the files are read with Rasa's own training-data loader (rasa.shared), so the
examples are seen exactly as `rasa train` sees them (entity annotations stripped from the text).
The intent and entity names below are the contract of ../shared/CONTRACT.md, copied here on
purpose: a rename in the data must fail loudly.
"""

from __future__ import annotations

import collections
import difflib
import re
import unicodedata
from pathlib import Path
from typing import Dict, List, Set

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

ROOT = Path(__file__).resolve().parents[2]
TRAINING_DIR = ROOT / "data" / "nlu"
HELD_OUT = ROOT / "tests" / "nlu" / "test_nlu.yml"
# Long messages (bench/bench_message_length.py: the length limit must not change answers).
LONG_HELD_OUT = ROOT / "tests" / "nlu" / "test_nlu_long.yml"
# Real-style phrasings (situations, two questions, district town halls, SMS), and what its
# two-question messages ask; precise questions for the FAQ retrieval.
REAL_HELD_OUT = ROOT / "tests" / "nlu" / "test_nlu_real.yml"
TWO_QUESTIONS = ROOT / "tests" / "nlu" / "two_questions.yml"
FAQ_QUESTIONS = ROOT / "tests" / "nlu" / "faq_questions.yml"
# A later round, written after the first error analyses without reading data/ (nothing tuned on it).
ROUND3_HELD_OUT = ROOT / "tests" / "nlu" / "test_nlu_round3.yml"
FAQ_QUESTIONS_ROUND3 = ROOT / "tests" / "nlu" / "faq_questions_round3.yml"
ASPECTS = {"procedure", "price", "documents", "delay", "appointment", "online", "hours",
           "contact"}
MIN_HELD_OUT_MESSAGES = 400

SMALL_TALK_INTENTS = [
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "help", "human_handoff",
    "out_of_scope",
]
CATALOGUE_INTENTS = [
    "ask_hours", "ask_contact", "ask_procedure", "ask_price", "ask_documents", "ask_delay",
    "ask_appointment", "ask_online", "report_problem",
]
CONTRACT_INTENTS = SMALL_TALK_INTENTS + CATALOGUE_INTENTS
# Intents the project added beside the contract's (docs/architecture.md lists them).
PROJECT_INTENTS = ["feedback_positive", "feedback_negative"]
MIN_CATALOGUE_EXAMPLES = 20

PROCEDURE_IDS = {
    "carte_identite", "kids_id", "passeport", "permis_conduire", "acte_naissance",
    "acte_mariage", "acte_deces", "casier_judiciaire", "changement_adresse",
    "composition_menage", "certificat_residence", "mariage", "cohabitation_legale",
    "nationalite", "declaration_naissance", "declaration_deces", "reconnaissance_enfant",
    "legalisation", "carte_riverain", "permis_urbanisme", "titre_sejour", "encombrants",
    "don_organes",
}
SERVICE_IDS = {
    "population", "etat_civil", "etrangers", "urbanisme", "mobilite", "proprete", "taxes",
    "recyparc", "bibliotheque", "piscine", "cpas", "police", "objets_trouves", "hotel_de_ville",
}
CANONICAL = {"procedure": PROCEDURE_IDS, "service": SERVICE_IDS}

# Held-out sentences must be new, not training sentences with a trivial change: normalised
# texts at least this similar (difflib ratio) count as the same sentence. Very short messages
# ("oui", "merci") have too few variants for a similarity rule and only get the exact check.
NEAR_DUPLICATE_RATIO = 0.9
NEAR_DUPLICATE_MIN_CHARS = 12

# Retrieval intents answered by the ResponseSelector (chitchat.yml).
MIN_RETRIEVAL_EXAMPLES = 12


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


@pytest.fixture(scope="module")
def training() -> TrainingData:
    return load_data(str(TRAINING_DIR), language="fr")


@pytest.fixture(scope="module")
def held_out() -> TrainingData:
    return load_data(str(HELD_OUT), language="fr")


@pytest.fixture(scope="module")
def long_held_out() -> TrainingData:
    return load_data(str(LONG_HELD_OUT), language="fr")


@pytest.fixture(scope="module")
def real_held_out() -> TrainingData:
    return load_data(str(REAL_HELD_OUT), language="fr")


@pytest.fixture(scope="module")
def round3_held_out() -> TrainingData:
    return load_data(str(ROUND3_HELD_OUT), language="fr")


def _yaml_list(path: Path, key: str) -> list:
    return list((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(key) or [])


def _by_intent(data: TrainingData) -> Dict[str, Set[str]]:
    texts: Dict[str, Set[str]] = collections.defaultdict(set)
    for message in data.intent_examples:
        texts[message.get("intent")].add(normalise(message.get("text")))
    return texts


def _entity_values(data: TrainingData) -> Dict[str, Set[str]]:
    values: Dict[str, Set[str]] = collections.defaultdict(set)
    for message in data.intent_examples:
        for entity in message.get("entities") or []:
            values[entity["entity"]].add(entity.get("value"))
    return values


def test_held_out_file_is_not_under_the_training_directory():
    assert TRAINING_DIR not in HELD_OUT.parents


@pytest.mark.parametrize("name", ["held_out", "long_held_out", "real_held_out",
                                  "round3_held_out"])
def test_no_held_out_example_appears_in_training(training, name, request):
    held_out = request.getfixturevalue(name)
    train_texts = {normalise(m.get("text")) for m in training.intent_examples}
    leaked = [m.get("text") for m in held_out.intent_examples
              if normalise(m.get("text")) in train_texts]
    assert not leaked, f"held-out examples also in data/nlu: {leaked}"


@pytest.mark.parametrize("name", ["held_out", "long_held_out", "real_held_out",
                                  "round3_held_out"])
def test_no_held_out_example_is_a_trivial_variant_of_a_training_example(training, name, request):
    held_out = request.getfixturevalue(name)
    train_texts = sorted({normalise(m.get("text")) for m in training.intent_examples})
    near: List[str] = []
    for message in held_out.intent_examples:
        text = normalise(message.get("text"))
        if len(text) < NEAR_DUPLICATE_MIN_CHARS:
            continue
        for other in train_texts:
            matcher = difflib.SequenceMatcher(None, text, other)
            if (matcher.real_quick_ratio() >= NEAR_DUPLICATE_RATIO
                    and matcher.quick_ratio() >= NEAR_DUPLICATE_RATIO
                    and matcher.ratio() >= NEAR_DUPLICATE_RATIO):
                near.append(f"{message.get('text')!r} ~ {other!r}")
                break
    assert not near, "held-out examples too close to training examples: " + "; ".join(near)


def test_no_example_is_labelled_with_two_intents(training):
    seen: Dict[str, str] = {}
    clashes = []
    for message in training.intent_examples:
        label = message.get("intent_response_key") or message.get("intent")
        # Emoji alone ("👍", "👎") are sentences of their own, not punctuation.
        text = normalise(message.get("text")) or message.get("text")
        if seen.setdefault(text, label) != label:
            clashes.append(f"{message.get('text')!r}: {seen[text]} / {label}")
    assert not clashes, clashes


@pytest.mark.parametrize("intent", CATALOGUE_INTENTS + PROJECT_INTENTS)
def test_catalogue_intent_has_enough_distinct_training_examples(training, intent):
    count = len(_by_intent(training).get(intent, set()))
    assert count >= MIN_CATALOGUE_EXAMPLES, f"{intent}: {count} distinct examples"


@pytest.mark.parametrize("name", ["training", "held_out"])
def test_every_contract_intent_is_present(name, request):
    data = request.getfixturevalue(name)
    missing = set(CONTRACT_INTENTS + PROJECT_INTENTS) - set(_by_intent(data))
    assert not missing, f"{name}: intents without examples: {sorted(missing)}"


@pytest.mark.parametrize("name", ["training", "held_out", "long_held_out", "real_held_out",
                                  "round3_held_out"])
def test_entities_are_contract_entities_with_canonical_values(name, request):
    data = request.getfixturevalue(name)
    wrong = []
    for message in data.intent_examples:
        for entity in message.get("entities") or []:
            allowed = CANONICAL.get(entity["entity"])
            if allowed is None or entity.get("value") not in allowed:
                wrong.append(f"{message.get('text')!r}: {entity['entity']}={entity.get('value')}")
    assert not wrong, f"{name}: non-canonical entities: {wrong}"


@pytest.mark.parametrize("name", ["training", "held_out"])
@pytest.mark.parametrize("entity", ["procedure", "service"])
def test_every_canonical_id_is_annotated(name, entity, request):
    data = request.getfixturevalue(name)
    missing = CANONICAL[entity] - _entity_values(data).get(entity, set())
    assert not missing, f"{name}: {entity} ids never annotated: {sorted(missing)}"


def test_synonyms_map_to_canonical_ids(training):
    all_ids = PROCEDURE_IDS | SERVICE_IDS
    wrong = {text: value for text, value in training.entity_synonyms.items()
             if value not in all_ids}
    assert not wrong, f"synonyms to non-canonical values: {wrong}"


def test_lookup_tables_are_named_after_the_entities(training):
    names = {table["name"] for table in training.lookup_tables}
    assert {"procedure", "service"} <= names


def test_chitchat_retrieval_intents_have_examples_and_responses(training):
    counts = collections.Counter(
        m.get("intent_response_key") for m in training.intent_examples
        if m.get("intent") == "chitchat")
    assert counts, "no chitchat/... retrieval intent"
    for key, count in counts.items():
        assert count >= MIN_RETRIEVAL_EXAMPLES, f"{key}: {count} examples"
        assert f"utter_{key}" in training.responses, f"utter_{key} has no response"
    assert not set(counts) & {f"chitchat/{i}" for i in CONTRACT_INTENTS}


def test_held_out_covers_every_chitchat_retrieval_intent(training, held_out):
    def keys(data):
        return {m.get("intent_response_key") for m in data.intent_examples
                if m.get("intent") == "chitchat"}

    missing = keys(training) - keys(held_out)
    assert not missing, f"retrieval intents without held-out examples: {sorted(missing)}"


def test_held_out_sets_are_large_enough(held_out, long_held_out, real_held_out):
    total = sum(len(data.intent_examples) for data in (held_out, long_held_out, real_held_out))
    assert total >= MIN_HELD_OUT_MESSAGES


def test_two_question_messages_are_held_out_messages_with_known_aspects(real_held_out):
    texts = {message.get("text"): message.get("intent")
             for message in real_held_out.intent_examples}
    messages = _yaml_list(TWO_QUESTIONS, "messages")
    assert len(messages) >= 40
    for message in messages:
        assert message["text"] in texts, message["text"]
        assert len(message["aspects"]) >= 2 and set(message["aspects"]) <= ASPECTS, message


@pytest.mark.parametrize("path, with_entry, without_entry", [
    (FAQ_QUESTIONS, 100, 30), (FAQ_QUESTIONS_ROUND3, 40, 10)])
def test_faq_questions_name_existing_entries_and_are_not_catalogue_wordings(
        path, with_entry, without_entry):
    from actions.city_catalogue import load_catalogue

    faq = load_catalogue().faq
    wordings = [normalise(text) for entry in faq for text in entry.texts()]
    questions = _yaml_list(path, "questions")
    assert sum(1 for q in questions if q.get("faq")) >= with_entry
    assert sum(1 for q in questions if not q.get("faq")) >= without_entry
    for question in questions:
        text = normalise(question["text"])
        close = [w for w in wordings
                 if difflib.SequenceMatcher(None, text, w).ratio() >= NEAR_DUPLICATE_RATIO]
        assert not close, (question["text"], close)
        if question.get("faq"):
            entry = faq.get(question["faq"])
            assert entry is not None, question
            assert entry.owner in (question.get("procedure"), question.get("service")), question
