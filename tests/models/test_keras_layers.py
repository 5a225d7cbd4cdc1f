"""The fast Keras rotation draws Keras's angles and warps like Keras; the direct Sequential computes the same."""

import numpy as np
import pytest
import torch

keras = pytest.importorskip("keras")

from mnist_helpers.models.keras_cnn import dutta_cnn, keras_summary_text  # noqa: E402
from mnist_helpers.models.keras_layers import ROTATION_TOLERANCE, DirectSequential, RandomRotation, warp_batch  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")
FACTOR = 0.1  # the author's ±36°: large angles make any warp difference visible


def _images(n=16):
    return np.random.default_rng(0).integers(0, 256, size=(n, 28, 28, 1)).astype(np.float32)


def _pair(seed=3):
    kw = {"fill_mode": "constant", "fill_value": 0.0, "seed": seed}
    return keras.layers.RandomRotation(FACTOR, **kw), RandomRotation(FACTOR, **kw)


def test_dutta_cnn_uses_the_batched_rotation_and_its_summary_still_reads_as_the_reports():
    model = dutta_cnn(seed=0)
    assert type(model.get_layer("random_rotation")) is RandomRotation
    assert "random_rotation (RandomRotation)" in keras_summary_text(model)


def test_batched_rotation_draws_the_same_angles_as_keras_random_rotation():
    reference, fast = _pair()
    x = _images(500)
    for _ in range(3):  # successive batches continue the same seed stream
        a = reference.get_random_transformation(x, training=True)["angle"]
        b = fast.get_random_transformation(x, training=True)["angle"]
        assert torch.equal(torch.as_tensor(a), torch.as_tensor(b))
    assert float(torch.as_tensor(b).abs().max()) == pytest.approx(FACTOR * 360, rel=0.02)  # uniform over ±36°


def test_batched_rotation_gives_keras_output_for_the_same_angles():
    reference, fast = _pair()
    x = _images()
    for _ in range(3):
        a, b = reference(x, training=True), fast(x, training=True)
        assert float((a - b).abs().max()) < ROTATION_TOLERANCE
    assert float((b - torch.as_tensor(x)).abs().max()) > 50  # the images did rotate


def test_batched_rotation_is_the_identity_at_inference():
    _, fast = _pair()
    x = _images(2)
    assert torch.equal(torch.as_tensor(fast(x, training=False)), torch.as_tensor(x))


def test_direct_sequential_trains_the_same_as_keras_sequential():
    fast = dutta_cnn(seed=1)
    plain = dutta_cnn(seed=1)
    plain.__class__ = keras.Sequential  # the same layers and weights through Keras's own call path
    assert isinstance(fast, DirectSequential)
    x, y = _images(64), np.arange(64) % 10
    for model in (fast, plain):
        keras.utils.set_random_seed(0)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(fast.weights, plain.weights, strict=True):
        torch.testing.assert_close(a.value, b.value, rtol=0, atol=0)


def test_a_zero_angle_returns_the_images_exactly_as_keras_does():
    images = torch.rand(4, 28, 28, 1) * 255
    identity = torch.tensor([[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]]).repeat(4, 1)
    assert torch.equal(warp_batch(images, identity), images)
