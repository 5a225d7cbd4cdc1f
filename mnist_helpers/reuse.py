"""Train a model, or reuse the one saved under the profile with the same settings: the chapters' recipes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mnist_helpers import augment as aug
from mnist_helpers import models
from mnist_helpers.atomic import read_json, write_json
from mnist_helpers.data import MNIST, to_keras, to_tensor
from mnist_helpers.history import History
from mnist_helpers.provenance import Run, code_version
from mnist_helpers.train import fit, load_weights, predict_proba, reconstruct, save_weights, seed_everything


@dataclass
class Trained:
    """A trained model with its history and its test-set outputs (probabilities or reconstructions)."""

    tag: str
    model: Any
    history: History
    outputs: np.ndarray
    reused: bool

    @property
    def predictions(self) -> np.ndarray:
        return self.outputs.argmax(axis=1)


def _announce(label: str | None) -> None:
    """One line naming the run, so a training log that holds several runs says which lines are whose."""
    if label:
        print(f"== {label} ==", flush=True)


def _reusable(path: Path, key: dict[str, Any]) -> bool:
    """True when a saved artifact was made with exactly `key` (parameters and code version)."""
    meta_path = path.with_suffix(".json")
    if not (path.exists() and meta_path.exists()):
        return False
    saved = read_json(meta_path).get("key")
    if saved != key:
        print(f"{path.name}: made with other parameters or code; retraining.", flush=True)
        return False
    return True


def _train_torch(
    tag: str,
    model: torch.nn.Module,
    run: Run,
    reuse: bool,
    key: dict[str, Any],
    x_train: torch.Tensor,
    y_train: Any,
    x_test: torch.Tensor,
    y_test: Any,
    output: str,
    **fit_kwargs: Any,
) -> Trained:
    """Train with `fit` (resumable through a checkpoint) or reuse a matching saved model."""
    weights = run.path("models", f"{tag}.pt")
    if reuse and _reusable(weights, key):
        load_weights(model, weights)
        history = History.from_json(weights.with_suffix(".history.json"))
        reused = True
    else:
        checkpoint = run.path("checkpoints", f"{tag}.ckpt")
        history = fit(model, x_train, y_train, x_test, y_test, checkpoint=checkpoint, **fit_kwargs)
        save_weights(model, weights, meta={"key": key})
        history.to_json(weights.with_suffix(".history.json"))
        write_json(weights.with_suffix(".json"), {"key": key})
        checkpoint.unlink(missing_ok=True)
        reused = False
    outputs = reconstruct(model, x_test) if output == "reconstruction" else predict_proba(model, x_test)
    return Trained(tag, model, history, outputs, reused)


def train_classifier(
    name: str,
    split: MNIST,
    run: Run,
    *,
    epochs: int,
    batch_size: int,
    optimizer: str = "adam",
    lr: float = 1e-3,
    decay: float = 0.0,
    augment: bool = False,
    seed: int = 0,
    reuse: bool = True,
    model_kwargs: dict[str, Any] | None = None,
    label: str | None = None,
) -> Trained:
    """Train one of CLASSIFIERS (torch engine) on `split`, or reuse the saved model made with the same settings."""
    _announce(label)
    if name not in models.CLASSIFIERS:
        raise ValueError(f"classifier name={name!r} is not known; use one of {', '.join(models.CLASSIFIERS)}.")
    build = models.MODELS[name]
    loss, normalized = build.loss, build.normalized_input
    key = {
        "name": name,
        "epochs": epochs,
        "batch_size": batch_size,
        "optimizer": optimizer,
        "lr": lr,
        "decay": decay,
        "augment": augment,
        "seed": seed,
        "n_train": len(split.train_labels),
        "n_test": len(split.test_labels),
        "model_kwargs": model_kwargs or {},
        "code_version": code_version(),
    }
    seed_everything(seed)
    model = build(**(model_kwargs or {}))
    x_train, x_test = to_tensor(split.train_images, normalized), to_tensor(split.test_images, normalized)
    y_train, y_test = (
        torch.from_numpy(split.train_labels.astype(np.int64)),
        torch.from_numpy(split.test_labels.astype(np.int64)),
    )
    tag = f"{name}-{optimizer}-seed{seed}"
    return _train_torch(
        tag,
        model,
        run,
        reuse,
        key,
        x_train,
        y_train,
        x_test,
        y_test,
        "probabilities",
        epochs=epochs,
        batch_size=batch_size,
        optimizer=optimizer,
        lr=lr,
        decay=decay,
        loss=loss,
        augment=aug.shah_augmentation(normalized) if augment else None,
        seed=seed,
    )


def train_autoencoder(
    kind: str,
    code_size: int,
    split: MNIST,
    run: Run,
    *,
    epochs: int,
    batch_size: int,
    lr: float = 1e-3,
    seed: int = 0,
    reuse: bool = True,
    label: str | None = None,
) -> Trained:
    """Train a dense or convolutional autoencoder (MSE on [0, 1] pixels) at one code size, or reuse it."""
    _announce(label)
    if kind not in models.AUTOENCODERS:
        raise ValueError(f"autoencoder kind={kind!r} is not known; use one of {', '.join(models.AUTOENCODERS)}.")
    key = {
        "kind": kind,
        "code_size": code_size,
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "seed": seed,
        "n_train": len(split.train_labels),
        "n_test": len(split.test_labels),
        "code_version": code_version(),
    }
    seed_everything(seed)
    model = models.MODELS[kind](code_size)
    x_train, x_test = to_tensor(split.train_images, False), to_tensor(split.test_images, False)
    return _train_torch(
        f"{kind}-{code_size}-seed{seed}",
        model,
        run,
        reuse,
        key,
        x_train,
        None,
        x_test,
        None,
        "reconstruction",
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        loss="mse",
        seed=seed,
    )


def train_keras_dutta(
    split: MNIST,
    run: Run,
    *,
    epochs: int,
    batch_size: int,
    optimizer: str = "adam",
    lr: float = 1e-3,
    decay: float = 0.0,
    rotation_factor: float = aug.DUTTA_FACTOR,
    seed: int = 0,
    reuse: bool = True,
    label: str | None = None,
) -> Trained:
    """Dutta's Keras CNN trained with `fit` (torch backend), or reused when saved with the same settings."""
    _announce(label)
    from mnist_helpers.keras_models import dutta_cnn  # keras takes seconds to import: only when asked for
    from mnist_helpers.keras_train import fit_keras, keras_predict_proba

    key = {
        "name": "dutta_keras",
        "epochs": epochs,
        "batch_size": batch_size,
        "optimizer": optimizer,
        "lr": lr,
        "decay": decay,
        "rotation_factor": rotation_factor,
        "seed": seed,
        "n_train": len(split.train_labels),
        "n_test": len(split.test_labels),
        "code_version": code_version(),
    }
    tag = f"dutta_keras-{optimizer}-seed{seed}"
    weights = run.path("models", f"{tag}.weights.h5")
    meta = weights.with_name(f"{tag}.json")
    model = dutta_cnn(rotation_factor=rotation_factor, seed=seed)
    x_test = to_keras(split.test_images)
    if reuse and meta.exists() and weights.exists() and read_json(meta).get("key") == key:
        try:
            model.load_weights(weights)
        except Exception as e:  # h5py/keras raise many types for a damaged file
            raise ValueError(
                f"{weights}: cannot be read ({type(e).__name__}); delete it and re-run this chapter."
            ) from None
        history, reused = History.from_json(weights.with_name(f"{tag}.history.json")), True
    else:
        history = fit_keras(
            model,
            to_keras(split.train_images),
            split.train_labels,
            x_test,
            split.test_labels,
            epochs=epochs,
            batch_size=batch_size,
            optimizer=optimizer,
            lr=lr,
            decay=decay,
            seed=seed,
        )
        partial = weights.with_name(f".{tag}.partial.weights.h5")  # Keras insists on the suffix; moved into place below
        model.save_weights(partial)
        os.replace(partial, weights)
        history.to_json(weights.with_name(f"{tag}.history.json"))
        write_json(meta, {"key": key})
        reused = False
    return Trained(tag, model, history, keras_predict_proba(model, x_test), reused)


