"""How early-stopped runs ended: best epoch, last epoch, and whether patience or the epoch limit stopped them."""

from __future__ import annotations

import pandas as pd

from mnist_helpers.history import History


def stopped_by(history: History, patience: int) -> str:
    """ "patience" when the last epoch trained lies `patience` epochs past the best one, else "epoch limit"
    (the run may still have been improving). Reads meta best_epoch/stopped_epoch, set by fit's patience rule."""
    meta = history.meta
    if "best_epoch" not in meta or "stopped_epoch" not in meta:
        raise ValueError("history.meta lacks best_epoch/stopped_epoch: train with `patience` (a validation split).")
    if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
        raise ValueError(f"patience={patience!r} must be the positive epoch count the runs were trained with.")
    return "patience" if meta["stopped_epoch"] - meta["best_epoch"] >= patience else "epoch limit"


def epochs_taken(histories: dict[tuple[str, int], History], patience: int) -> pd.DataFrame:
    """One row per (model, code size): best epoch (weights kept), last epoch trained, what stopped it, and the
    best validation loss."""
    rows = [
        {
            "model": model,
            "code size": size,
            "stopped by": stopped_by(h, patience),  # checks meta first
            "best epoch (weights kept)": h.meta["best_epoch"],
            "stopped after epoch": h.meta["stopped_epoch"],
            "best validation MSE": h.best("val_loss")["val_loss"],
        }
        for (model, size), h in histories.items()
    ]
    return pd.DataFrame(rows).set_index(["model", "code size"])
