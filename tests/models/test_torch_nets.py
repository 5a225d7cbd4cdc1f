"""The seeds' models have the reports' parameter counts, shapes and layer names (C1, C3, C4, C5, C9)."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from mnist_helpers.models.keras_cnn import (
    DUTTA_LAYER_NAMES,
    dutta_cnn,
    keras_parameter_counts,
    keras_summary_text,
)
from mnist_helpers.models.torch_nets import (
    MLP,
    ConvAutoencoder,
    DenseAutoencoder,
    DuttaCNNTorch,
    ShahCNN,
    build_model,
    count_parameters,
    keras_style_counts,
)

# The report's model summary, top to bottom.
REPORT_LAYER_NAMES = [
    "rescaling",
    "random_rotation",
    "conv2d",
    "activation",
    "batch_normalization",
    "max_pooling2d",
    "dropout",
    "conv2d_1",
    "activation_1",
    "batch_normalization_1",
    "max_pooling2d_1",
    "dropout_1",
    "flatten",
    "dense",
    "activation_2",
    "dropout_2",
    "dense_1",
    "activation_3",
    "dropout_3",
    "dense_2",
    "activation_4",
]


@pytest.fixture(scope="module")
def keras_cnn():
    return dutta_cnn(seed=0)


@pytest.fixture
def images01():
    """Two synthetic 28x28 images in [0, 1]."""
    return torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(0))


@pytest.fixture
def images255():
    """Two synthetic images as the Keras model gets them: (N, 28, 28, 1) float32 0..255."""
    return np.random.default_rng(0).integers(0, 256, size=(2, 28, 28, 1)).astype(np.float32)


def test_mlp_has_238_510_parameters():
    assert count_parameters(MLP()) == 238_510


def test_shah_cnn_has_421_642_parameters():
    assert count_parameters(ShahCNN()) == 421_642


def test_dutta_keras_cnn_has_the_reports_parameter_counts(keras_cnn):
    assert keras_parameter_counts(keras_cnn) == {"total": 688_234, "trainable": 688_106, "non_trainable": 128}


def test_dutta_torch_cnn_has_688_106_trainable_parameters():
    assert count_parameters(DuttaCNNTorch(), trainable_only=True) == 688_106


def test_dutta_torch_cnn_counts_like_keras_with_batchnorm_statistics():
    assert keras_style_counts(DuttaCNNTorch()) == {"total": 688_234, "trainable": 688_106, "non_trainable": 128}


def test_dutta_torch_batchnorm_matches_keras_defaults():
    norms = [m for m in DuttaCNNTorch().modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert [(m.momentum, m.eps) for m in norms] == [(0.01, 1e-3), (0.01, 1e-3)]


@pytest.mark.parametrize("model_class", [MLP, ShahCNN, DuttaCNNTorch])
def test_classifiers_map_a_batch_of_two_images_to_ten_outputs(model_class, images01):
    assert model_class().eval()(images01).shape == (2, 10)


def test_mlp_accepts_flattened_images(images01):
    assert MLP()(images01.reshape(2, 784)).shape == (2, 10)


def test_shah_cnn_outputs_log_probabilities(images01):
    probabilities = ShahCNN()(images01).exp().sum(dim=1)
    torch.testing.assert_close(probabilities, torch.ones(2))


def test_shah_cnn_has_no_activation_between_its_fully_connected_layers():
    kinds = [type(m).__name__ for m in ShahCNN().classifier]
    assert kinds == ["Linear", "Identity", "Identity", "Linear", "LogSoftmax"]  # no activation, no extra dropout


def test_dutta_keras_cnn_maps_two_images_to_class_probabilities(keras_cnn, images255):
    probabilities = np.asarray(keras_cnn(images255, training=False).detach())
    assert probabilities.shape == (2, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_dutta_keras_cnn_layer_names_equal_the_reports_list(keras_cnn):
    assert [layer.name for layer in keras_cnn.layers] == REPORT_LAYER_NAMES == list(DUTTA_LAYER_NAMES)


def test_dutta_keras_layer_names_do_not_depend_on_models_built_before():
    dutta_cnn()
    assert [layer.name for layer in dutta_cnn().layers] == REPORT_LAYER_NAMES


def test_dutta_keras_cnn_is_deterministic_at_inference(keras_cnn, images255):
    first = np.asarray(keras_cnn(images255, training=False).detach())
    second = np.asarray(keras_cnn(images255, training=False).detach())
    np.testing.assert_array_equal(first, second)


def test_dutta_keras_rotation_moves_pixels_only_in_training(keras_cnn, images255):
    rotation = keras_cnn.get_layer("random_rotation")
    assert not np.allclose(np.asarray(rotation(images255, training=True).detach()), images255)
    np.testing.assert_array_equal(np.asarray(rotation(images255, training=False).detach()), images255)


def test_dutta_keras_rotation_defaults_to_ten_degrees_and_author_factor_is_36():
    default = dutta_cnn().get_layer("random_rotation").factor
    author = dutta_cnn(rotation_factor=0.1).get_layer("random_rotation").factor
    assert [round(f * 360, 6) for f in default] == [-10.0, 10.0]
    assert [round(f * 360, 6) for f in author] == [-36.0, 36.0]


def test_dutta_keras_same_seed_gives_same_initial_weights():
    first, second = dutta_cnn(seed=3), dutta_cnn(seed=3)
    for a, b in zip(first.weights, second.weights):
        torch.testing.assert_close(a.value, b.value, rtol=0, atol=0)


def test_keras_summary_text_shows_the_reports_total_without_trailing_spaces(keras_cnn):
    text = keras_summary_text(keras_cnn)
    assert "Total params: 688,234" in text
    assert all(line == line.rstrip() for line in text.splitlines())


@pytest.mark.slow  # a subprocess or a real kernel: `make test` runs it, `make test-unit` skips it
def test_keras_summary_text_does_not_depend_on_terminal_width():
    code = (
        "from mnist_helpers.models.keras_cnn import dutta_cnn, keras_summary_text;"
        "print(keras_summary_text(dutta_cnn()), end='')"
    )
    outputs = [
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "COLUMNS": columns},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for columns in ("50", "200")
    ]
    assert outputs[0] == outputs[1]


def test_dutta_torch_rotation_moves_pixels_only_in_training(images01):
    model = DuttaCNNTorch(rotation_factor=0.1)
    assert not torch.allclose(model.train().rotate(images01), images01)
    assert torch.equal(model.eval().rotate(images01), images01)


@pytest.mark.parametrize("code_size", [2, 8, 64])
@pytest.mark.parametrize("model_class", [DenseAutoencoder, ConvAutoencoder])
def test_autoencoder_codes_have_code_size_columns(model_class, code_size, images01):
    assert model_class(code_size).encode(images01).shape == (2, code_size)


@pytest.mark.parametrize("code_size", [2, 8, 64])
@pytest.mark.parametrize("model_class", [DenseAutoencoder, ConvAutoencoder])
def test_autoencoder_reconstructions_are_images_in_unit_range(model_class, code_size, images01):
    reconstruction = model_class(code_size)(images01)
    assert reconstruction.shape == (2, 1, 28, 28)
    assert reconstruction.min() >= 0 and reconstruction.max() <= 1


@pytest.mark.parametrize("code_size", [0, 785, 2.5])
@pytest.mark.parametrize("model_class", [DenseAutoencoder, ConvAutoencoder])
def test_autoencoder_rejects_code_size_outside_1_to_784(model_class, code_size):
    with pytest.raises(ValueError, match=r"code_size.*1 to 784"):
        model_class(code_size)


def test_build_model_passes_keyword_arguments():
    model = build_model("conv_ae", code_size=16)
    assert isinstance(model, ConvAutoencoder) and model.code_size == 16


def test_build_model_rejects_unknown_name_listing_the_allowed_ones():
    with pytest.raises(ValueError, match="conv_ae, dense_ae, dutta_cnn_torch, mlp, mlp_mse, shah_cnn"):
        build_model("resnet")


def test_dutta_torch_rotation_with_a_seed_is_reproducible(images01):
    first = DuttaCNNTorch(rotation_factor=0.25, seed=1).rotate(images01)
    second = DuttaCNNTorch(rotation_factor=0.25, seed=1).rotate(images01)
    assert torch.equal(first, second)


def test_shahs_cnn_options_beyond_the_report_add_only_what_they_name():
    from mnist_helpers.models.torch_nets import ShahCNN, count_parameters

    base = count_parameters(ShahCNN())
    assert count_parameters(ShahCNN(dropout=0.5)) == base == count_parameters(ShahCNN(vflip=0.5, elastic=True))
    assert count_parameters(ShahCNN(conv3=True)) == base + 64 * 64 * 9 + 64
    assert count_parameters(ShahCNN(kernel_size=5)) == base + 32 * 16 + 32 * 64 * 16
    x = torch.randn(4, 1, 28, 28)
    for model in (ShahCNN(dropout=0.25, dropout_at="pools"), ShahCNN(conv3=True), ShahCNN(kernel_size=5)):
        assert model.eval()(x).shape == (4, 10)
    assert any(isinstance(m, torch.nn.Dropout) for m in ShahCNN(dropout=0.5).classifier)
    assert not any(isinstance(m, torch.nn.Dropout) for m in ShahCNN(dropout=0.5, dropout_at="pools").classifier)
    with pytest.raises(ValueError, match="dropout_at"):
        ShahCNN(dropout=0.5, dropout_at="everywhere")


def test_the_mse_mlp_trains_on_the_mean_squared_error_of_its_sigmoid_outputs_and_predicts_their_argmax():
    from mnist_helpers.models.torch_nets import MLPMSE

    torch.manual_seed(0)
    model = MLPMSE()
    x, y = torch.randn(8, 784), torch.randint(0, 10, (8,))
    z = model(x)
    p = torch.sigmoid(model.out(torch.sigmoid(model.hidden(x))))
    mse = ((p - torch.nn.functional.one_hot(y, 10).float()) ** 2).mean()
    assert torch.allclose(torch.nn.functional.nll_loss(z, y), mse, atol=1e-6)
    assert torch.equal(z.argmax(dim=1), p.argmax(dim=1))
