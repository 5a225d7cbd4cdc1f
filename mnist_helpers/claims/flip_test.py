"""C8's flip test: show a classifier the test 6s and 9s flipped, and count how it reads them."""

from __future__ import annotations

import numpy as np
import pandas as pd
from torch import nn

from mnist_helpers.augment import transforms as aug
from mnist_helpers.data.mnist import N_CLASSES, to_tensor
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
    """For each of FLIPS, `flip_readings` of `model` on the `pair` digits of `images` shown flipped."""
    tables = {}
    for name, flip in FLIPS.items():
        probs = {d: predict_proba(model, flip(to_tensor(images[labels == d], normalized)), device=device) for d in pair}
        tables[name] = flip_readings(probs, pair)
    return tables


def flip_readings(probs_flipped: dict[int, np.ndarray], pair: tuple[int, int] = (6, 9)) -> pd.DataFrame:
    """C8's second half: of the digits of each class in `pair` shown flipped, the share (%) the classifier reads
    as the other class of the pair, as itself, and as anything else.

    `probs_flipped[d]` is the (N, 10) probabilities for the flipped images of true class d (e.g. 6s turned
    by 180°, `augment.rot180`); a 6 turned 180° looks like a 9, so "read as the other" is the claim's effect.
    """
    rows = []
    for digit in pair:
        if digit not in probs_flipped:
            raise ValueError(f"probs_flipped has no entry for digit {digit}; pass probabilities for both of {pair}.")
        probs = np.asarray(probs_flipped[digit])
        if probs.ndim != 2 or probs.shape[1] != N_CLASSES or len(probs) == 0:
            raise ValueError(f"probs_flipped[{digit}] must be (N, {N_CLASSES}) probabilities with N >= 1.")
        pred = probs.argmax(axis=1)
        other = pair[1] if digit == pair[0] else pair[0]
        rows.append(
            {
                "flipped digit": digit,
                "images": len(pred),
                "other digit": other,
                "read as the other digit (%)": 100 * float(np.mean(pred == other)),
                "read as itself (%)": 100 * float(np.mean(pred == digit)),
                "read as another digit (%)": 100 * float(np.mean((pred != other) & (pred != digit))),
            }
        )
    return pd.DataFrame(rows).set_index("flipped digit")
