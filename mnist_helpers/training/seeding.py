"""One seeding rule for both engines: an epoch's random streams are seeded from (seed, epoch[, stream])."""

from __future__ import annotations

import random

import numpy as np
import torch

# The torch engine's three streams, each seeded per (seed, epoch, stream): the published runs depend on these.
MODEL_RNG, SHUFFLE, AUGMENT = 0, 1, 2  # dropout masks and random layers; batch order; augmentation draws


def seed_everything(seed: int) -> None:
    """Seed Python's `random`, NumPy's global RNG and torch's global RNG (call before building a model)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def epoch_seed(seed: int, epoch: int, stream: int | None = None) -> int:
    """The 32-bit seed of `epoch`'s random draws: one per (seed, epoch), or per (seed, epoch, stream).

    A run is a function of its seed and initial weights, whichever epoch it resumes at. The Keras engine seeds all
    of Keras's RNGs at once per (seed, 0-based epoch); the torch engine seeds its three streams separately per
    (seed, 1-based epoch, stream).
    """
    entropy = [seed, epoch] if stream is None else [seed, epoch, stream]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])
