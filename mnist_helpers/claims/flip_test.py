"""C8's flip test: show a classifier the test 6s and 9s flipped, and count how it reads them."""

from __future__ import annotations

import numpy as np
import pandas as pd
from torch import nn

from mnist_helpers.augment import transforms as aug
from mnist_helpers.data.mnist import to_tensor
from mnist_helpers.measure.metrics import flip_readings
from mnist_helpers.training.inference import predict_proba

FLIPS = {"vertically flipped": aug.vflip, "turned 180°": aug.rot180}  # table name -> the flip shown


def flip_tables(
    model: nn.Module,
    images: np.ndarray,
    labels: np.ndarray,
    normalized: bool,  # the model's input scaling (its key's "normalized")
    *,
    pair: tuple[int, int] = (6, 9),
    device: str | None = None,
) -> dict[str, pd.DataFrame]:
    """For each of FLIPS, `evaluate.flip_readings` of `model` on the `pair` digits of `images` shown flipped."""
    tables = {}
    for name, flip in FLIPS.items():
        probs = {d: predict_proba(model, flip(to_tensor(images[labels == d], normalized)), device=device) for d in pair}
        tables[name] = flip_readings(probs, pair)
    return tables
