"""Published per-image predictions: what a chapter keeps is written with its metrics, reads back checked, and
re-derives the accuracies; a changed file or other images are refused."""

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from mnist_helpers.reproduce import predictions
from mnist_helpers.reproduce.run_record import Run


@dataclass
class FakeTrained:  # the fields of recipes' Trained that predictions read
    tag: str
    outputs: np.ndarray
    key: Any


def _probabilities(classes, confidence=0.9, n_classes=10):
    out = np.full((len(classes), n_classes), (1 - confidence) / (n_classes - 1), dtype=np.float32)
    out[np.arange(len(classes)), classes] = confidence
    return out


LABELS = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 6])
A = FakeTrained("net-seed0", _probabilities([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 6, 9]), {"seed": 0})  # 10 of 12 right
B = FakeTrained("net-seed1", _probabilities([0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 9, 6], 0.6), {"seed": 1})  # 11 of 12


def test_saved_predictions_read_back_with_their_accuracies_and_confidence(tmp_path):
    record = predictions.save(tmp_path, "08_beyond", {"arm, seed 0": A, "arm, seed 1": B}, LABELS)
    assert record["file"] == "predictions/08_beyond.npz" and record["images"] == 12
    assert record["models"]["arm, seed 0"]["file"] == "net-seed0"
    got = predictions.load(tmp_path, record)
    assert got.accuracy_pct("arm, seed 0") == pytest.approx(100 * 10 / 12)
    assert got.accuracy_pct("arm, seed 1") == pytest.approx(100 * 11 / 12)
    assert list(got.right("arm, seed 1")) == [True] * 9 + [False, True, True]
    assert got.confidence["arm, seed 1"] == pytest.approx(np.full(12, 0.6), abs=1e-3)  # float16: 3 digits


def test_a_changed_file_is_refused_naming_it_and_the_fix(tmp_path):
    record = predictions.save(tmp_path, "04_cnn", {"seed 0": A}, LABELS)
    path = tmp_path / record["file"]
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(predictions.PredictionsMismatch, match=r"04_cnn\.npz: its SHA-256 .*Re-run the chapter"):
        predictions.load(tmp_path, record)


def test_labels_other_than_the_recorded_ones_are_refused(tmp_path):
    record = predictions.save(tmp_path, "04_cnn", {"seed 0": A}, LABELS)
    with pytest.raises(predictions.PredictionsMismatch, match="labels or model names"):
        predictions.load(tmp_path, {**record, "labels": predictions.labels_fingerprint(LABELS[::-1])})


def test_outputs_for_other_images_are_refused_naming_the_model():
    with pytest.raises(ValueError, match=r"model 'seed 0': outputs of shape \(12, 10\).*for the 3 labelled images"):
        predictions.encode({"seed 0": A}, LABELS[:3])


def test_a_run_writes_what_it_kept_with_its_metrics_and_refuses_other_images(tmp_path):
    run = Run("08_beyond", {"profile": "mine", "artifacts_dir": str(tmp_path)})
    run.keep_predictions({"a": A}, LABELS)
    run.keep_predictions({"b": B}, LABELS)  # calls add up
    with pytest.raises(ValueError, match="other images"):
        run.keep_predictions({"c": A}, LABELS[::-1])
    record = run.save()["metrics"]["predictions"]
    assert (tmp_path / "mine" / "predictions" / "08_beyond.npz").exists()
    assert list(predictions.load(tmp_path / "mine", record).classes) == ["a", "b"]


def test_a_run_that_keeps_nothing_publishes_no_predictions(tmp_path):
    run = Run("01_preprocessing", {"profile": "mine", "artifacts_dir": str(tmp_path)})
    assert "predictions" not in run.save()["metrics"]
    assert not (tmp_path / "mine" / "predictions").exists()
