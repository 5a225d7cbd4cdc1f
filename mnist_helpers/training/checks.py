"""Argument checks shared by the training engines: each error names the argument and the fix."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from mnist_helpers.training.stopping import check_min_delta

LOSSES = ("cross_entropy", "nll", "mse", "keras_cross_entropy")  # logits, log-probs, reconstruction, Keras's clipped CE


def check_positive(**values: Any) -> None:
    """ValueError naming the first of `values` that is not a positive integer."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}={value!r} must be a positive integer.")


def check_fit_arguments(
    *,
    epochs: int,
    batch_size: int,
    eval_batch_size: int,
    limit_batches: int | None,
    loss: str,
    seed: int,
    min_delta: float,
    patience: int | None,
    lr_patience: int | None,
    lr_factor: float,
    has_validation: bool,
) -> None:
    """ValueError naming the first of `fit`'s settings that cannot work, before anything is trained."""
    check_positive(epochs=epochs, batch_size=batch_size, eval_batch_size=eval_batch_size)
    if limit_batches is not None:
        check_positive(limit_batches=limit_batches)
    if loss not in LOSSES:
        raise ValueError(f"loss={loss!r}: use one of {', '.join(LOSSES)}.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer.")
    check_min_delta(min_delta)
    for name, value in {"patience": patience, "lr_patience": lr_patience}.items():
        if value is not None:
            check_positive(**{name: value})
            if not has_validation:
                raise ValueError(f"{name} needs val_x: carve a validation split from the training images (never test).")
    if isinstance(lr_factor, bool) or not isinstance(lr_factor, (int, float)) or not 0 < lr_factor < 1:
        raise ValueError(f"lr_factor={lr_factor!r} must be a fraction in (0, 1), e.g. 0.5 to halve the rate.")


def as_data(x: Any, y: Any, split: str, loss: str) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Tensors from arrays or tensors: float32 inputs, int64 labels (labels unused for "mse")."""
    x = torch.as_tensor(x)
    if not x.is_floating_point():
        raise ValueError(f"{split}_x has dtype {x.dtype}; pass floats, e.g. data.to_tensor(images).")
    x = x.float()
    if loss == "mse":
        return x, None
    if y is None or len(y) != len(x):
        got = None if y is None else len(y)
        raise ValueError(f"{split}_y must hold one label per image of {split}_x ({len(x)} images); got {got}.")
    return x, torch.as_tensor(y).long()
