"""The optimizers the chapters train with (torch's, and Keras's exact rules for the twin), and the decay (C11)."""

from __future__ import annotations

from typing import Any

import torch

OPTIMIZERS = ("adam", "rmsprop")


KERAS_EXACT_OPTIMIZERS = ("keras_adam", "keras_rmsprop")  # Keras 3's own update rules (keras_optim): the twin's


KERAS_EPSILON = 1e-7  # Keras' default epsilon for Adam and RMSprop, used so the torch and Keras paths agree


KERAS_RMSPROP_RHO = 0.9  # Keras' default RMSprop average decay (torch calls it alpha, default 0.99)


DECAY_MODES = ("inverse_time", "l2")  # what `decay` means: Keras's per-step lr decay | torch's weight_decay


def inverse_time_decay(lr0: float, decay: float, step: int) -> float:
    """Learning rate after `step` optimizer steps under legacy Keras `decay=` (C11): lr0 / (1 + decay·step)."""
    return lr0 / (1.0 + decay * step)


def make_optimizer(
    name: str, params: Any, lr: float = 1e-3, decay: float = 0.0, decay_mode: str = "inverse_time"
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """Adam or RMSprop with Keras' defaults, and a per-step scheduler (step it every batch).

    decay_mode="inverse_time": `decay` is legacy Keras's per-step learning-rate decay (C11);
    decay_mode="l2": `decay` is torch's `weight_decay` (an L2 term in the gradient) and the rate stays fixed.
    "keras_adam" / "keras_rmsprop" are Keras 3's update rules exactly (`keras_optim`); "adam" / "rmsprop"
    are torch's, which place epsilon differently. The scheduler gives step t (1-based) lr/(1 + decay·(t−1)),
    as Keras evaluates its schedule before incrementing its iteration count.
    """
    if decay_mode not in DECAY_MODES:
        raise ValueError(f"decay_mode={decay_mode!r} is not known; use one of {', '.join(DECAY_MODES)}.")
    if not decay >= 0:
        raise ValueError(f"decay={decay!r} must be >= 0 (per optimizer step; 0 keeps the learning rate fixed).")
    l2 = decay if decay_mode == "l2" else 0.0
    key = name.lower() if isinstance(name, str) else name
    if key in KERAS_EXACT_OPTIMIZERS:  # the torch twin standing in for Keras: Keras's update, step for step
        from mnist_helpers.training.keras_optim import KerasAdam, KerasRMSprop

        if l2:
            raise ValueError(
                f"optimizer {name!r} follows Keras, which has no L2 weight decay: use decay_mode='inverse_time'."
            )
        optimizer: torch.optim.Optimizer = (KerasAdam if key == "keras_adam" else KerasRMSprop)(params, lr=lr)
    elif key == "adam":  # fused: one kernel for all parameters, the same update (~2% faster steps on our CNNs)
        optimizer = torch.optim.Adam(params, lr=lr, eps=KERAS_EPSILON, weight_decay=l2, fused=True)
    elif key == "rmsprop":
        optimizer = torch.optim.RMSprop(params, lr=lr, alpha=KERAS_RMSPROP_RHO, eps=KERAS_EPSILON, weight_decay=l2)
    else:
        known = ", ".join(OPTIMIZERS + KERAS_EXACT_OPTIMIZERS)
        raise ValueError(f"optimizer name={name!r} is not known; use one of {known}.")
    per_step = decay if decay_mode == "inverse_time" else 0.0
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: inverse_time_decay(1.0, per_step, step))
    return optimizer, scheduler


OPTIMIZER_NAMES = {"adam": "Adam", "rmsprop": "RMSprop"}  # how the book writes each optimizer


def optimizer_name(key: str) -> str:
    """The book's name for an optimizer key ("rmsprop" -> "RMSprop"), for labels that must follow what ran."""
    if key not in OPTIMIZER_NAMES:
        raise ValueError(f"optimizer {key!r} is not one of {sorted(OPTIMIZER_NAMES)}.")
    return OPTIMIZER_NAMES[key]


def scale_lr(opt: torch.optim.Optimizer, scheduler: Any, factor: float) -> None:
    """Multiply the learning rate by `factor`: the scheduler's base rates (kept in its state, so a resumed run has
    them) and the optimizer's current ones (the scheduler's per-step factor is applied on top of the base)."""
    scheduler.base_lrs = [lr * factor for lr in scheduler.base_lrs]
    for group in opt.param_groups:
        group["lr"] *= factor
    scheduler._last_lr = [group["lr"] for group in opt.param_groups]
