"""models.keras_cnn: Dutta's Keras CNN, built as the author's code builds it, the same for the same seed."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from mnist_helpers.models.keras_cnn import dutta_cnn, keras_parameter_counts  # noqa: E402


def test_the_same_seed_builds_the_same_weights_and_another_seed_others():
    a, b, c = dutta_cnn(seed=1), dutta_cnn(seed=1), dutta_cnn(seed=2)
    assert all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights(), strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(a.get_weights(), c.get_weights(), strict=True))


def test_the_parameter_counts_add_up():
    counts = keras_parameter_counts(dutta_cnn(seed=0))
    assert counts["total"] == counts["trainable"] + counts["non_trainable"] > 0
