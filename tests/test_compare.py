"""Paired gaps between two optimizers' runs, seed by seed, and the verdict they feed."""

from types import SimpleNamespace

import numpy as np
import pytest

from mnist_helpers.compare import optimizer_gap_verdict, paired_gaps


def _run(right: np.ndarray) -> SimpleNamespace:
    """A stand-in for reuse.Trained whose predictions are right where `right` is True (labels all 0)."""
    return SimpleNamespace(predictions=np.where(right, 0, 1))


def test_paired_gaps_counts_points_and_discordant_images():
    y = np.zeros(100, dtype=int)
    a = np.arange(100) < 99  # 99% right
    b = np.arange(100) < 97  # 97% right, wrong on two images a gets right
    table = paired_gaps({"adam": [_run(a)], "rmsprop": [_run(b)]}, y)
    assert table.loc[0, "gap (points)"] == pytest.approx(2.0) and table.loc[0, "discordant share"] == pytest.approx(
        0.02
    )


def test_optimizer_gap_verdict_compares_with_the_seeds_gap():
    y = np.zeros(10000, dtype=int)
    rng = np.random.default_rng(0)
    runs = {"adam": [], "rmsprop": []}
    for _ in range(5):
        right = rng.random(10000) < 0.99
        runs["adam"].append(_run(right))
        runs["rmsprop"].append(_run(right))  # identical models: gap 0
    v = optimizer_gap_verdict(runs, y)
    assert v.ours_mean == 0.0 and v.seed == pytest.approx(0.44) and v.verdict == "lower"


def test_unpaired_runs_are_rejected():
    y = np.zeros(4, dtype=int)
    with pytest.raises(ValueError, match="seed by seed"):
        paired_gaps({"adam": [_run(y == 0)], "rmsprop": []}, y)
