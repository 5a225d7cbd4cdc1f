"""Per-image predictions of a chapter's models, published beside its metrics: every accuracy, confusion matrix,
McNemar table and verdict re-derives from them in seconds, without training.

One compressed NumPy file per chapter, `predictions/<chapter>.npz` under the profile's folder: the true labels of
the images the models were scored on, and per model the predicted class (uint8) and its probability (float16,
enough for calibration bins to ±0.001). The chapter's metrics record the file's SHA-256, the labels' fingerprint
and, per model, its saved file and key hash; `load` refuses a file whose checksum or labels do not match.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mnist_helpers.core.atomic import write_bytes
from mnist_helpers.reproduce.model_ledger import key_hash

FOLDER = "predictions"  # beside metrics/ under the profile's folder


class PredictionsMismatch(ValueError):
    """A published predictions file that is not the one its chapter's metrics describe."""


@dataclass(frozen=True)
class Predictions:
    """One chapter's published predictions: `labels` (n,) and, per model name, `classes` and `confidence` (n,)."""

    labels: np.ndarray
    classes: dict[str, np.ndarray]
    confidence: dict[str, np.ndarray]

    def accuracy_pct(self, name: str) -> float:
        """Percent of the images model `name` classifies right."""
        return float(100 * np.mean(self.classes[name] == self.labels))

    def right(self, name: str) -> np.ndarray:
        """Per image: whether model `name` is right (for paired comparisons and McNemar's table)."""
        return self.classes[name] == self.labels


def labels_fingerprint(labels: np.ndarray) -> str:
    """A short hash of the scored images' labels, in order."""
    return hashlib.sha256(np.asarray(labels, dtype=np.uint8).tobytes()).hexdigest()[:16]


def encode(models: Mapping[str, Any], labels: np.ndarray) -> tuple[bytes, dict[str, Any]]:
    """(the .npz bytes, the record for the metrics) for `models`: {name: a recipe's Trained (its `outputs` are
    class probabilities on the images `labels` belongs to)}."""
    labels = np.asarray(labels)
    names = list(models)
    arrays: dict[str, np.ndarray] = {"labels": labels.astype(np.uint8), "names": np.array(json.dumps(names))}
    record_models = {}
    for i, name in enumerate(names):
        t = models[name]
        outputs = np.asarray(t.outputs)
        if outputs.ndim != 2 or outputs.shape[0] != len(labels):
            raise ValueError(
                f"model {name!r}: outputs of shape {outputs.shape} are not class probabilities for the "
                f"{len(labels)} labelled images; pass the labels of the images it was scored on."
            )
        arrays[f"class_{i:03d}"] = outputs.argmax(axis=1).astype(np.uint8)
        arrays[f"confidence_{i:03d}"] = outputs.max(axis=1).astype(np.float16)
        record_models[name] = {"file": t.tag, "key": key_hash(t.key)}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]  # numpy 2 stubs read the keywords as allow_pickle
    data = buffer.getvalue()
    return data, {"labels": labels_fingerprint(labels), "images": len(labels), "models": record_models}


def save(profile_dir: Path, chapter: str, models: Mapping[str, Any], labels: np.ndarray) -> dict[str, Any]:
    """Write `chapter`'s predictions file atomically; return its record (file, SHA-256, labels, models)."""
    data, record = encode(models, labels)
    path = Path(profile_dir) / FOLDER / f"{chapter}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, data)
    return {"file": f"{FOLDER}/{chapter}.npz", "sha256": hashlib.sha256(data).hexdigest(), **record}


def load(profile_dir: Path, record: Mapping[str, Any]) -> Predictions:
    """The predictions a chapter's metrics `record` ("predictions") describes, checked against its SHA-256 and its
    labels' fingerprint; PredictionsMismatch naming the file and the fix otherwise."""
    path = Path(profile_dir) / record["file"]
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != record["sha256"]:
        raise PredictionsMismatch(
            f"{path}: its SHA-256 is not the one its chapter's metrics record; the file was changed or belongs to "
            "another run. Re-run the chapter (mnist-reproduce --only <chapter>) to write both again."
        )
    with np.load(io.BytesIO(data)) as z:
        names = json.loads(str(z["names"]))
        labels = z["labels"]
        classes = {n: z[f"class_{i:03d}"] for i, n in enumerate(names)}
        confidence = {n: z[f"confidence_{i:03d}"].astype(np.float32) for i, n in enumerate(names)}
    if labels_fingerprint(labels) != record["labels"] or sorted(names) != sorted(record["models"]):
        raise PredictionsMismatch(f"{path}: its labels or model names are not those its chapter's metrics record.")
    return Predictions(labels, classes, confidence)
