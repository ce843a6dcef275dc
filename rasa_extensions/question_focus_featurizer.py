"""NLU pipeline step (rasa side): sentence features of the message's question alone.

Listed in config.yml as `rasa_extensions.question_focus_featurizer.QuestionFocusFeaturizer`, before
DIETClassifier. The other featurizers describe the whole message; in a long message the story
around the question ("le rendez-vous était complet, j'ai payé ...") outweighs the question
("quels papiers faut-il ?") in them. This one adds a bag of words and character n-grams of
`actions.question_focus.question_part()` as sentence features, so the classifier also sees the
question on its own (docs/nlu-pipelines.md, "Round 3"). For a one-sentence message it is the
whole message. It adds no sequence features: entity extraction keeps the whole text.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Optional, Set, Text, Tuple

import numpy as np
import rasa.shared.utils.io
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import CountVectorizer

from actions.question_focus import question_part

logger = logging.getLogger(__name__)

VOCABULARY_FILE = "question_focus_vocabulary.json"

# name -> CountVectorizer settings; binary counts like rasa's CountVectorsFeaturizer.
_VECTORIZERS: Dict[str, Dict[str, Any]] = {
    "words": {"analyzer": "word", "ngram_range": (1, 2), "token_pattern": r"(?u)\b\w+\b"},
    "chars": {"analyzer": "char_wb", "ngram_range": (3, 4), "min_df": 2},
}


def _vectorizer(name: str, vocabulary: Optional[Dict[str, int]] = None) -> CountVectorizer:
    settings = dict(_VECTORIZERS[name])
    if vocabulary is not None:
        settings.pop("min_df", None)
    return CountVectorizer(lowercase=True, strip_accents="unicode", binary=True,
                           vocabulary=vocabulary, **settings)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class QuestionFocusFeaturizer(SparseFeaturizer, GraphComponent):
    """Bag of words and char n-grams of the message's question, as sentence features."""

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 execution_context: ExecutionContext,
                 vocabularies: Optional[Dict[str, Dict[str, int]]] = None) -> None:
        super().__init__(execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._vectorizers: Dict[str, CountVectorizer] = {
            name: _vectorizer(name, vocabulary) for name, vocabulary in (vocabularies or {}).items()}
        self._analyzers: List[Tuple[Callable[[str], List[str]], Dict[str, int]]] = []
        self._prepare_analyzers()

    def _prepare_analyzers(self) -> None:
        # In the order of the columns: vectorizers by name, each one's vocabulary indices.
        self._analyzers = []
        for name in sorted(self._vectorizers):
            vectorizer = self._vectorizers[name]
            vocabulary = getattr(vectorizer, "vocabulary_", None) or vectorizer.vocabulary
            self._analyzers.append((vectorizer.build_analyzer(), dict(vocabulary)))

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Nothing to configure beyond rasa's featurizer alias."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "QuestionFocusFeaturizer":
        return cls(config, model_storage, resource, execution_context)

    def train(self, training_data: TrainingData) -> Resource:
        texts = [question_part(message.get(TEXT)) for message in training_data.training_examples
                 if message.get(TEXT)]
        if not texts:
            return self._resource
        self._vectorizers = {}
        for name in _VECTORIZERS:
            vectorizer = _vectorizer(name)
            vectorizer.fit(texts)
            self._vectorizers[name] = vectorizer
        self._prepare_analyzers()
        self.persist()
        return self._resource

    def persist(self) -> None:
        vocabularies = {name: {term: int(index) for term, index in vectorizer.vocabulary_.items()}
                        for name, vectorizer in self._vectorizers.items()}
        with self._model_storage.write_to(self._resource) as directory:
            rasa.shared.utils.io.dump_obj_as_json_to_file(directory / VOCABULARY_FILE,
                                                          vocabularies)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "QuestionFocusFeaturizer":
        try:
            with model_storage.read_from(resource) as directory:
                vocabularies = rasa.shared.utils.io.read_json_file(directory / VOCABULARY_FILE)
        except ValueError:
            logger.warning("question-focus vocabulary missing: no question-focus features")
            vocabularies = {}
        return cls(config, model_storage, resource, execution_context, vocabularies)

    def _features(self, text: str) -> Optional[scipy.sparse.coo_matrix]:
        """The row `hstack([vectorizer.transform([focus]) ...])` would give, without sklearn's
        per-call overhead (about 1 ms per message, at every turn and over the training data)."""
        if not self._analyzers:
            return None
        focus = question_part(text)
        columns: Set[int] = set()
        offset = 0
        for analyze, vocabulary in self._analyzers:
            columns.update(offset + index for index in map(vocabulary.get, analyze(focus))
                           if index is not None)
            offset += len(vocabulary)
        ordered = np.fromiter(sorted(columns), dtype=np.int32, count=len(columns))
        return scipy.sparse.coo_matrix(
            (np.ones(len(ordered), dtype=np.int64),
             (np.zeros(len(ordered), dtype=np.int32), ordered)), shape=(1, offset))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            features = self._features(text)
            if features is not None:
                self.add_features_to_message(None, features, TEXT, message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
