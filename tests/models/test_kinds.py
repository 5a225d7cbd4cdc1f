"""One test tells Keras models from torch modules, for the paths that treat them differently."""

import keras
from torch import nn

from mnist_helpers.models.kinds import is_keras


def test_a_keras_model_is_keras_and_a_torch_module_is_not():
    assert is_keras(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]))
    assert not is_keras(nn.Linear(4, 2))


def test_a_keras_model_of_ours_counts_whatever_module_defines_it():
    from mnist_helpers.models.keras_cnn import dutta_cnn

    assert is_keras(dutta_cnn())
    assert not is_keras(None) and not is_keras("keras.Model")