def train_dutta(
    engine: str,
    split: MNIST,
    run: Run,
    *,
    epochs: int,
    batch_size: int,
    optimizer: str,
    lr: float,
    decay: float,
    rotation_factor: float,
    seed: int,
    reuse: bool = True,
    label: str | None = None,
) -> Trained:
    """Dutta's CNN with Keras `fit` (engine="keras") or its layer-for-layer torch twin in our engine ("torch")."""
    if engine == "keras":
        return train_keras_dutta(
            split,
            run,
            epochs=epochs,
            batch_size=batch_size,
            optimizer=optimizer,
            lr=lr,
            decay=decay,
            rotation_factor=rotation_factor,
            seed=seed,
            reuse=reuse,
            label=label,
        )
    if engine != "torch":
        raise ValueError(f"engine={engine!r} is not known; use keras or torch.")
    return train_classifier(
        "dutta_cnn_torch",
        split,
        run,
        epochs=epochs,
        batch_size=batch_size,
        optimizer=optimizer,
        lr=lr,
        decay=decay,
        seed=seed,
        reuse=reuse,
        model_kwargs={"rotation_factor": rotation_factor, "seed": seed},
        label=label,
    )


def saved_classifier(name: str, split: MNIST, run: Run) -> Trained | None:
    """The newest model `name` saved under this profile for the same test set and code, or None (chapter 7 reuse)."""
    build = models.MODELS[name]
    normalized = build.normalized_input
    folder = run.root / "models"
    for weights in sorted(folder.glob(f"{name}-*.pt"), key=lambda p: p.stat().st_mtime, reverse=True):
        if not weights.with_suffix(".json").exists():
            continue
        key = read_json(weights.with_suffix(".json")).get("key", {})
        if key.get("code_version") != code_version() or key.get("n_test") != len(split.test_labels):
            print(f"{weights.name}: made by other code or on another test set; not reused.", flush=True)
            continue
        model = build()
        load_weights(model, weights)
        history = History.from_json(weights.with_suffix(".history.json"))
        probs = predict_proba(model, to_tensor(split.test_images, normalized))
        return Trained(weights.stem, model, history, probs, reused=True)
    return None
