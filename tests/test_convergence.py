"""epochs_taken / stopped_by: which early-stopped runs patience ended and which the epoch limit cut short."""

from __future__ import annotations

import pytest

from mnist_helpers.convergence import epochs_taken, stopped_by
from mnist_helpers.history import History


def history(val_losses: list[float], best: int, stopped: int) -> History:
    h = History(meta={"best_epoch": best, "stopped_epoch": stopped})
    for epoch, v in enumerate(val_losses, start=1):
        h.append(epoch=epoch, train_loss=v, val_loss=v)
    return h


def test_patience_stops_a_run_that_stalled_for_patience_epochs():
    assert stopped_by(history([3, 2, 2.5, 2.6, 2.7], best=2, stopped=5), patience=3) == "patience"


def test_a_run_still_improving_at_the_last_epoch_hit_the_epoch_limit():
    assert stopped_by(history([3, 2, 1], best=3, stopped=3), patience=3) == "epoch limit"


def test_epochs_taken_gives_one_row_per_model_and_code_size():
    table = epochs_taken(
        {("dense", 8): history([3, 2, 1], 3, 3), ("conv", 8): history([3, 2, 2.5, 2.6, 2.7], 2, 5)}, patience=3
    )
    assert table.loc[("conv", 8)].to_dict() == {
        "best epoch (weights kept)": 2,
        "stopped after epoch": 5,
        "stopped by": "patience",
        "best validation MSE": 2,
    }
    assert table.loc[("dense", 8), "stopped by"] == "epoch limit"


def test_histories_trained_without_patience_are_refused():
    with pytest.raises(ValueError, match="patience"):
        stopped_by(History(), patience=3)
