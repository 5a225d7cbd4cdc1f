"""One epoch of the torch engine: a shuffled, augmented pass of optimizer steps, and a batched evaluation."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from mnist_helpers.training.seeding import AUGMENT, MODEL_RNG, SHUFFLE, epoch_seed

Augment = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


@dataclass(frozen=True)
class EpochPlan:
    """What every epoch of one run shares."""

    loss: str  # one of checks.LOSSES
    batch_size: int
    n_batches: int  # training batches per epoch (all of them, or a cap)
    augment: Augment | None
    seed: int
    channels_last: bool
    eval_batch_size: int
    device: torch.device  # where the data lives: shuffled indices and augmentation draws go there


def train_epoch(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor | None,
    opt: Any,
    scheduler: Any,
    plan: EpochPlan,
    epoch: int,
    bar: Any,
) -> tuple[float, float | None]:
    """One pass over `plan.n_batches` shuffled batches; returns the running mean loss and accuracy of the epoch."""
    model.train()
    torch.manual_seed(epoch_seed(plan.seed, epoch, MODEL_RNG))  # dropout masks and random layers inside the model
    shuffle = torch.Generator().manual_seed(epoch_seed(plan.seed, epoch, SHUFFLE))
    order = torch.randperm(len(x), generator=shuffle).to(plan.device)
    augment_rng = torch.Generator(device=plan.device).manual_seed(epoch_seed(plan.seed, epoch, AUGMENT))
    total, correct, seen = 0.0, 0, 0
    for b in range(plan.n_batches):
        idx = order[b * plan.batch_size : (b + 1) * plan.batch_size]
        xb = x[idx] if plan.augment is None else plan.augment(x[idx], augment_rng)
        yb = xb if plan.loss == "mse" or y is None else y[idx]
        out = model(xb.contiguous(memory_format=torch.channels_last) if plan.channels_last else xb)
        batch_loss = loss_of(out, yb, plan.loss, "mean")
        value = batch_loss.item()
        if not math.isfinite(value):  # stop before the update spreads NaN into the weights
            raise FloatingPointError(
                f"training diverged: the {plan.loss} loss is {value} at epoch {epoch}, step {b + 1} of "
                f"{plan.n_batches}. Lower the learning rate (lr) or the decay, or check the inputs for NaN or "
                "infinite values."
            )
        opt.zero_grad(set_to_none=True)
        batch_loss.backward()
        opt.step()
        scheduler.step()
        total, seen = total + value * len(idx), seen + len(idx)
        if plan.loss != "mse":
            correct += int((out.argmax(dim=1) == yb).sum())
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{total / seen:.4f}", refresh=False)
    return total / seen, (None if plan.loss == "mse" else correct / seen)


@torch.inference_mode()
def evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor | None, loss: str, batch_size: int, channels_last: bool
) -> tuple[float, float | None]:
    """Mean loss (per image; per pixel for "mse") and accuracy over all of x, in eval mode."""
    model.eval()
    total, correct = 0.0, 0
    for start in range(0, len(x), batch_size):
        xb = x[start : start + batch_size]
        out = model(xb.contiguous(memory_format=torch.channels_last) if channels_last else xb)
        target = xb if loss == "mse" or y is None else y[start : start + batch_size]
        total += loss_of(out, target, loss, "sum").item()
        if loss != "mse":
            correct += int((out.argmax(dim=1) == target).sum())
    n = x.numel() if loss == "mse" else len(x)  # per pixel for "mse", per image otherwise
    return total / n, (None if loss == "mse" else correct / n)


def loss_of(out: torch.Tensor, target: torch.Tensor, loss: str, reduction: str) -> torch.Tensor:
    """The named loss; "mse" compares with the target reshaped to the output's shape (per-pixel mean)."""
    if loss == "cross_entropy":
        return F.cross_entropy(out, target, reduction=reduction)
    if loss == "nll":
        return F.nll_loss(out, target, reduction=reduction)
    if loss == "keras_cross_entropy":  # the torch twin standing in for Keras: probabilities clipped as Keras does
        from mnist_helpers.training.keras_optim import keras_cross_entropy

        return keras_cross_entropy(out, target, reduction=reduction)
    return F.mse_loss(out, target.reshape(out.shape), reduction=reduction)
