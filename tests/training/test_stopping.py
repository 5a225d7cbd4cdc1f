"""epochs_taken / stopped_by: which early-stopped runs patience ended and which the epoch limit cut short."""

from __future__ import annotations

import pytest

from mnist_helpers.training.history import History
from mnist_helpers.training.stopping import epochs_taken, last_gain_epoch, lr_cuts, stalled, stopped_by


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
        "last gain at epoch": 2,
        "learning-rate cuts": 0,
        "stopped after epoch": 5,
        "stopped by": "patience",
        "best validation MSE": 2,
    }
    assert table.loc[("dense", 8), "stopped by"] == "epoch limit"


def test_histories_trained_without_patience_are_refused():
    with pytest.raises(ValueError, match="patience"):
        stopped_by(History(), patience=3)


def test_without_min_delta_every_new_minimum_is_a_gain():
    assert last_gain_epoch([3.0, 2.0, 2.5, 1.99, 2.1]) == 4


def test_a_fall_smaller_than_min_delta_of_the_last_gain_is_not_a_gain():
    # 0.95 is within 10% of 1.0; 0.85 is not; 0.84 is within 10% of 0.85
    assert last_gain_epoch([1.0, 0.95, 0.85, 0.84], min_delta=0.1) == 3


def test_small_falls_do_not_add_up_to_a_gain_against_a_moving_reference():
    # each epoch falls 5% of the previous one, but the reference is the last gain: epoch 3 is 9.75% below it
    # and epoch 4 is 14.3% below it, so with min_delta 0.1 epoch 4 is the next gain
    losses = [1.0, 0.95, 0.9025, 0.857375]
    assert last_gain_epoch(losses, min_delta=0.1) == 4


def test_no_losses_have_no_gain():
    assert last_gain_epoch([]) is None
    assert not stalled([], patience=1)


def test_a_run_stalls_patience_epochs_after_its_last_gain():
    losses = [1.0, 0.5, 0.499, 0.498]
    assert not stalled(losses[:3], patience=2, min_delta=0.01)
    assert stalled(losses, patience=2, min_delta=0.01)
    assert not stalled(losses, patience=2)  # every fall counts without min_delta


@pytest.mark.parametrize("bad", [-0.1, 1.0, 2, True, "0.01", float("nan")])
def test_min_delta_outside_zero_to_one_is_refused(bad):
    with pytest.raises(ValueError, match=r"min_delta=.*\[0, 1\)"):
        last_gain_epoch([1.0], bad)


def test_stopped_by_counts_patience_from_the_last_gain_not_the_best_epoch():
    # best (lowest) at epoch 5, but the last real gain at 2: stopped at 5 with patience 3 is patience's doing
    h = history([3, 2, 1.99, 1.98, 1.97], best=5, stopped=5)
    h.meta["last_gain_epoch"] = 2
    assert stopped_by(h, patience=3) == "patience"
    assert epochs_taken({("dense", 8): h}, patience=3).loc[("dense", 8), "last gain at epoch"] == 2


def test_the_rate_is_cut_after_lr_patience_epochs_without_a_gain_then_counted_again_from_the_cut():
    # gain at 1; no gain at 2, 3 -> cut after 3; no gain at 4, 5 -> cut after 5; gain at 6; none at 7, 8 -> cut after 8
    losses = [1.0, 1.0, 0.999, 0.998, 0.997, 0.5, 0.5, 0.5]
    assert lr_cuts(losses, lr_patience=2, min_delta=0.01) == [3, 5, 8]


def test_a_run_that_keeps_gaining_is_never_cut():
    assert lr_cuts([1.0, 0.9, 0.8, 0.7], lr_patience=1, min_delta=0.01) == []
