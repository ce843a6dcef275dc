"""rasa_fixes.load_for_prediction and predict_flat: a model loaded without rasa's one-step
training, and predicting through its traced graph directly, predicts exactly what rasa's own
load and tf.function call give, without the optimizer's slot variables."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import tensorflow as tf
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.models import RasaModel

from rasa_extensions import rasa_fixes

EXAMPLES = [
    ("quels sont les horaires de la piscine", "ask_hours", "piscine"),
    ("la piscine est ouverte quand", "ask_hours", "piscine"),
    ("horaires du recyparc samedi", "ask_hours", "recyparc"),
    ("le recyparc ouvre à quelle heure", "ask_hours", "recyparc"),
    ("combien coûte un passeport", "ask_price", "passeport"),
    ("prix du passeport pour un enfant", "ask_price", "passeport"),
    ("c'est combien la carte riverain", "ask_price", "carte riverain"),
    ("tarif de la carte riverain", "ask_price", "carte riverain"),
    ("bonjour", "greet", None),
    ("salut la ville", "greet", None),
]
QUERIES = ["horaires piscine dimanche", "combien pour le passeport", "bonjour à tous",
           "la carte riverain coûte combien", "recyparc ouvert ?", "xyz"]


def message(text, intent=None, entity=None):
    data = {TEXT: text}
    if intent:
        data[INTENT] = intent
        start = text.find(entity) if entity else -1
        data[ENTITIES] = [{"start": start, "end": start + len(entity), "value": entity,
                           "entity": "topic"}] if start >= 0 else []
    return Message(data=data)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A small DIET (intents and entities) trained and stored as rasa does."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    featurizer = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb",
         "min_ngram": 1, "max_ngram": 3}, storage, Resource("cvf"), context)
    data = TrainingData([message(*example) for example in EXAMPLES])
    tokenizer.process_training_data(data)
    featurizer.train(data)
    featurizer.process_training_data(data)
    config = {**DIETClassifier.get_default_config(), "epochs": 3, "random_seed": 7,
              "transformer_size": 16, "number_of_transformer_layers": 1,
              "embedding_dimension": 8, "hidden_layers_sizes": {"text": [16], "label": []},
              "constrain_similarities": True}
    rasa_fixes.install()  # saved as `rasa train` saves it: without the optimizer's state
    try:
        DIETClassifier.create(config, storage, Resource("diet"), context).train(data)
    finally:
        rasa_fixes.uninstall()
    with storage.read_from(Resource("diet")) as folder:
        stored = [name for path in folder.glob("*.index")
                  for name, _ in tf.train.list_variables(str(path)[:-len(".index")])]
    assert stored and not [name for name in stored if "optimizer" in name]

    def predict(diet):
        queries = [message(text) for text in QUERIES]
        tokenizer.process(queries)
        featurizer.process(queries)
        diet.process(queries)
        return [copy.deepcopy(q.as_dict()) for q in queries]

    return lambda: DIETClassifier.load(config, storage, Resource("diet"), context), predict


def test_predictions_are_rasas_to_the_last_digit(trained):
    load, predict = trained
    rasa_fixes.uninstall()
    stock = load()
    expected = predict(stock)
    rasa_fixes.install()
    try:
        fixed = load()
        got = predict(fixed)  # through the traced graph called directly
    finally:
        rasa_fixes.uninstall()
    assert "_project_concrete_predict" in vars(fixed.model)
    for want, have in zip(expected, got):
        assert have[INTENT] == want[INTENT]
        assert have["intent_ranking"] == want["intent_ranking"]
        assert have[ENTITIES] == want[ENTITIES]
    assert any(m[ENTITIES] for m in got) and {m[INTENT]["name"] for m in got} > {"greet"}
    assert [v.name for v in fixed.model.variables] == [v.name for v in stock.model.variables]
    for mine, theirs in zip(fixed.model.variables, stock.model.variables):
        assert np.array_equal(mine.numpy(), theirs.numpy())
    # rasa's load leaves an Adam optimizer with two slots per weight; the fix has none
    assert getattr(stock.model, "optimizer", None) is not None
    assert getattr(fixed.model, "optimizer", None) is None


def test_inputs_unlike_the_traced_ones_are_refused(trained):
    load, predict = trained
    rasa_fixes.install()
    try:
        diet = load()
        predict(diet)
        function, specs = vars(diet.model)["_project_concrete_predict"]
        batch = [np.zeros([1] * (spec.shape.rank - 1) + [spec.shape[-1] or 1],
                          dtype=spec.dtype.as_numpy_dtype) for spec in specs]
        with pytest.raises(ValueError, match="inputs for a prediction traced with"):
            diet.model._rasa_predict(batch[:-1])
        wrong_width = list(batch)
        wide = next(i for i, spec in enumerate(specs) if spec.shape.rank > 1
                    and spec.shape[-1] is not None)
        wrong_width[wide] = np.zeros([1] * (specs[wide].shape.rank - 1)
                                     + [specs[wide].shape[-1] + 1],
                                     dtype=specs[wide].dtype.as_numpy_dtype)
        with pytest.raises(ValueError, match="for a prediction traced with"):
            diet.model._rasa_predict(wrong_width)
    finally:
        rasa_fixes.uninstall()


def test_a_weight_missing_from_the_file_is_refused(trained, monkeypatch):
    """Were a variable not in the file, the load fails instead of predicting with its
    random start value."""
    load, _ = trained
    calls = []

    def recording(cls, *args, **kwargs):
        calls.append((cls, args, kwargs))
        return rasa_fixes.load_for_prediction(cls, *args, **kwargs)

    rasa_fixes.install()
    try:
        monkeypatch.setattr(RasaModel, "load", classmethod(recording))
        load()
        model_class, args, kwargs = calls[0]

        class WithANewWeight(model_class):
            def batch_predict(self, batch_in):
                if not hasattr(self, "new_weight"):
                    self.new_weight = tf.Variable(1.0)
                return super().batch_predict(batch_in)

        with pytest.raises(AssertionError, match="not bound to checkpointed values"):
            rasa_fixes.load_for_prediction(WithANewWeight, *args, **kwargs)
    finally:
        monkeypatch.undo()
        rasa_fixes.uninstall()
