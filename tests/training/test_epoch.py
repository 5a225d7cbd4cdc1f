"""training.epoch: one seeded pass of optimizer steps, and a batched evaluation."""

import pytest
import torch
from torch import nn

from mnist_helpers.training.epoch import EpochPlan, evaluate, loss_of, train_epoch
from mnist_helpers.training.optimizers import make_optimizer


def _data():
    g = torch.Generator().manual_seed(0)
    return torch.randn(64, 8, generator=g), torch.randint(0, 3, (64,), generator=g)


def _plan(**change):
    plan = dict(
        loss="cross_entropy",
        batch_size=16,
        n_batches=4,
        augment=None,
        seed=1,
        channels_last=False,
        eval_batch_size=10,
        device=torch.device("cpu"),
    )
    return EpochPlan(**{**plan, **change})


def _one_epoch(plan, epoch=1):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.5), nn.Linear(16, 3))
    opt, scheduler = make_optimizer("adam", model.parameters(), lr=1e-2)
    x, y = _data()
    return train_epoch(model, x, y, opt, scheduler, plan, epoch, None), model


def test_an_epoch_is_a_function_of_the_seed_and_the_epoch():
    (a, _), (b, _), (c, _) = _one_epoch(_plan()), _one_epoch(_plan()), _one_epoch(_plan(), epoch=2)
    assert a == b and a != c


def test_a_capped_epoch_runs_only_its_batches():
    (loss_all, _), (loss_two, _) = _one_epoch(_plan()), _one_epoch(_plan(n_batches=2))
    assert loss_all != loss_two


def test_evaluate_gives_the_mean_loss_per_image_and_the_accuracy_in_batches():
    model = nn.Linear(8, 3)
    x, y = _data()
    loss, acc = evaluate(model, x, y, "cross_entropy", batch_size=10, channels_last=False)
    with torch.no_grad():
        out = model(x)
    assert loss == pytest.approx(nn.functional.cross_entropy(out, y).item(), rel=1e-6)
    assert acc == pytest.approx((out.argmax(1) == y).float().mean().item())


def test_mse_compares_a_reconstruction_with_its_input_per_pixel():
    out, target = torch.ones(2, 784), torch.zeros(2, 1, 28, 28)
    assert loss_of(out, target, "mse", "mean").item() == 1.0
    loss, acc = evaluate(nn.Identity(), torch.rand(5, 784), None, "mse", batch_size=2, channels_last=False)
    assert loss == 0.0 and acc is None


def test_a_diverged_loss_stops_the_epoch_naming_epoch_and_step():
    model = nn.Linear(8, 3)
    opt, scheduler = make_optimizer("adam", model.parameters(), lr=1e-2)
    x, y = _data()
    x[0:16] = float("nan")  # the first batch of a run whose order puts these rows first: any batch with a NaN row
    with pytest.raises(FloatingPointError, match=r"training diverged: the cross_entropy loss is nan at epoch 1, step"):
        train_epoch(model, x.nan_to_num(float("nan")), y, opt, scheduler, _plan(batch_size=64, n_batches=1), 1, None)
