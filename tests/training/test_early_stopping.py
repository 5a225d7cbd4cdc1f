"""fit's validation split, patience rule and decay meaning (Keras inverse-time lr decay vs torch's L2 weight_decay)."""

import itertools

import pytest
import torch
from torch import nn

from mnist_helpers.training.optimizers import make_optimizer
from mnist_helpers.training.stopping import lr_cuts
from mnist_helpers.training.torch_fit import fit


def net(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))


def data(n: int = 64, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    return x, (x[:, 0] > 0).long()


def overfitting_run(patience: int, epochs: int = 30, checkpoint=None, model=None):
    """Validation labels are the training labels flipped: val_loss rises as soon as the net learns."""
    x, y = data()
    model = model or net()
    kwargs = dict(epochs=epochs, batch_size=16, lr=0.01, progress="none", checkpoint=checkpoint)
    return model, fit(model, x, y, None, None, val_x=x, val_y=1 - y, patience=patience, **kwargs)


def val_loss_of(model: nn.Module) -> float:
    x, y = data()
    with torch.no_grad():
        return float(nn.functional.cross_entropy(model(x), 1 - y))


def test_every_row_records_the_validation_loss_and_accuracy():
    x, y = data()
    history = fit(net(), x, y, None, None, epochs=3, batch_size=16, val_x=x[:16], val_y=y[:16], progress="none")
    assert all(r["val_loss"] is not None and 0 <= r["val_acc"] <= 1 for r in history.rows)


def test_patience_stops_that_many_epochs_after_the_best_validation_loss():
    _, history = overfitting_run(patience=3)
    best = min(history.rows, key=lambda r: r["val_loss"])["epoch"]
    assert history.meta["best_epoch"] == best
    assert history.meta["stopped_epoch"] == best + 3 == len(history.rows) < 30


def test_the_best_epochs_weights_are_restored():
    model, history = overfitting_run(patience=3)
    best_row = history.rows[history.meta["best_epoch"] - 1]
    assert val_loss_of(model) == pytest.approx(best_row["val_loss"], rel=1e-5)
    assert val_loss_of(model) < history.rows[-1]["val_loss"]


def test_a_resumed_run_stops_and_restores_like_an_uninterrupted_one(tmp_path):
    whole, whole_history = overfitting_run(patience=3)
    ckpt = tmp_path / "run.ckpt"
    overfitting_run(patience=3, epochs=2, checkpoint=ckpt, model=net())
    resumed, resumed_history = overfitting_run(patience=3, checkpoint=ckpt, model=net())
    timeless = lambda h: [{k: v for k, v in r.items() if k != "seconds"} for r in h.rows]
    assert timeless(resumed_history) == timeless(whole_history)
    assert resumed_history.meta["best_epoch"] == whole_history.meta["best_epoch"]
    for a, b in zip(whole.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(a, b)


def test_patience_without_a_validation_split_is_refused():
    x, y = data()
    with pytest.raises(ValueError, match="patience needs val_x"):
        fit(net(), x, y, None, None, epochs=2, batch_size=16, patience=2, progress="none")


def test_l2_decay_mode_is_torch_weight_decay_at_a_fixed_rate():
    opt, scheduler = make_optimizer("adam", net().parameters(), lr=1e-3, decay=1e-4, decay_mode="l2")
    assert opt.param_groups[0]["weight_decay"] == 1e-4
    for _ in range(100):
        opt.step()
        scheduler.step()
    assert scheduler.get_last_lr()[0] == 1e-3


def test_inverse_time_decay_mode_decays_the_rate_without_weight_decay():
    opt, scheduler = make_optimizer("adam", net().parameters(), lr=1e-3, decay=1e-4)
    assert opt.param_groups[0]["weight_decay"] == 0.0
    for _ in range(100):
        opt.step()
        scheduler.step()
    assert scheduler.get_last_lr()[0] == pytest.approx(1e-3 / (1 + 1e-4 * 100))


def test_an_unknown_decay_mode_is_refused_naming_the_allowed_ones():
    with pytest.raises(ValueError, match="inverse_time, l2"):
        make_optimizer("adam", net().parameters(), decay=1e-4, decay_mode="adamw")


def test_history_frame_shows_validation_columns_only_when_recorded():
    x, y = data()
    plain = fit(net(), x, y, None, None, epochs=1, batch_size=16, progress="none").to_frame()
    validated = fit(net(), x, y, None, None, epochs=1, batch_size=16, val_x=x, val_y=y, progress="none").to_frame()
    assert "val_loss" not in plain.columns and "val_loss" in validated.columns


def test_epoch_lines_report_the_validation_loss_when_recorded(capsys):
    x, y = data()
    fit(net(), x, y, None, None, epochs=1, batch_size=16, val_x=x, val_y=y, progress="lines")
    assert "val loss" in capsys.readouterr().out


def slow_run(min_delta: float, epochs: int = 12, checkpoint=None, model=None):
    """A learnable task at a small learning rate: val_loss falls every epoch, by less and less."""
    x, y = data(n=128)
    model = model or net()
    kwargs = dict(epochs=epochs, batch_size=32, lr=0.003, progress="none", checkpoint=checkpoint)
    return model, fit(model, x, y, None, None, val_x=x, val_y=y, patience=2, min_delta=min_delta, **kwargs)


def test_min_delta_stops_a_run_whose_gains_became_small_that_plain_patience_lets_run():
    _, plain = slow_run(min_delta=0.0)
    losses = [r["val_loss"] for r in plain.rows]
    assert all(b < a for a, b in itertools.pairwise(losses)) and len(plain.rows) == 12  # always falling: never stops
    _, strict = slow_run(min_delta=0.05)
    gain = strict.meta["last_gain_epoch"]
    assert strict.meta["stopped_epoch"] == gain + 2 == len(strict.rows) < 12
    assert strict.rows[gain]["val_loss"] > strict.rows[gain - 1]["val_loss"] * 0.95  # the next epoch: no real gain


def test_with_min_delta_the_lowest_loss_weights_are_kept_not_the_last_gains():
    model, history = slow_run(min_delta=0.05)
    assert history.meta["best_epoch"] == len(history.rows) > history.meta["last_gain_epoch"]  # still falling a bit
    assert val_loss_of_learnable(model) == pytest.approx(history.rows[-1]["val_loss"], rel=1e-5)


def test_a_resumed_min_delta_run_ends_like_an_uninterrupted_one(tmp_path):
    whole, whole_history = slow_run(min_delta=0.05)
    ckpt = tmp_path / "run.ckpt"
    slow_run(min_delta=0.05, epochs=3, checkpoint=ckpt, model=net())
    resumed, resumed_history = slow_run(min_delta=0.05, checkpoint=ckpt, model=net())
    assert resumed_history.meta["stopped_epoch"] == whole_history.meta["stopped_epoch"]
    assert resumed_history.meta["last_gain_epoch"] == whole_history.meta["last_gain_epoch"]
    for a, b in zip(whole.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(a, b)


def test_a_min_delta_outside_zero_to_one_is_refused_before_training():
    x, y = data()
    with pytest.raises(ValueError, match="min_delta=1.5"):
        fit(net(), x, y, None, None, epochs=2, batch_size=16, val_x=x, val_y=y, patience=2, min_delta=1.5)


def val_loss_of_learnable(model: nn.Module) -> float:
    x, y = data(n=128)
    with torch.no_grad():
        return float(nn.functional.cross_entropy(model(x), y))


def test_lr_patience_halves_the_rate_after_epochs_without_a_real_gain_and_records_the_cuts():
    x, y = data()
    model = net()
    kwargs = dict(epochs=10, batch_size=16, lr=0.01, progress="none", val_x=x, val_y=1 - y)  # val_loss only rises
    history = fit(model, x, y, None, None, lr_patience=2, **kwargs)
    cuts = history.meta["lr_cuts"]
    assert cuts == lr_cuts([r["val_loss"] for r in history.rows], 2) and cuts[:2] == [3, 5]
    lrs = [r["lr"] for r in history.rows]  # each row: the rate its epoch trained at
    assert lrs[:3] == [0.01] * 3 and lrs[3:5] == [0.005] * 2 and lrs[5] == 0.0025


def test_a_resumed_run_keeps_its_cut_learning_rate(tmp_path):
    x, y = data()
    kwargs = dict(batch_size=16, lr=0.01, progress="none", val_x=x, val_y=1 - y, lr_patience=2)
    whole = net()
    whole_history = fit(whole, x, y, None, None, epochs=8, **kwargs)
    ckpt = tmp_path / "run.ckpt"
    fit(net(), x, y, None, None, epochs=4, checkpoint=ckpt, **kwargs)  # stops after the first cut
    resumed = net()
    resumed_history = fit(resumed, x, y, None, None, epochs=8, checkpoint=ckpt, **kwargs)
    assert [r["lr"] for r in resumed_history.rows] == [r["lr"] for r in whole_history.rows]
    for a, b in zip(whole.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(a, b)


@pytest.mark.parametrize("bad", [0.0, 1.0, 2, True])
def test_an_lr_factor_outside_zero_to_one_is_refused(bad):
    x, y = data()
    with pytest.raises(ValueError, match="lr_factor="):
        fit(net(), x, y, None, None, epochs=1, batch_size=16, val_x=x, val_y=y, lr_patience=1, lr_factor=bad)


def test_lr_patience_without_a_validation_split_is_refused():
    x, y = data()
    with pytest.raises(ValueError, match="lr_patience needs val_x"):
        fit(net(), x, y, None, None, epochs=2, batch_size=16, lr_patience=2, progress="none")
