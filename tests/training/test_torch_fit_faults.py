"""training.torch_fit: a non-finite loss stops training, naming the epoch and the step."""

from __future__ import annotations

import math

import pytest
import torch

from mnist_helpers.training.torch_fit import fit


def test_training_stops_on_a_non_finite_loss_naming_epoch_and_step():
    x = torch.rand(64, 1, 28, 28)
    x[40] = math.nan  # lands in the second batch of 32 (shuffled, so search the message loosely)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    with pytest.raises(FloatingPointError, match=r"loss is nan at epoch 1, step [12] of 2.*lr"):
        fit(model, x, torch.zeros(64, dtype=torch.long), None, None, epochs=1, batch_size=32, progress="none")
