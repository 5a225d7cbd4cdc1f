"""The Keras training path (SPEC C1, C2, C11): fits real digits, follows the schedule, logs like the torch path."""

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras

from mnist_helpers.data.mnist import load_mnist, stratified_subset, to_keras
from mnist_helpers.models.keras_cnn import dutta_cnn
from mnist_helpers.training.history import COLUMNS, VALIDATION_COLUMNS
from mnist_helpers.training.keras_fit import fit_keras, keras_optimizer, keras_predict_proba, keras_schedule
from mnist_helpers.training.optimizers import KERAS_EPSILON, KERAS_RMSPROP_RHO, inverse_time_decay

N_OVERFIT = 256  # real training images, class-balanced

# Keras' torch backend converts tensors with np.array(tensor), which NumPy 2 flags; harmless, and not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


@pytest.fixture(scope="module")
def digits():
    mnist = load_mnist()  # $MNIST_DATA_DIR; a missing data set fails these tests instead of skipping them
    idx = stratified_subset(mnist.train_labels, N_OVERFIT)
    return to_keras(mnist.train_images[idx]), mnist.train_labels[idx]


@pytest.fixture()
def toy():
    """A tiny softmax classifier on 64 separable synthetic 8x8 images (labels from the pixel sums)."""
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 8, 8, 1)).astype(np.float32)
    y = (x.sum(axis=(1, 2, 3)) > 0).astype(np.int64)
    layers = [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")]
    model = keras.Sequential(layers)
    return model, x, y


def test_dutta_keras_cnn_overfits_a_few_hundred_real_digits(digits):
    model = dutta_cnn(rotation_factor=0, seed=0, dropout=0)  # regularisers off: this checks capacity, not their noise
    history = fit_keras(model, *digits, None, None, epochs=5, batch_size=32, seed=0, progress="none")
    assert history.last()["train_acc"] >= 0.95


def test_keras_schedule_value_at_step_n_is_inverse_time_decay():
    schedule = keras_schedule(lr=1e-3, decay=1e-4)
    for step in (0, 1, 10, 1875, 100_000):
        value = float(schedule(step))
        assert value == pytest.approx(1e-3 / (1 + 1e-4 * step), rel=1e-6)  # float32 inside Keras


def test_no_decay_means_a_fixed_learning_rate():
    assert keras_schedule(lr=1e-3, decay=0.0) == 1e-3


@pytest.mark.parametrize("name", ["adam", "rmsprop"])
def test_keras_optimizers_share_the_torch_paths_constants(name):
    optimizer = keras_optimizer(name, lr=1e-3, decay=1e-4)
    assert optimizer.epsilon == KERAS_EPSILON
    if name == "rmsprop":
        assert optimizer.rho == KERAS_RMSPROP_RHO


def test_unknown_keras_optimizer_name_is_rejected_listing_the_allowed_ones():
    with pytest.raises(ValueError, match="adam, rmsprop"):
        keras_optimizer("adagrad")


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
def test_both_keras_optimizers_lower_the_loss(toy, optimizer):
    model, x, y = toy
    history = fit_keras(
        model, x, y, x, y, epochs=3, batch_size=8, optimizer=optimizer, lr=1e-2, decay=1e-4, progress="none"
    )
    assert history.last()["train_loss"] < history.rows[0]["train_loss"]
    assert history.last()["test_loss"] < history.rows[0]["test_loss"]


def test_keras_history_has_the_torch_columns_and_the_lr_after_each_epochs_steps(toy):
    model, x, y = toy
    history = fit_keras(model, x, y, x, y, epochs=2, batch_size=16, decay=0.1, progress="none")
    frame = history.to_frame()
    assert list(frame.columns) == [c for c in COLUMNS if c not in VALIDATION_COLUMNS] and list(frame["epoch"]) == [1, 2]
    assert frame.notna().all().all()
    for row, steps in zip(history.rows, (4, 8)):
        assert row["lr"] == pytest.approx(inverse_time_decay(1e-3, 0.1, steps), rel=1e-6)


def test_keras_progress_lines_prints_exactly_one_line_per_epoch(toy, capsys):
    model, x, y = toy
    fit_keras(model, x, y, x, y, epochs=3, batch_size=16, progress="lines")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith(f"epoch {i}/3  train loss") for i, line in enumerate(lines, 1))


def test_keras_predict_proba_gives_probability_rows(toy):
    model, x, _ = toy
    probs = keras_predict_proba(model, x, batch_size=10)
    assert probs.shape == (64, 2) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_resuming_from_an_epoch_checkpoint_ends_exactly_like_an_uninterrupted_run(toy, tmp_path, monkeypatch):
    import shutil

    import mnist_helpers.training.keras_fit as kt

    model, x, y = toy
    initial = [v.numpy().copy() for v in model.variables]
    save, copies = kt._save_checkpoint, []

    def save_and_copy(path, model, history, run_key):  # keep the checkpoint as it was after each epoch
        save(path, model, history, run_key)
        copies.append(shutil.copy(path, tmp_path / f"after{len(copies) + 1}.npz"))

    monkeypatch.setattr(kt, "_save_checkpoint", save_and_copy)
    whole = fit_keras(model, x, y, x, y, epochs=3, batch_size=8, seed=0, progress="none", checkpoint=tmp_path / "a")
    for v, value in zip(model.variables, initial):  # the same model from scratch, resumed after epoch 1
        v.assign(value)
    resumed = fit_keras(model, x, y, x, y, epochs=3, batch_size=8, seed=0, progress="none", checkpoint=copies[0])
    drop = lambda rows: [{k: v for k, v in r.items() if k != "seconds"} for r in rows]
    assert drop(resumed.rows) == drop(whole.rows)


def test_checkpoint_from_other_settings_starts_from_epoch_one(toy, tmp_path, capsys):
    model, x, y = toy
    fit_keras(model, x, y, None, None, epochs=1, batch_size=8, seed=0, progress="none", checkpoint=tmp_path / "c")
    history = fit_keras(
        model, x, y, None, None, epochs=2, batch_size=8, seed=0, progress="none", checkpoint=tmp_path / "c"
    )
    assert "made with other settings" in capsys.readouterr().out and len(history.rows) == 2


def test_a_checkpoint_made_under_another_run_key_starts_from_epoch_one(toy, tmp_path, capsys):
    model, x, y = toy
    fit_args = dict(epochs=1, batch_size=8, seed=0, progress="none", checkpoint=tmp_path / "k")
    fit_keras(model, x, y, None, None, run_key={"rotation_factor": 0.1}, **fit_args)
    capsys.readouterr()
    again = fit_keras(model, x, y, None, None, run_key={"rotation_factor": 0.1}, **fit_args)
    assert "resuming at epoch 2" in capsys.readouterr().out and len(again.rows) == 1  # done: nothing re-run
    other = fit_keras(model, x, y, None, None, run_key={"rotation_factor": 0.0}, **fit_args)
    assert "made with other settings; starting from epoch 1" in capsys.readouterr().out and len(other.rows) == 1
