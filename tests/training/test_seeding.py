"""training.seeding: one rule for every epoch's random draws, in both engines."""

import numpy as np
import torch

from mnist_helpers.training.seeding import AUGMENT, MODEL_RNG, SHUFFLE, epoch_seed, seed_everything


def test_the_seeds_of_the_published_runs_do_not_move():
    # The values every published run was trained with (numpy's SeedSequence): a change here changes every number.
    assert [epoch_seed(0, 1, s) for s in (MODEL_RNG, SHUFFLE, AUGMENT)] == [3964924996, 901243215, 3884055042]
    assert epoch_seed(7, 0) == 2083679832  # Keras: (seed, 0-based epoch), all of Keras's RNGs at once


def test_every_seed_epoch_and_stream_gets_its_own_32_bit_seed():
    seeds = {epoch_seed(seed, epoch, stream) for seed in range(3) for epoch in range(1, 4) for stream in range(3)}
    assert len(seeds) == 27 and all(0 <= s < 2**32 for s in seeds)
    # SeedSequence pads its entropy with zeros, so Keras's (seed, epoch) equals torch's model stream (seed, epoch, 0):
    # harmless, since one run uses one engine, but pinned here so nobody relies on the two differing.
    assert epoch_seed(0, 1) == epoch_seed(0, 1, MODEL_RNG)


def test_seed_everything_makes_the_global_draws_repeat():
    seed_everything(5)
    first = (np.random.rand(), torch.rand(1).item())
    seed_everything(5)
    assert (np.random.rand(), torch.rand(1).item()) == first
