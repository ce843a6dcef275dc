"""NLU pipeline step (rasa side): rasa's DIETClassifier trained on batches of similar lengths.

Listed in config.yml as `rasa_extensions.length_bucketed_diet.LengthBucketedDIETClassifier`, in place
of `DIETClassifier`; at prediction it is DIETClassifier itself. Why: a tenth of the training
messages are long (40 to 107 words: stories before the question), the rest short (8 words at
the median). rasa pads every batch to its longest message, so nearly every batch, holding a few
long messages among a hundred short ones, cost as much as if all were long. Here each epoch's
order (rasa's own shuffle and class balancing) is kept, except that within each window of
`length_bucket_window` batches the messages are sorted by length before being cut into batches,
and those batches are shuffled: long messages train together, short ones together. A DIET
epoch takes about half the time (docs/nlu-pipelines.md, "Training time").
"""

from __future__ import annotations

import contextlib
from typing import Any, Dict, Iterator, List, Text

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import SEQUENCE_LENGTH
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import RasaModelData

WINDOW_KEY = "length_bucket_window"


def bucketed_order(lengths: np.ndarray, batch_size: int, window: int,
                   rng: np.random.Generator) -> np.ndarray:
    """Positions 0..n-1 reordered: in each window of `window` batches, sorted by length
    (stable), cut into batches, and the batches of the window shuffled."""
    order: List[np.ndarray] = []
    span = max(1, window) * batch_size
    for start in range(0, len(lengths), span):
        ids = np.arange(start, min(len(lengths), start + span))
        ids = ids[np.argsort(lengths[ids], kind="stable")]
        batches = [ids[i:i + batch_size] for i in range(0, len(ids), batch_size)]
        rng.shuffle(batches)
        order.extend(batches)
    return np.concatenate(order) if order else np.arange(0)


@contextlib.contextmanager
def length_bucketed_batches(window: int, seed: int) -> Iterator[None]:
    """While training, rasa's batch generator orders each epoch with `bucketed_order` (the
    window's batches shuffled with seed `seed` + the epoch's number)."""
    original = RasaBatchDataGenerator._shuffle_and_balance

    def shuffle_balance_and_bucket(generator: RasaBatchDataGenerator, batch_size: int) -> Any:
        data = original(generator, batch_size)
        lengths = (data.get(TEXT) or {}).get(SEQUENCE_LENGTH)
        if not lengths or window <= 1:
            return data
        rng = np.random.default_rng(seed + generator._current_epoch)
        order = bucketed_order(np.asarray(lengths[0], dtype=np.int64), batch_size, window, rng)
        return RasaModelData._data_for_ids(data, order)

    RasaBatchDataGenerator._shuffle_and_balance = shuffle_balance_and_bucket
    try:
        yield
    finally:
        RasaBatchDataGenerator._shuffle_and_balance = original


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
     DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=True,
)
class LengthBucketedDIETClassifier(DIETClassifier):
    """DIETClassifier whose training batches hold messages of similar lengths."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DIETClassifier.get_default_config(), WINDOW_KEY: 4}

    def train(self, training_data: TrainingData) -> Resource:
        window = int(self.component_config.get(WINDOW_KEY) or 1)
        with length_bucketed_batches(window, seed=1000):  # fixed: a retrain gives the same batches
            return super().train(training_data)
