"""Training Keras models (Dutta's CNN, claims C1, C2, C11) into the same per-epoch History as the torch engine."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path
from typing import Any

from mnist_helpers.core.env import keras_on_torch

keras_on_torch()  # before keras reads its backend: torch, or a clear error

import keras
import numpy as np

from mnist_helpers.core.atomic import atomic_path
from mnist_helpers.core.device import resolve_device
from mnist_helpers.training.checkpoints import plain
from mnist_helpers.training.checks import check_positive
from mnist_helpers.training.history import History
from mnist_helpers.training.optimizers import OPTIMIZERS
from mnist_helpers.training.progress import epoch_bar, report_epoch, resolve_progress
from mnist_helpers.training.seeding import epoch_seed

LOSS = "sparse_categorical_crossentropy"  # integer labels; the author one-hot encoded, same value


def keras_schedule(lr: float = 1e-3, decay: float = 0.0) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """Legacy Keras `decay=` in Keras 3 terms (C11): lr / (1 + decay·step) per optimizer step, or plain lr."""
    if not lr > 0:
        raise ValueError(f"lr={lr!r} must be > 0 (the seed used 1e-3).")
    if not decay >= 0:
        raise ValueError(f"decay={decay!r} must be >= 0 (per optimizer step; the seed used 1e-4).")
    if decay == 0:
        return lr
    return keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)


def keras_optimizer(name: str, lr: float = 1e-3, decay: float = 0.0) -> keras.optimizers.Optimizer:
    """Keras Adam or RMSprop with their defaults (epsilon 1e-7; RMSprop rho 0.9) and the C11 schedule."""
    key = name.lower() if isinstance(name, str) else name
    if key not in OPTIMIZERS:
        raise ValueError(f"optimizer name={name!r} is not known; use one of {', '.join(OPTIMIZERS)}.")
    learning_rate = keras_schedule(lr, decay)
    if key == "adam":
        return keras.optimizers.Adam(learning_rate=learning_rate)
    return keras.optimizers.RMSprop(learning_rate=learning_rate)


class EpochRecorder(keras.callbacks.Callback):
    """Append each epoch's logs, learning rate and wall time to a History; report one line or a bar per epoch."""

    def __init__(self, history: History, epochs: int, steps: int, mode: str) -> None:
        super().__init__()
        self.history_out, self.epochs, self.steps, self.mode = history, epochs, steps, mode
        self.started = 0.0
        self.bar: Any = None

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.started = time.perf_counter()
        self.bar = epoch_bar(epoch + 1, self.epochs, self.steps, self.mode)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.bar is not None:
            self.bar.update(1)
            if logs and "loss" in logs:
                self.bar.set_postfix(loss=f"{float(logs['loss']):.4f}", refresh=False)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        lr = float(self.model.optimizer.learning_rate)  # the schedule at the current step count
        self.history_out.append(
            epoch=epoch + 1,
            train_loss=logs.get("loss"),
            train_acc=logs.get("accuracy"),
            test_loss=logs.get("val_loss"),
            test_acc=logs.get("val_accuracy"),
            lr=lr,
            seconds=time.perf_counter() - self.started,
        )
        report_epoch(self.history_out.rows[-1], self.epochs, self.mode, self.bar)
        self.bar = None


