"""The own intents' classifier (rasa_extensions/feedback_intents.py: feedback and data
requests): trained on the project's training data, it hides their examples from the later
steps, and its guess
becomes the intent only when sure enough, with DIET's ranking kept as a distribution."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from rasa_extensions.feedback_intents import (GUESS, OWN_INTENTS, FeedbackIntentClassifier,
                                              FeedbackIntentOverride)

DATA = Path(__file__).resolve().parents[2] / "data" / "nlu"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    resource = Resource("feedback")
    context = ExecutionContext(graph_schema=None, node_name="feedback")
    config = FeedbackIntentClassifier.get_default_config()
    component = FeedbackIntentClassifier.create(config, storage, resource, context)
    training = load_data(str(DATA), language="fr")
    component.train(training)
    loaded = FeedbackIntentClassifier.load(config, storage, resource, context)
    return loaded, training


def test_later_steps_never_see_the_own_intents_examples(trained):
    component, training = trained
    rest = component.process_training_data(training)
    assert set(OWN_INTENTS) <= training.intents
    assert not set(OWN_INTENTS) & rest.intents
    assert len(rest.intent_examples) == len(training.intent_examples) - sum(
        m.get("intent", "") in OWN_INTENTS for m in training.intent_examples)
    assert rest.responses == training.responses and rest.entity_synonyms


@pytest.mark.parametrize("text, intent", [
    ("pas utile", "feedback_negative"), ("👎", "feedback_negative"),
    ("ça ne répond pas à ma question", "feedback_negative"),
    ("👍", "feedback_positive"), ("très utile", "feedback_positive"),
    ("supprimez mes données", "privacy_erase"), ("effacer ma conversation", "privacy_erase"),
    ("quelles données gardez-vous ?", "privacy_info"),
])
def test_typed_judgements_and_data_requests_are_guessed(trained, text, intent):
    guess = trained[0].guess(text)
    assert guess is not None and guess[0] == intent and guess[1] >= 0.6, guess


@pytest.mark.parametrize("text", [
    "bonjour", "combien coûte un passeport ?", "la population est ouverte samedi ?",
    "merci beaucoup", "je veux parler à un agent", "/feedback_positive",
    "je dois changer mon adresse", "comment supprimer ma réservation de mardi ?",
    "j'ai perdu ma carte d'identité"])
def test_questions_and_buttons_are_left_to_the_other_steps(trained, text):
    message = Message({"text": text})
    trained[0].process([message])
    guess = message.get(GUESS)
    assert guess is None or guess[1] < 0.6, guess


def _diet_result(text):
    message = Message({"text": text})
    message.set("intent", {"name": "deny", "confidence": 0.9}, add_to_output=True)
    message.set("intent_ranking", [{"name": "deny", "confidence": 0.9},
                                   {"name": "affirm", "confidence": 0.1}], add_to_output=True)
    return message


def test_a_sure_guess_becomes_the_intent_and_leaves_no_trace():
    override = FeedbackIntentOverride.create({"threshold": 0.6}, None, None, None)
    message = _diet_result("pas utile du tout")
    message.set(GUESS, ("feedback_negative", 0.8))
    override.process([message])
    assert message.get("intent") == {"name": "feedback_negative", "confidence": 0.8}
    ranking = message.get("intent_ranking")
    assert [item["name"] for item in ranking] == ["feedback_negative", "deny", "affirm"]
    assert sum(item["confidence"] for item in ranking) == pytest.approx(1.0)
    assert GUESS not in message.data
    assert GUESS not in message.as_dict(only_output_properties=True)


def test_an_unsure_guess_leaves_diets_result():
    override = FeedbackIntentOverride.create({"threshold": 0.6}, None, None, None)
    message = _diet_result("non")
    message.set(GUESS, ("feedback_negative", 0.55))
    override.process([message])
    assert message.get("intent")["name"] == "deny" and GUESS not in message.data
