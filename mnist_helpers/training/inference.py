"""Batched inference with a trained torch model: class probabilities, predictions, reconstructions and codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from mnist_helpers.core.device import resolve_device
from mnist_helpers.training.checks import check_positive


def predict_proba(model: nn.Module, x: torch.Tensor, batch_size: int = 1000, device: str | None = None) -> np.ndarray:
    """(N, 10) class probabilities: softmax of the outputs, right for logits and log-probabilities alike
    (softmax(log_softmax(z)) = softmax(z)), so callers need not say which the model returns."""
    return _batched(lambda xb: torch.softmax(model(xb), dim=1), model, x, batch_size, device)


def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 1000, device: str | None = None) -> np.ndarray:
    """(N,) predicted classes (argmax of the outputs)."""
    return _batched(lambda xb: model(xb).argmax(dim=1), model, x, batch_size, device)


def reconstruct(model: nn.Module, x: torch.Tensor, batch_size: int = 1000, device: str | None = None) -> np.ndarray:
    """An autoencoder's reconstructions of x, shaped as its output."""
    return _batched(model, model, x, batch_size, device)


def encode(model: nn.Module, x: torch.Tensor, batch_size: int = 1000, device: str | None = None) -> np.ndarray:
    """(N, code_size) codes from an autoencoder's `encode` method."""
    if not callable(getattr(model, "encode", None)):
        raise ValueError(f"model ({type(model).__name__}) has no encode(); pass an autoencoder from models.py.")
    encoder: Callable[[torch.Tensor], torch.Tensor] = model.encode  # type: ignore[assignment]  # checked callable above
    return _batched(encoder, model, x, batch_size, device)


@torch.inference_mode()
def _batched(
    fn: Callable[[torch.Tensor], torch.Tensor], model: nn.Module, x: Any, batch_size: int, device: str | None = None
) -> np.ndarray:
    """Apply `fn` to x in batches with `model` in eval mode (its previous mode restored); concatenate as NumPy.
    `device` None runs where the model's weights are; a device name moves the model there first."""
    check_positive(batch_size=batch_size)
    if device is not None:
        model.to(resolve_device(device))
    dev = next(model.parameters(), torch.empty(0)).device
    x, was_training = torch.as_tensor(x), model.training
    model.eval()
    try:
        return torch.cat([fn(x[i : i + batch_size].to(dev)).cpu() for i in range(0, len(x), batch_size)]).numpy()
    finally:
        model.train(was_training)