def fit_keras(
    model: keras.Model,
    train_x: np.ndarray,
    train_y: np.ndarray,
    test_x: np.ndarray | None = None,  # None: no per-epoch test figures
    test_y: np.ndarray | None = None,
    *,
    epochs: int,
    batch_size: int = 32,  # the author's
    optimizer: str = "adam",
    lr: float = 1e-3,  # initial learning rate
    decay: float = 0.0,  # inverse-time decay per optimizer step (C11)
    seed: int = 0,
    progress: str = "auto",
    device: str = "cpu",  # "cpu" or "cuda": where Keras places the weights and batches (keras.device)
    checkpoint: str | os.PathLike | None = None,
    run_key: dict[str, Any] | None = None,  # what else made the run (model settings, recipe, code): resume checks it
) -> History:
    """Compile `model` (sparse categorical cross-entropy, accuracy) and train it, validating on the test set.

    Inputs as `data.to_keras` gives them, labels as integers. `keras.utils.set_random_seed(seed)` seeds
    shuffling and any unseeded random layers; pass a seed to the model builder for reproducible weights.
    Build the model under `keras.device(device)` too, so its weights live where `fit` puts the batches.
    Train loss/accuracy are Keras' running means over the epoch, as in the torch engine; `lr` is the
    learning rate the next step would use; `seconds` includes validation.

    Each epoch starts from RNGs seeded by (seed, epoch), so a run resumed from `checkpoint` (weights,
    optimizer state, the random layers' seed states and the history, written atomically after every
    epoch) shuffles and augments exactly as an uninterrupted run and ends with the same weights. A checkpoint made
    with other settings, or another `run_key`, is stale: training starts from epoch 1.
    """
    check_positive(epochs=epochs, batch_size=batch_size)
    dev = resolve_device(device)
    mode = resolve_progress(progress)
    train_x, train_y = _as_arrays(train_x, train_y, "train")
    validation = None if test_x is None else _as_arrays(test_x, test_y, "test")
    keras.utils.set_random_seed(seed)
    model.compile(optimizer=keras_optimizer(optimizer, lr, decay), loss=LOSS, metrics=["accuracy"], jit_compile=False)
    meta = {"epochs": epochs, "batch_size": batch_size, "optimizer": optimizer.lower(), "lr": lr, "decay": decay}
    history = History(
        meta=_run_meta(model, len(train_x), 0 if validation is None else len(validation[0]), meta, seed, dev)
    )
    steps = -(-len(train_x) // batch_size)
    key = plain(run_key or {})
    first = _resume(checkpoint, model, history, key) if checkpoint is not None and Path(checkpoint).exists() else 0
    with keras.device(str(dev)):
        model.fit(
            train_x,
            train_y,
            batch_size=batch_size,
            initial_epoch=first,
            epochs=epochs,
            validation_data=validation,
            shuffle=True,
            verbose=0,
            callbacks=[EpochRecorder(history, epochs, steps, mode), Resumable(seed, checkpoint, history, key)],
        )
    return history


def _run_meta(model: keras.Model, n_train: int, n_test: int, settings: dict[str, Any], seed: int, dev: Any) -> dict:
    """What made a Keras run (a checkpoint resumes only when all of it matches): the model, data sizes, settings."""
    return {
        "model": model.name,
        "framework": f"keras {keras.__version__} ({keras.backend.backend()})",
        "n_params": int(model.count_params()),
        "n_train": n_train,
        "n_test": n_test,
        **settings,
        "loss": LOSS,
        "seed": seed,
        "device": dev.type,
    }


class Resumable(keras.callbacks.Callback):
    """Seed every RNG per (seed, epoch) before the epoch draws from them; write a checkpoint after it."""

    def __init__(
        self, seed: int, checkpoint: str | os.PathLike | None, history: History, run_key: dict[str, Any]
    ) -> None:
        super().__init__()
        self.seed, self.checkpoint, self.history_out, self.run_key = seed, checkpoint, history, run_key

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        keras.utils.set_random_seed(epoch_seed(self.seed, epoch))  # shuffling draws torch's global RNG here

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.checkpoint is not None:
            _save_checkpoint(self.checkpoint, self.model, self.history_out, self.run_key)


def _state(model: keras.Model) -> list[Any]:
    """Every variable a resumed run needs: weights, seed-generator states, the optimizer's slots and step count."""
    return list(model.variables) + list(model.optimizer.variables)


def _save_checkpoint(path: str | os.PathLike, model: keras.Model, history: History, run_key: dict[str, Any]) -> None:
    """Write the training state after an epoch to `path` atomically (an .npz; no pickles)."""
    arrays = {f"v{i}": np.asarray(keras.ops.convert_to_numpy(v)) for i, v in enumerate(_state(model))}
    arrays["history"] = np.array(json.dumps({"meta": history.meta, "rows": history.rows, "run_key": run_key}))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]  # numpy stubs take **arrays for allow_pickle
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())


def _resume(path: str | os.PathLike, model: keras.Model, history: History, run_key: dict[str, Any]) -> int:
    """Restore a checkpoint made with the same settings; return the next epoch (0-based; 0 when it does not match)."""
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    try:
        with np.load(path, allow_pickle=False) as saved:
            stored = json.loads(str(saved["history"]))
            values = [saved[f"v{i}"] for i in range(len(saved.files) - 1)]
    except (OSError, ValueError, KeyError) as e:
        raise ValueError(f"{path}: checkpoint cannot be read ({e}); delete it and re-run.") from None
    variables = _state(model)
    same_key = stored.get("run_key", {}) == run_key
    if (
        not same_key
        or stored["meta"] != plain(history.meta)
        or [v.shape for v in values] != [tuple(v.shape) for v in variables]
    ):
        print(f"{Path(path).name}: made with other settings; starting from epoch 1.", flush=True)
        return 0
    for variable, value in zip(variables, values):
        variable.assign(value)
    for row in stored["rows"]:
        history.append(**row)
    done = len(stored["rows"])
    print(f"{Path(path).name}: resuming at epoch {done + 1}.", flush=True)
    return done


def keras_predict_proba(model: keras.Model, x: np.ndarray, batch_size: int = 1000, device: str = "cpu") -> np.ndarray:
    """(N, classes) probabilities from a softmax-output Keras model, in inference mode, batched."""
    with keras.device(str(resolve_device(device))):
        probs = model.predict(np.asarray(x, dtype=np.float32), batch_size=batch_size, verbose=0)
    return np.asarray(probs, dtype=np.float32)


def _as_arrays(x: Any, y: Any, split: str) -> tuple[np.ndarray, np.ndarray]:
    """float32 images and int64 labels, one label per image."""
    x = np.asarray(x, dtype=np.float32)
    if y is None or len(y) != len(x):
        got = None if y is None else len(y)
        raise ValueError(f"{split}_y must hold one label per image of {split}_x ({len(x)} images); got {got}.")
    return x, np.asarray(y, dtype=np.int64)
