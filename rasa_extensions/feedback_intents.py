"""NLU pipeline steps (rasa side): the intents the project added beside the contract's, told
apart by their own small classifier and kept out of DIET's training: typed judgements of an
answer ("pas utile", "c'est utile", 👍) and requests about the citizen's data ("supprimez mes
données", "quelles données gardez-vous ?", data/nlu/privacy.yml).

Listed in config.yml: `FeedbackIntentClassifier` first in the pipeline, `FeedbackIntentOverride`
right after the DIET classifier (before the FallbackClassifier). Why: the intents the project
added for citizens' feedback (`feedback_positive`, `feedback_negative`, data/nlu/feedback.yml)
are short, emotional and close to `deny`/`affirm`/`thank`; added to DIET, every variant of
their examples moved the classification of the long messages (stories before a question) by
several points, up or down (docs/nlu-pipelines.md, "Feedback intents"). Here:
- `FeedbackIntentClassifier` (a featurizer, so that rasa passes its output on) trains a
  logistic regression on character and word n-grams over every training example, with one
  class per listed intent and "anything else"; it then removes the listed intents' examples
  from the training data the next steps see, so the DIET model and its featurizers are trained
  exactly as without these intents. At each message it stores its guess in the message;
- `FeedbackIntentOverride` makes the guess the message's intent when its probability reaches
  `threshold` (DIET's ranking follows it); otherwise DIET's result stands.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

FEEDBACK_INTENTS = ("feedback_positive", "feedback_negative")
PRIVACY_INTENTS = ("privacy_info", "privacy_erase")
# Scored apart from the contract's intents by `make test-nlu`, one figure per group
# (other_language: set by the language step, rasa_extensions/conversation_language.py).
OWN_INTENT_GROUPS = {"feedback": FEEDBACK_INTENTS, "privacy": PRIVACY_INTENTS,
                     "languages": ("other_language",)}
OWN_INTENTS = FEEDBACK_INTENTS + PRIVACY_INTENTS
OTHER = "other"
GUESS = "feedback_guess"  # message attribute, not part of the parse output
MODEL_FILE = "feedback_intents.joblib"
MAX_CHARS = 2000  # a guess reads the start of a message at most (messages are bounded anyway)


# The own intents' examples weigh 5 times the others (about 60 each against 2,600): chosen by
# 5-fold cross-validation on the feedback data (C, weights, threshold), not on held-out sets.
FEEDBACK_WEIGHT = 5.0


def _pipeline(intents: Tuple[str, ...] = OWN_INTENTS) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, make_pipeline

    features = FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=True,
                                  strip_accents="unicode", sublinear_tf=True, min_df=1)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), lowercase=True,
                                  strip_accents="unicode", sublinear_tf=True,
                                  token_pattern=r"(?u)\b\w+\b")),
    ])
    weights = {OTHER: 1.0, **{intent: FEEDBACK_WEIGHT for intent in intents}}
    return make_pipeline(features, LogisticRegression(C=10.0, class_weight=weights,
                                                      max_iter=2000, random_state=42))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class FeedbackIntentClassifier(GraphComponent):
    """Guesses the own intents; hides their examples from the rest of the pipeline."""

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Any = None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # hidden_intents: intents no classifier learns (set by another step or a button only);
        # their examples are dropped here, for this classifier and every later step
        return {"intents": list(OWN_INTENTS), "hidden_intents": []}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "FeedbackIntentClassifier":
        return cls(config, model_storage, resource)

    def _intents(self) -> Tuple[str, ...]:
        return tuple(self._config.get("intents") or OWN_INTENTS)

    def _hidden(self) -> Tuple[str, ...]:
        return tuple(self._config.get("hidden_intents") or ())

    def train(self, training_data: TrainingData) -> Resource:
        texts, labels = [], []
        for message in training_data.intent_examples:
            text, intent = message.get(TEXT), message.get(INTENT)
            if text and intent not in self._hidden():
                texts.append(text[:MAX_CHARS])
                labels.append(intent if intent in self._intents() else OTHER)
        if len(set(labels)) < 2:
            logger.warning("no examples of the own intents: they are left to the other steps")
            return self._resource
        self._model = _pipeline(self._intents()).fit(texts, labels)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "FeedbackIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("feedback classifier missing: typed feedback is left to DIET")
            model = None
        return cls(config, model_storage, resource, model)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """The training data without the own and hidden intents' examples, for every later
        step."""
        intents = self._intents() + self._hidden()
        return training_data.filter_training_examples(
            lambda message: message.get(INTENT) not in intents)

    def guess(self, text: str) -> Optional[Tuple[str, float]]:
        """(own intent, probability) when one of them is likelier than anything else."""
        if self._model is None or not text:
            return None
        probabilities = self._model.predict_proba([text[:MAX_CHARS]])[0]
        best = max(range(len(probabilities)), key=probabilities.__getitem__)
        label = str(self._model.classes_[best])
        return None if label == OTHER else (label, float(probabilities[best]))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text and not text.startswith("/"):
                guess = self.guess(text)
                if guess is not None:
                    message.set(GUESS, guess)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FeedbackIntentOverride(GraphComponent):
    """The feedback guess becomes the intent when it is sure enough."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._threshold = float(config.get("threshold", 0.6))

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"threshold": 0.6}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "FeedbackIntentOverride":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            guess = message.data.pop(GUESS, None)
            if not guess or guess[1] < self._threshold:
                continue
            intent, confidence = guess
            # DIET's ranking, weighted by what the guess leaves: still a distribution, so the
            # FallbackClassifier's ambiguity check compares like with like.
            ranking = [{**item, "confidence": float(item.get("confidence") or 0) * (1 - confidence)}
                       for item in message.get(INTENT_RANKING_KEY) or []
                       if item.get("name") != intent]
            message.set(INTENT, {"name": intent, "confidence": confidence}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence}]
                        + ranking, add_to_output=True)
        return messages
