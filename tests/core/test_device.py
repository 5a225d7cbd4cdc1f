"""The device switch: "cuda" reaches the model, the data, the augmentation draws and inference; refused without CUDA."""

import numpy as np
import pytest
import torch

from mnist_helpers.augment.transforms import shah_augmentation
from mnist_helpers.core import device as device_mod
from mnist_helpers.models import torch_nets as models
from mnist_helpers.reproduce.params import ParameterError, validate
from mnist_helpers.training import inference
from mnist_helpers.training import torch_fit as train


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


@pytest.fixture
def fake_cuda(monkeypatch):
    """Pretend a GPU exists: record every move or generator asked for on "cuda", and keep it on the CPU."""
    asked = []

    def cpu_instead(where, value):
        if value is not None and "cuda" in str(value):
            asked.append(where)
            return torch.device("cpu")
        return value

    real_tensor_to, real_module_to, real_generator = torch.Tensor.to, torch.nn.Module.to, torch.Generator

    def tensor_to(self, *args, **kwargs):
        args = tuple(cpu_instead("tensor", a) if isinstance(a, (str, torch.device)) else a for a in args)
        if "device" in kwargs:
            kwargs["device"] = cpu_instead("tensor", kwargs["device"])
        return real_tensor_to(self, *args, **kwargs)

    def module_to(self, *args, **kwargs):
        args = tuple(cpu_instead("model", a) if isinstance(a, (str, torch.device)) else a for a in args)
        return real_module_to(self, *args, **kwargs)

    def generator(device="cpu"):
        return real_generator(device=cpu_instead("generator", device))

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.Tensor, "to", tensor_to)
    monkeypatch.setattr(torch.nn.Module, "to", module_to)
    monkeypatch.setattr(train.torch, "Generator", generator)
    return asked


def _data(n=64):
    g = torch.Generator().manual_seed(0)
    return torch.rand(n, 1, 28, 28, generator=g), torch.randint(0, 10, (n,), generator=g)


def _fit_shah_on_cuda(model, x, y, epochs):
    """Shah's recipe (NLL, his augmentation) on "cuda", scored on its own training images."""
    return train.fit(
        model,
        x,
        y,
        x,
        y,
        epochs=epochs,
        batch_size=32,
        loss="nll",
        augment=shah_augmentation(True),
        device="cuda",
        progress="none",
    )


def test_cuda_is_refused_clearly_when_torch_sees_no_gpu(no_cuda):
    with pytest.raises(ValueError, match="device='cuda'.*no CUDA GPU.*device='cpu'"):
        device_mod.resolve_device("cuda")


def test_unknown_devices_are_refused():
    with pytest.raises(ValueError, match="device='tpu' is not supported; use one of cpu, cuda"):
        device_mod.resolve_device("tpu")


def test_fit_refuses_cuda_before_training_when_absent(no_cuda):
    x, y = _data()
    model = models.MLP()
    before = [p.clone() for p in model.parameters()]
    with pytest.raises(ValueError, match="no CUDA GPU"):
        train.fit(model, x, y, None, None, epochs=1, batch_size=32, device="cuda", progress="none")
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_device_parameter_is_a_chapter_parameter():
    assert validate(device="cuda") == {"device": "cuda"}
    with pytest.raises(ParameterError, match="'device' = 'gpu'.*cpu, cuda"):
        validate(device="gpu")


def test_fit_puts_model_data_and_augmentation_draws_on_the_device(fake_cuda):
    history = _fit_shah_on_cuda(models.ShahCNN(), *_data(), epochs=1)
    assert history.meta["device"] == "cuda"
    assert {"model", "tensor", "generator"} <= set(fake_cuda)
    assert fake_cuda.count("tensor") >= 5  # train and test images and labels, and the shuffled order


@pytest.mark.parametrize("fn", [inference.predict_proba, inference.predict])
def test_inference_moves_the_model_and_every_batch_to_the_device(fake_cuda, fn):
    x, _ = _data(10)
    out = fn(models.MLP(), x, batch_size=4, device="cuda")
    assert len(out) == 10 and isinstance(out, np.ndarray)
    assert fake_cuda.count("model") == 1 and fake_cuda.count("tensor") == 0  # batches follow the model's device


def test_encode_and_reconstruct_take_a_device(fake_cuda):
    x, _ = _data(6)
    model = models.MODELS["dense_ae"](8)
    assert inference.encode(model, x, device="cuda").shape == (6, 8)
    assert inference.reconstruct(model, x, device="cuda").shape[0] == 6
    assert fake_cuda.count("model") == 2


@pytest.mark.skipif(torch.cuda.is_available(), reason="fakes a GPU; on a real one the Keras test below runs instead")
def test_keras_fit_runs_under_the_requested_device(monkeypatch):
    keras = pytest.importorskip("keras")
    from mnist_helpers.training import keras_fit as keras_train

    used = []
    real = keras.device
    monkeypatch.setattr(keras_train.keras, "device", lambda name: used.append(name) or real("cpu"))
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation="softmax")])
    x, y = np.zeros((8, 4), np.float32), np.arange(8) % 10
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    history = keras_train.fit_keras(model, x, y, None, None, epochs=1, batch_size=4, device="cuda", progress="none")
    keras_train.keras_predict_proba(model, x, device="cuda")
    assert used == ["cuda", "cuda"] and history.meta["device"] == "cuda"


# On a real GPU (run there: `pytest tests/core/test_device.py`); skipped where torch sees none, as on CI.
needs_gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (the device machine)")


@needs_gpu
def test_a_cuda_run_trains_on_the_gpu_and_matches_its_cpu_predictions():
    x, y = _data(256)
    model = models.ShahCNN()
    history = _fit_shah_on_cuda(model, x, y, epochs=2)
    assert history.meta["device"] == "cuda" and len(history.rows) == 2
    assert all(p.device.type == "cuda" for p in model.parameters())
    on_gpu = inference.predict_proba(model, x, device="cuda")
    on_cpu = inference.predict_proba(model.to("cpu"), x, device="cpu")
    np.testing.assert_allclose(on_gpu, on_cpu, atol=1e-4)  # the same weights score alike on both devices
    assert history.rows[-1]["train_loss"] < history.rows[0]["train_loss"] * 1.5  # it trained (no NaN, no blow-up)


@needs_gpu
def test_the_same_seed_on_the_gpu_draws_the_same_augmentation():
    x, y = _data(128)

    def run() -> float:
        torch.manual_seed(0)  # the same initial weights
        model = models.MLP()
        return train.fit(
            model,
            x,
            y,
            None,
            None,
            epochs=1,
            batch_size=32,
            augment=shah_augmentation(True),
            seed=3,
            device="cuda",
            progress="none",
        ).rows[-1]["train_loss"]

    assert run() == pytest.approx(run(), rel=1e-5)


@needs_gpu
def test_keras_fit_keeps_dutta_cnn_on_the_gpu():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("KERAS_BACKEND=torch is what the book uses")
    from mnist_helpers.models.keras_cnn import dutta_cnn
    from mnist_helpers.training import keras_fit as keras_train

    with keras.device("cuda"):
        model = dutta_cnn(seed=0)
    x = np.random.default_rng(0).integers(0, 256, (64, 28, 28, 1)).astype(np.float32)
    y = np.arange(64) % 10
    history = keras_train.fit_keras(model, x, y, x, y, epochs=1, batch_size=32, device="cuda", progress="none")
    assert history.meta["device"] == "cuda"
    assert all(w.value.device.type == "cuda" for w in model.weights)
    assert keras_train.keras_predict_proba(model, x, device="cuda").shape == (64, 10)
