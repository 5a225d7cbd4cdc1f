"""Per-epoch training records shared by the torch and Keras paths, their JSON files, and how epochs are reported."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mnist_helpers.core.atomic import read_json, write_json

VALIDATION_COLUMNS = ("val_loss", "val_acc")  # recorded only when fit is given a validation split
COLUMNS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr", "seconds", *VALIDATION_COLUMNS)
FORMAT = "mnist_helpers.history/1"  # written into every history file, checked on reading
PROGRESS_MODES = ("auto", "bar", "lines", "none")  # progress= values (training.progress)


@dataclass
class History:
    """Per-epoch rows (epoch, train/test loss and accuracy, lr, seconds) plus a `meta` dict of run parameters.

    Accuracies are fractions in [0, 1] (None for autoencoders); `lr` is the learning rate in effect
    at the end of the epoch; `seconds` is the epoch's wall time, evaluation included.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def append(self, **row: Any) -> None:
        """Add one epoch's record; missing columns become None, unknown ones raise ValueError."""
        unknown = sorted(set(row) - set(COLUMNS))
        if unknown:
            raise ValueError(f"History.append got unknown column(s) {unknown}; allowed: {list(COLUMNS)}.")
        if row.get("epoch") is None:
            raise ValueError("History.append needs epoch=<1-based epoch number>.")
        self.rows.append({name: _plain(row.get(name)) for name in COLUMNS})

    def __len__(self) -> int:
        return len(self.rows)

    def to_frame(self) -> pd.DataFrame:
        """The rows as a DataFrame with one row per epoch, columns in COLUMNS order (validation ones if recorded)."""
        validated = any(r.get(c) is not None for r in self.rows for c in VALIDATION_COLUMNS)
        return pd.DataFrame(self.rows, columns=[c for c in COLUMNS if validated or c not in VALIDATION_COLUMNS])

    def last(self) -> dict[str, Any]:
        """The final epoch's row."""
        self._require_rows("last")
        return dict(self.rows[-1])

    def best(self, metric: str | None = None) -> dict[str, Any]:
        """The row with the highest `metric` if it is an accuracy, else the lowest; default test_acc, or test_loss."""
        self._require_rows("best")
        if metric is None:
            metric = "test_acc" if any(r["test_acc"] is not None for r in self.rows) else "test_loss"
        if metric not in COLUMNS:
            raise ValueError(f"metric={metric!r} is not a History column; use one of {list(COLUMNS)}.")
        scored = [r for r in self.rows if r[metric] is not None]
        if not scored:
            raise ValueError(f"metric={metric!r} was never recorded in this History; pick a recorded column.")
        pick = max if metric.endswith("_acc") else min
        return dict(pick(scored, key=lambda r: r[metric]))

    def at_epoch(self, epoch: int) -> dict[str, Any]:
        """The row of 1-based `epoch` (to compare with another curve at the same epoch, e.g. the author's log)."""
        for row in self.rows:
            if row["epoch"] == epoch:
                return dict(row)
        have = f"epochs {self.rows[0]['epoch']}-{self.rows[-1]['epoch']}" if self.rows else "no epochs"
        raise ValueError(f"epoch={epoch!r} is not in this History ({have}); pick an epoch that was trained.")

    def truncated(self, epochs: int) -> History:
        """The run as it stood after `epochs` epochs (to set it beside a shorter run: the same epochs on both)."""
        self.at_epoch(epochs)  # a clear error for an epoch that was not trained
        return History([dict(r) for r in self.rows if r["epoch"] <= epochs], dict(self.meta))

    def last_value(self, metric: str = "test_acc") -> float:
        """`metric` at the final epoch: the headline figure (chosen before looking at the results)."""
        value = self.last()[self._check_metric(metric)]
        if value is None:
            raise ValueError(f"metric={metric!r} was not recorded at the last epoch; pick a recorded column.")
        return float(value)

    def best_value(self, metric: str = "test_acc") -> tuple[float, int]:
        """(value, epoch) of the best epoch by `metric`. Optimistic: the epoch is picked on the very data it is
        scored on, so it overstates what a run delivers; label it so wherever it is shown."""
        row = self.best(self._check_metric(metric))
        return float(row[metric]), int(row["epoch"])

    def _check_metric(self, metric: str) -> str:
        if metric not in COLUMNS or metric in ("epoch", "lr", "seconds"):
            raise ValueError(f"metric={metric!r}: use one of train_loss, train_acc, test_loss, test_acc.")
        return metric

    def to_json(self, path: str | os.PathLike) -> None:
        """Write rows and meta to `path` atomically."""
        write_json(path, {"format": FORMAT, "columns": list(COLUMNS), "rows": self.rows, "meta": self.meta})

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> History:
        """Read a History written by `to_json`; anything else raises ValueError naming the file."""
        return cls.from_dict(read_json(path), f"{path}: not a History file ({FORMAT})")

    @classmethod
    def from_dict(cls, data: Any, damaged: str) -> History:
        """A History from `to_json`'s mapping; anything else raises ValueError with `damaged` and the fix."""
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("rows"), list):
            raise ValueError(f"{damaged}. Delete it and re-run the step (or chapter) that writes it.")
        history = cls(meta=dict(data.get("meta") or {}))
        for i, row in enumerate(data["rows"]):
            problem = _row_problem(row, i + 1)
            if problem:
                raise ValueError(f"{damaged} (row {i + 1}: {problem}). Delete it and re-run the step (or chapter).")
            history.append(**{k: v for k, v in row.items() if k in COLUMNS})
        return history

    def _require_rows(self, what: str) -> None:
        if not self.rows:
            raise ValueError(f"History.{what}() on an empty History: train for at least one epoch first.")


