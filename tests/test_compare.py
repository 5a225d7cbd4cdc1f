"""Comparing groups of runs (chapter 5): per-group summaries and seed-by-seed McNemar tests."""

import math

import numpy as np
import pytest

from mnist_helpers import compare
from mnist_helpers.reuse import Trained

Y = np.array([0, 1, 2, 3] * 25)  # 100 labels


def trained(wrong: list[int]) -> Trained:
    """A fake trained classifier whose probabilities are one-hot on the label except at `wrong` indices."""
    pred = Y.copy()
    pred[wrong] = (pred[wrong] + 1) % 4
    probs = np.full((len(Y), 4), 0.01)
    probs[np.arange(len(Y)), pred] = 0.97
    return Trained("fake", None, None, probs, reused=False)


def test_summary_gives_mean_sd_and_every_seed_per_group():
    runs = {"adam": [trained([0]), trained([0, 1, 2])], "rmsprop": [trained(list(range(10)))]}
    table = compare.optimizer_summary(runs, Y)
    assert table.loc["adam", "runs"] == 2
    assert table.loc["adam", "test accuracy (%)"] == "98.00 ± 1.41"  # 99 and 97
    assert table.loc["adam", "per seed (%)"] == "99.00, 97.00"
    assert table.loc["rmsprop", "test accuracy (%)"] == "90.00"  # one run: no spread to show


def test_mcnemar_counts_the_discordant_images_seed_by_seed():
    a_wrong, b_wrong = [0, 1], list(range(2, 32))  # 2 only-A errors, 30 only-B errors
    runs = {"adam": [trained(a_wrong)], "rmsprop": [trained(b_wrong)]}
    table = compare.paired_mcnemar(runs, Y, seeds=[7])
    row = table.loc[7]
    assert (row["b (only B wrong)"], row["c (only A wrong)"]) == (30, 2)
    assert row["significant"] and row["better"] == "adam"
    # exact two-sided binomial test on the 32 discordant images: 2 * P(X <= 2), X ~ Bin(32, 1/2)
    assert row["p value"] == pytest.approx(2 * sum(math.comb(32, k) for k in range(3)) / 2**32)


def test_mcnemar_finds_no_difference_between_identical_models():
    runs = {"adam": [trained([0, 5])], "rmsprop": [trained([0, 5])]}
    row = compare.paired_mcnemar(runs, Y, seeds=[0]).loc[0]
    assert not row["significant"]
