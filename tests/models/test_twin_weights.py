"""models.twin_weights: the torch twin holding Keras's weights answers as the Keras model does."""

import numpy as np
import pytest
import torch

keras = pytest.importorskip("keras")

from mnist_helpers.data.mnist import to_keras, to_tensor  # noqa: E402
from mnist_helpers.models.keras_cnn import dutta_cnn  # noqa: E402
from mnist_helpers.models.torch_nets import DuttaCNNTorch  # noqa: E402
from mnist_helpers.models.twin_weights import copy_keras_to_torch  # noqa: E402


def test_the_twin_with_copied_weights_predicts_as_keras_in_inference():
    model = dutta_cnn(rotation_factor=0.0, seed=3)
    twin = copy_keras_to_torch(model, DuttaCNNTorch(rotation_factor=0.0)).eval()
    images = np.random.default_rng(0).integers(0, 256, (8, 28, 28), dtype=np.uint8)
    expected = model.predict(to_keras(images), verbose=0)  # each engine's own input convention
    with torch.no_grad():
        got = torch.softmax(twin(to_tensor(images, normalize=False)), dim=1).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5)
