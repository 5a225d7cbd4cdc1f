"""Dutta's own per-epoch training logs (C1, C2): read, checked, and the author's figure at a given epoch.

What the logs are (shared/data/author_logs/README.md): one unseeded 60-epoch run per optimizer, on an
80/20 split of Kaggle's 42,000 images (8,400 validation images), RandomRotation(0.1), batch 32, legacy
per-step decay 1e-4; figures as Keras printed them, to 4 decimals. The report's 99.38% / 98.94% are in
neither log: they come from runs whose output was not kept.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd

from mnist_helpers.core.env import AUTHOR_LOGS_ENV, DATA_DIR_ENV
from mnist_helpers.data.dutta_split import AUTHOR_VAL_SIZE
from mnist_helpers.training.history import History

LOG_FILES = {"adam": "dutta_cnn_adam.csv", "rmsprop": "dutta_cnn_rmsprop.csv"}  # optimizer -> file name
LOG_COLUMNS = ("epoch", "seconds", "loss", "accuracy", "val_loss", "val_accuracy")
LOG_EPOCHS = 60  # epochs the author trained each run
LOGS_ENV = AUTHOR_LOGS_ENV  # the name author_logs used; core.env holds it
LOG_PRECISION_PP = 0.01  # points: accuracies are printed to 4 decimals of a fraction


def logs_dir() -> Path:
    """$AUTHOR_LOGS_DIR, else author_logs/ beside $MNIST_DATA_DIR (../shared/data), else ../shared/data/author_logs."""
    if os.environ.get(LOGS_ENV):
        return Path(os.environ[LOGS_ENV]).expanduser()
    if os.environ.get(DATA_DIR_ENV):
        beside = Path(os.environ[DATA_DIR_ENV]).expanduser().parent / "author_logs"
        if beside.is_dir():
            return beside
    return Path.cwd().parent / "shared" / "data" / "author_logs"


def load_author_log(optimizer: str, directory: str | os.PathLike | None = None) -> pd.DataFrame:
    """The author's 60-epoch log for "adam" or "rmsprop": one row per epoch (index 1-60), columns as Keras printed."""
    key = optimizer.lower() if isinstance(optimizer, str) else optimizer
    if key not in LOG_FILES:
        raise ValueError(f"optimizer={optimizer!r}: the author logged {', '.join(LOG_FILES)} only.")
    path = Path(directory).expanduser() if directory is not None else logs_dir()
    path = path / LOG_FILES[key]
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: Dutta's log is not there. Set {LOGS_ENV} to the folder holding {LOG_FILES[key]} "
            "(in this project: ../shared/data/author_logs)."
        )
    frame = pd.read_csv(path)
    if tuple(frame.columns) != LOG_COLUMNS or list(frame["epoch"]) != list(range(1, LOG_EPOCHS + 1)):
        raise ValueError(
            f"{path}: expected columns {', '.join(LOG_COLUMNS)} and epochs 1-{LOG_EPOCHS}; "
            f"got columns {list(frame.columns)} and {len(frame)} rows. Restore the file from the shared data."
        )
    return _checked_values(frame, path).set_index("epoch")


LOG_RANGES = {  # column -> (lowest, highest) a logged figure can take
    "seconds": (0.0, math.inf),
    "loss": (0.0, math.inf),
    "accuracy": (0.0, 1.0),
    "val_loss": (0.0, math.inf),
    "val_accuracy": (0.0, 1.0),
}


def _checked_values(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """`frame` with every figure a finite number in its column's range; else ValueError naming the file and row.

    A NaN is an error, not a missing value: a verdict at that epoch would silently read as "inconclusive".
    """
    for column, (lo, hi) in LOG_RANGES.items():
        numbers = pd.to_numeric(frame[column], errors="coerce").astype(float)
        for row, (raw, value) in enumerate(zip(frame[column], numbers, strict=True)):
            if not math.isfinite(value) or not lo <= value <= hi:
                what = "is not a number" if not math.isfinite(value) else f"is outside {lo:g} to {hi:g}"
                raise ValueError(
                    f"{path}, line {row + 2} (epoch {frame['epoch'].iloc[row]}): {column} = {raw!r} {what}. "
                    "Restore the file from the shared data (../shared/data/author_logs)."
                )
        frame[column] = numbers
    return frame


def author_figure(
    optimizer: str, epoch: int, metric: str = "val_accuracy", directory: str | os.PathLike | None = None
) -> float:
    """The author's `metric` at `epoch` (1-60): accuracies in percent (±0.005 from rounding), losses as logged.

    Compare with our run at the same epoch: our validation accuracy on the author's protocol
    (`data.author_split`), not the official test set. The value is one unseeded run: its run-to-run noise is
    unknown, which `claims.accuracy_verdict` accounts for by our own seeds' spread.
    """
    log = load_author_log(optimizer, directory)
    if metric not in log.columns:
        raise ValueError(f"metric={metric!r}: the log has {', '.join(log.columns)}.")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or not 1 <= epoch <= LOG_EPOCHS:
        raise ValueError(f"epoch={epoch!r} must be an integer from 1 to {LOG_EPOCHS} (the author's epochs).")
    value = float(log.loc[epoch, metric])
    return 100 * value if metric.endswith("accuracy") else value


def author_best(
    optimizer: str, metric: str = "val_accuracy", directory: str | os.PathLike | None = None
) -> tuple[float, int]:
    """(best value in percent, its epoch) over the author's 60 epochs: optimistic, as any best-epoch figure."""
    column = load_author_log(optimizer, directory)[metric]
    epoch = int(column.idxmax())
    return 100 * float(column.loc[epoch]), epoch


def author_history(optimizer: str, directory: str | os.PathLike | None = None) -> History:
    """The log as a History (validation in the test columns), so plots.learning_curves draws it beside ours."""
    log = load_author_log(optimizer, directory)
    history = History(meta={"model": "Dutta CNN (author's run)", "optimizer": optimizer, "n_test": AUTHOR_VAL_SIZE})
    for epoch, row in log.iterrows():
        history.append(
            epoch=int(epoch),
            train_loss=row["loss"],
            train_acc=row["accuracy"],
            test_loss=row["val_loss"],
            test_acc=row["val_accuracy"],
            seconds=row["seconds"],
        )
    return history
