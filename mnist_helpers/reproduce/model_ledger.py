"""Which saved models a chapter used, and a refusal when two chapters save different models under one name.

Saved models are named by their recipe's settings that people vary (model, optimizer, seed, variant); the other
settings (epochs, data, code) sit in the key stored inside the file. Two chapters that train one name with
different keys overwrite each other's model, so each run of the profile retrains the other's and a re-run never
comes out cheap. A chapter's run therefore notes every model file it touches (in any process: sweeps train in
workers), records each one's key hash in its metrics, and is refused when another chapter's record holds the
same name with another key.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from mnist_helpers.core.atomic import read_json

MODELS = "models"  # the run folder's subfolder of saved models


class ModelCollision(ValueError):
    """Two chapters of one profile save different models under one file name."""


def ledger_path(metrics_path: Path) -> Path:
    """Where a chapter's run notes the model files it touches (beside its metrics, removed when they are saved)."""
    return metrics_path.with_name(f".{metrics_path.stem}.models")


def note_model(ledger: Path, name: str) -> None:
    """Append one model file name to the ledger: one short O_APPEND write, whole even with concurrent workers."""
    ledger.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(ledger, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{name}\n".encode())
    finally:
        os.close(fd)


def key_hash(key: Any) -> str:
    """A short hash of a saved model's key (every setting, the data fingerprint, the code hashes)."""
    return hashlib.blake2b(json.dumps(key, sort_keys=True, default=str).encode(), digest_size=6).hexdigest()


def _stored_key(path: Path) -> Any:
    """The key stored inside a saved model (torch .pt or Keras .weights.h5)."""
    if path.name.endswith(".weights.h5"):
        from mnist_helpers.recipes.saved import keras_meta

        meta = keras_meta(path) or {}
    else:
        from mnist_helpers.training.checkpoints import weights_meta

        meta = weights_meta(path)
    return meta.get("key")


def used_models(ledger: Path, models_dir: Path) -> dict[str, str]:
    """{file name: key hash} for every model the ledger names that exists now (a run may note one it then fails to
    train); the ledger is read, not removed."""
    if not ledger.exists():
        return {}
    names = sorted(set(ledger.read_text().split()))
    return {n: key_hash(_stored_key(models_dir / n)) for n in names if (models_dir / n).exists()}


def check_collisions(chapter: str, models: dict[str, str], metrics_dir: Path) -> None:
    """ModelCollision when another chapter's metrics record holds one of `models`' names with another key hash."""
    clashes = []
    for other in sorted(metrics_dir.glob("*.json")):
        if other.stem == chapter:
            continue
        theirs = (read_json(other) or {}).get("models") or {}
        clashes += [(n, other.stem) for n, h in models.items() if n in theirs and theirs[n] != h]
    if clashes:
        said = "; ".join(f"{MODELS}/{n} (also {c}'s)" for n, c in clashes)
        raise ModelCollision(
            f"{chapter} saves models under names another chapter of this profile uses with other settings: {said}. "
            "Each would retrain the other's on every run. Save one of them under its own name "
            "(train_classifier's `variant=`)."
        )