def last_and_best(histories: dict[str, History], metric: str = "test_acc") -> pd.DataFrame:
    """One row per named run: `metric` at the last epoch (headline) and at the best epoch (optimistic), in percent
    for accuracies."""
    scale = 100.0 if metric.endswith("_acc") else 1.0
    unit = " (%)" if scale == 100.0 else ""
    rows = []
    for name, history in histories.items():
        best, epoch = history.best_value(metric)
        rows.append(
            {
                "run": name,
                "epochs": len(history),
                f"last epoch{unit}": scale * history.last_value(metric),
                f"best epoch{unit}, optimistic": scale * best,
                "best at epoch": epoch,
            }
        )
    return pd.DataFrame(rows).set_index("run")


def epoch_line(row: dict[str, Any], epochs: int) -> str:
    """One log line per epoch: 'epoch  3/10  train loss 0.1234 acc 96.12%  test loss ...  lr 9.99e-04  2.1 s'."""
    width = len(str(epochs))
    parts = [f"epoch {row['epoch']:>{width}}/{epochs}"]
    for split in ("train", "val", "test"):
        loss, acc = row.get(f"{split}_loss"), row.get(f"{split}_acc")
        if loss is None:
            continue
        text = f"{split} loss {loss:.4f}"
        if acc is not None:
            text += f" acc {100 * acc:.2f}%"
        parts.append(text)
    if row.get("lr") is not None:
        parts.append(f"lr {row['lr']:.2e}")
    if row.get("seconds") is not None:
        parts.append(f"{row['seconds']:.1f} s")
    return "  ".join(parts)


def _row_problem(row: Any, epoch: int) -> str | None:
    """What is wrong with a stored history row expected to be `epoch`'s, or None: epochs run 1, 2, ... and every
    other column holds a finite number or nothing."""
    if not isinstance(row, dict):
        return f"a {type(row).__name__}, not a mapping"
    if row.get("epoch") != epoch or isinstance(row.get("epoch"), bool):
        return f"epoch {row.get('epoch')!r} where {epoch} belongs"
    for name in COLUMNS[1:]:
        value = row.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return f"{name} is {value!r}, not a finite number"
    return None


def _plain(value: Any) -> Any:
    """numpy/torch scalars → Python numbers, so rows serialise to JSON and compare exactly."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, int):
        return value
    return float(value)
