"""Early stopping: the patience rule's last real gain, and how stopped runs ended (patience or the epoch limit)."""

from __future__ import annotations

import pandas as pd

from mnist_helpers.training.history import History


def last_gain_epoch(val_losses: list[float], min_delta: float = 0.0) -> int | None:
    """The epoch (1-based) of the last real gain in a validation-loss sequence, None when it is empty.

    An epoch is a gain when its loss is below (1 - min_delta) times the loss at the previous gain (the first
    epoch always is). The threshold is relative, not Keras's absolute `min_delta`, because reconstruction
    MSE differs tenfold across code sizes; min_delta 0 makes every new minimum a gain."""
    check_min_delta(min_delta)
    gain, reference = None, None
    for epoch, loss in enumerate(val_losses, start=1):
        if reference is None or loss < reference * (1 - min_delta):
            gain, reference = epoch, loss
    return gain


def stalled(val_losses: list[float], patience: int, min_delta: float = 0.0) -> bool:
    """True once `patience` epochs have passed since the last real gain (see last_gain_epoch)."""
    gain = last_gain_epoch(val_losses, min_delta)
    return gain is not None and len(val_losses) - gain >= patience


def lr_cuts(val_losses: list[float], lr_patience: int, min_delta: float = 0.0) -> list[int]:
    """Epochs after which the learning rate is cut: `lr_patience` epochs without a real gain (see last_gain_epoch),
    counted from the last gain or the last cut, whichever is later (Keras's ReduceLROnPlateau without cooldown)."""
    check_min_delta(min_delta)
    cuts: list[int] = []
    anchor, reference = 0, None
    for epoch, loss in enumerate(val_losses, start=1):
        if reference is None or loss < reference * (1 - min_delta):
            anchor, reference = epoch, loss
        elif epoch - anchor >= lr_patience:
            cuts.append(epoch)
            anchor = epoch
    return cuts


def check_min_delta(min_delta: float) -> None:
    """ValueError unless 0 <= min_delta < 1 (a fraction of the loss)."""
    if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float)) or not 0 <= min_delta < 1:
        raise ValueError(f"min_delta={min_delta!r} must be a fraction of the loss in [0, 1), e.g. 0.01 for 1%.")


def stopped_by(history: History, patience: int) -> str:
    """ "patience" when the last epoch trained lies `patience` epochs past the last real gain (the best epoch when
    no min_delta was used), else "epoch limit" (the run may still have been improving). Reads meta
    best_epoch/stopped_epoch/last_gain_epoch, set by fit's patience rule."""
    meta = history.meta
    if "best_epoch" not in meta or "stopped_epoch" not in meta:
        raise ValueError("history.meta lacks best_epoch/stopped_epoch: train with `patience` (a validation split).")
    if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
        raise ValueError(f"patience={patience!r} must be the positive epoch count the runs were trained with.")
    gain = meta.get("last_gain_epoch", meta["best_epoch"])
    return "patience" if meta["stopped_epoch"] - gain >= patience else "epoch limit"


def epochs_taken(histories: dict[tuple[str, int], History], patience: int) -> pd.DataFrame:
    """One row per (model, code size): best epoch (weights kept), last real gain, last epoch trained, what stopped
    it, how often the learning rate was cut, and the best validation loss."""
    rows = [
        {
            "model": model,
            "code size": size,
            "stopped by": stopped_by(h, patience),  # checks meta first
            "best epoch (weights kept)": h.meta["best_epoch"],
            "last gain at epoch": h.meta.get("last_gain_epoch", h.meta["best_epoch"]),
            "stopped after epoch": h.meta["stopped_epoch"],
            "learning-rate cuts": len(h.meta.get("lr_cuts") or []),
            "best validation MSE": h.best("val_loss")["val_loss"],
        }
        for (model, size), h in histories.items()
    ]
    return pd.DataFrame(rows).set_index(["model", "code size"])
