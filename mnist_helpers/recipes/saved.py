"""What a saved model carries (its key, history and data fingerprint) and how a recipe decides to reuse it.

A saved model carries its key (every setting that made it, the data's fingerprint and the code that made it) and its
training history inside its one weights file, written atomically: reuse is decided from that file alone, so a
crash between two writes can never pair new weights with an old key or history.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mnist_helpers.core.atomic import atomic_path
from mnist_helpers.core.code_hash import definition_hash, training_code
from mnist_helpers.data.mnist import MNIST
from mnist_helpers.models import torch_nets as models
from mnist_helpers.training.checkpoints import arrays_checksum
from mnist_helpers.training.history import FORMAT, History

KERAS_META_ATTR = "mnist_helpers_meta"  # HDF5 attribute of a Keras .weights.h5 holding its key and history (JSON)


@dataclass
class Trained:
    """A trained model with its history and its test-set outputs (probabilities or reconstructions)."""

    tag: str
    model: Any
    history: History
    outputs: np.ndarray
    reused: bool
    key: dict[str, Any] | None = None  # the settings that made the model (record it with the results)

    @property
    def predictions(self) -> np.ndarray:
        return self.outputs.argmax(axis=1)


def announce(label: str | None) -> None:
    """One line naming the run, so a training log that holds several runs says which lines are whose."""
    if label:
        print(f"== {label} ==", flush=True)


def validation_split(n: int, val_size: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(train indices, validation indices): a seeded random `val_size` of range(n) held out, both sorted."""
    if not 0 < val_size < n:
        raise ValueError(f"val_size={val_size} must be between 1 and {n - 1} (the training images available).")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[val_size:].sort().values, order[:val_size].sort().values


def data_fingerprint(split: MNIST) -> str:
    """A short hash of a split's images and labels: models trained on other images are not reused."""
    h = hashlib.blake2b(digest_size=8)
    for a in (split.train_images, split.train_labels, split.test_images, split.test_labels):
        h.update(np.ascontiguousarray(a))
    return h.hexdigest()


def saved_history(meta: dict[str, Any] | None, key: dict[str, Any], path: Path) -> History | None:
    """The History stored with a model made with exactly `key`; None, with the reason printed, otherwise."""
    saved = meta.get("key") if isinstance(meta, dict) else None
    if saved != key:
        old = saved if isinstance(saved, dict) else {}
        changed = ", ".join(
            f"{k} {old.get(k)!r} -> {key.get(k)!r}" for k in sorted(set(old) | set(key)) if old.get(k) != key.get(k)
        )
        print(f"{path.name}: made with other settings ({changed}); retraining.", flush=True)
        return None
    return History.from_dict(meta.get("history"), f"{path}: its training history is missing or damaged")


def stored_meta(key: dict[str, Any], history: History) -> dict[str, Any]:
    """What a weights file carries besides the weights: its key and its history."""
    return {"key": key, "history": {"format": FORMAT, "rows": history.rows, "meta": history.meta}}


def model_key(split: MNIST, definition: Any, **settings: Any) -> dict[str, Any]:
    """Everything that makes a model: its settings, the data it saw (sizes and fingerprint), the code that trains
    it (`core.code_hash.training_code`) and its model's `definition` (the class or builder; `definition_hash`).
    A change to a plot or a verdict rule leaves the key as it was; one to another model's class does too."""
    n = {"n_train": len(split.train_labels), "n_test": len(split.test_labels)}
    model_code = definition_hash(definition.__module__, definition.__qualname__)
    return {
        **settings,
        **n,
        "data": data_fingerprint(split),
        "training_code": training_code(),
        "model_code": model_code,
    }


KERAS_CHECKSUM = "weights_checksum"  # the meta entry holding a Keras weights file's checksum


def keras_checksum(model: Any) -> str:
    """The checksum of a Keras model's weights, in order (by position: Keras numbers layer names per session)."""
    return arrays_checksum((str(i), np.asarray(v.numpy())) for i, v in enumerate(model.weights))


def save_keras_weights(model: Any, weights: Path, meta: dict[str, Any]) -> None:
    """Write a Keras model's weights to `weights` atomically, with `meta` and the weights' checksum inside the file."""
    import h5py

    meta = {**meta, KERAS_CHECKSUM: keras_checksum(model)}
    with atomic_path(weights, suffix=".weights.h5") as tmp:  # a unique temporary; Keras insists on the suffix
        model.save_weights(tmp)
        with h5py.File(tmp, "r+") as f:  # inside the weights file, before it is moved in
            f.attrs[KERAS_META_ATTR] = json.dumps(meta)


def load_keras_weights(model: Any, weights: Path) -> None:
    """Load a Keras .weights.h5 written by the recipes into `model`, checking it against its stored checksum."""
    meta = keras_meta(weights) or {}
    try:
        model.load_weights(weights)
    except Exception as e:  # h5py/keras raise many types for a damaged file
        raise ValueError(
            f"{weights}: cannot be read ({type(e).__name__}); delete it and re-run this chapter."
        ) from None
    if meta.get(KERAS_CHECKSUM) != keras_checksum(model):
        raise ValueError(
            f"{weights}: its weights do not match their checksum (damaged, or saved before checksums); "
            "delete it and re-run this chapter."
        )


def keras_meta(weights: Path) -> dict[str, Any] | None:
    """The key and history stored in a Keras weights file's attributes (None if it has none: older format)."""
    import h5py

    try:
        with h5py.File(weights, "r") as f:
            raw = f.attrs.get(KERAS_META_ATTR)
        return json.loads(raw) if raw is not None else None
    except (OSError, ValueError) as e:  # not HDF5, truncated, or an attribute that is not our JSON
        raise ValueError(
            f"{weights}: cannot be read ({type(e).__name__}); delete it and re-run this chapter."
        ) from None


CLASSIFIER_DEFAULTS: dict[str, Any] = {
    "optimizer": "adam",
    "lr": 1e-3,
    "decay": 0.0,
    "augment": False,
    "seed": 0,
    "model_kwargs": None,
    "decay_mode": "inverse_time",
    "normalize": None,
    "augment_mode": "faithful",
    "variant": "",
    "device": "cpu",
}


def classifier_key(name: str, split: MNIST, *, epochs: int, batch_size: int, **settings: Any) -> dict[str, Any]:
    """The key of a `train_classifier` model: every setting (defaults filled in), the data and the code."""
    s = {**CLASSIFIER_DEFAULTS, **settings}
    build = models.MODELS[name]
    return model_key(
        split,
        build,
        name=name,
        epochs=epochs,
        batch_size=batch_size,
        optimizer=s["optimizer"],
        lr=s["lr"],
        decay=s["decay"],
        augment=s["augment"],
        seed=s["seed"],
        model_kwargs=s["model_kwargs"] or {},
        decay_mode=s["decay_mode"],
        normalized=build.normalized_input if s["normalize"] is None else bool(s["normalize"]),
        augment_mode=s["augment_mode"] if s["augment"] else None,
        variant=s["variant"],
        device=s["device"],
    )


def classifier_tag(name: str, optimizer: str, seed: int, variant: str) -> str:
    return f"{name}-{optimizer}-seed{seed}" + (f"-{variant}" if variant else "")
