"""Length-bucketed training batches (rasa_extensions/length_bucketed_diet.py)."""

from __future__ import annotations

import numpy as np
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator

from rasa_extensions.length_bucketed_diet import (
    LengthBucketedDIETClassifier,
    bucketed_order,
    length_bucketed_batches,
)


def lengths_with_a_tenth_long(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(3, 20, size=n)
    lengths[rng.choice(n, size=n // 10, replace=False)] = rng.integers(40, 107, size=n // 10)
    return lengths


def padded_cost(lengths, order, batch_size):
    ordered = lengths[order]
    return sum(int(ordered[i:i + batch_size].max()) * len(ordered[i:i + batch_size])
               for i in range(0, len(ordered), batch_size))


def test_every_message_once_and_windows_kept():
    lengths = lengths_with_a_tenth_long()
    order = bucketed_order(lengths, 64, 4, np.random.default_rng(1))
    assert sorted(order.tolist()) == list(range(len(lengths)))
    # a message stays in its window of 4 batches: rasa's class balancing across windows holds
    for position, index in enumerate(order):
        assert position // 256 == index // 256


def test_batches_hold_similar_lengths_and_cost_less_padding():
    lengths = lengths_with_a_tenth_long()
    order = bucketed_order(lengths, 64, 4, np.random.default_rng(1))
    plain = padded_cost(lengths, np.arange(len(lengths)), 64)
    assert padded_cost(lengths, order, 64) < 0.6 * plain


def test_same_seed_same_order_and_small_inputs():
    lengths = lengths_with_a_tenth_long()
    first = bucketed_order(lengths, 32, 4, np.random.default_rng(7))
    assert np.array_equal(first, bucketed_order(lengths, 32, 4, np.random.default_rng(7)))
    assert sorted(bucketed_order(lengths[:5], 32, 4, np.random.default_rng(7))) == list(range(5))
    assert len(bucketed_order(np.array([], dtype=np.int64), 32, 4,
                              np.random.default_rng(7))) == 0


def test_rasas_generator_is_restored_after_training():
    original = RasaBatchDataGenerator._shuffle_and_balance
    try:
        with length_bucketed_batches(4, seed=1000):
            assert RasaBatchDataGenerator._shuffle_and_balance is not original
            raise RuntimeError("training failed")
    except RuntimeError:
        pass
    assert RasaBatchDataGenerator._shuffle_and_balance is original


def test_default_config_is_diets_plus_the_window():
    config = LengthBucketedDIETClassifier.get_default_config()
    assert config["length_bucket_window"] == 4
    assert config["epochs"] > 0
