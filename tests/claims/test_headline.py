"""Dutta's headline figures and the author's logged epochs, judged by the one-run rules, on hand-computed cases."""

import math

import numpy as np
import pytest

from mnist_helpers.claims.headline import dutta_headline, epoch_by_epoch, epoch_counts

ADAM = [99.30, 99.35, 99.40, 99.33, 99.37]  # mean 99.35; deviations −5, 0, 5, −2, 2 hundredths: s² = 0.0058/4 = 0.00145
RMS = [99.00, 99.05, 99.10, 99.03, 99.07]  # mean 99.05, the same deviations


def test_uncapped_runs_judge_both_figures_and_the_gap_by_prediction_intervals_under_holm():
    from scipy import stats

    checks = dutta_headline({"adam": ADAM, "rmsprop": RMS}, epochs=60)
    # C1: V = 0.00145·1.2 = 0.00174, half = t(4)·√V = 2.776445·0.0417133 = 0.115814; 99.38 in [99.234, 99.466]
    assert checks["C1"].half_width == pytest.approx(0.115814, abs=1e-5) and checks["C1"].outcome == "reproduced"
    # C2: 98.94 is 0.11 below 99.05, inside ±0.1158
    assert checks["C2"].outcome == "reproduced"
    # gap: centre 0.30, V = 2·0.00174 = 0.00348 (√ 0.0589915), df = 0.00348² / (2·0.00174²/4) = 8,
    # half = 2.306004·0.0589915 = 0.136034: 0.44 lies above [0.164, 0.436], one-run p = 2·sf(2.37322; 8) = 0.0450
    gap = checks["gap"]
    assert gap.kind == "gap" and gap.centre == pytest.approx(0.30)
    assert gap.half_width == pytest.approx(0.136034, abs=1e-5)
    p_gap = 2 * stats.t.sf(0.14 / math.sqrt(0.00348), 8)
    assert p_gap == pytest.approx(0.0450, abs=5e-4)
    # Holm over the family of three: the gap's p is the smallest, times 3 = 0.135 > 0.05, so it stands as one a
    # pair of runs could give
    assert gap.outcome == "reproduced" and gap.p_value == pytest.approx(3 * p_gap, rel=1e-6)


def test_a_figure_far_from_our_runs_is_not_reproduced_even_after_holm():
    low = [98.50, 98.55, 98.60, 98.52, 98.58]
    checks = dutta_headline({"adam": low, "rmsprop": RMS}, epochs=60)
    assert checks["C1"].outcome == "above our runs" and checks["C1"].p_value < 0.05


def test_capped_runs_are_not_checked_against_the_best_of_60_figures():
    checks = dutta_headline({"adam": ADAM, "rmsprop": RMS}, epochs=6)
    assert {c.outcome for c in checks.values()} == {"not checked at 6 epochs"}
    assert checks["gap"].kind == "gap" and math.isnan(checks["gap"].low)


def test_each_logged_epoch_is_judged_as_one_run_and_counted():
    ours = {"adam": np.array([[97.0, 98.0], [97.2, 98.1], [97.1, 98.05]])}  # 3 seeds × 2 epochs
    table = epoch_by_epoch(ours, {"adam": [97.1, 99.5, 99.6]})  # the log runs longer: epoch 3 left out
    assert table["epoch"].tolist() == [1, 2]
    assert table.loc[0, "outcome"] == "reproduced"  # 97.1 is our mean
    assert table.loc[1, "outcome"] == "above our runs"  # 99.5 is 1.45 points above, s = 0.05
    assert epoch_counts(table) == {"adam": {"reproduced": 1, "above our runs": 1}}


def test_the_reported_losses_are_judged_at_60_epochs_with_the_loss_resolution_and_not_before():
    from mnist_helpers.claims.headline import LOSS_RESOLUTION, dutta_losses

    losses = {"adam": [0.030, 0.035, 0.040, 0.033, 0.037], "rmsprop": [0.060, 0.062, 0.058, 0.061, 0.059]}
    checks = dutta_losses(losses, epochs=60)
    # Adam: mean 0.035, s² = (25 + 0 + 25 + 4 + 4)e-6 / 4 = 1.45e-5; half = 2.776445·√(1.74e-5) = 0.0115814 > 0.01
    assert checks["C18_adam"].half_width == pytest.approx(0.0115814, abs=1e-6)
    assert checks["C18_adam"].outcome == "inconclusive" and checks["C18_adam"].delta == LOSS_RESOLUTION
    # RMSProp: mean 0.060, s² = 2.5e-6, half = 2.776445·√3e-6 = 0.0048089; 0.0542 lies below [0.0552, 0.0648]
    assert checks["C18_rmsprop"].outcome == "below our runs"
    assert {c.outcome for c in dutta_losses(losses, epochs=6).values()} == {"not checked at 6 epochs"}
