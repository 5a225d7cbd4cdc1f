"""Verdict rules for the claims table: intervals, outcomes, and what may never happen."""

import itertools
import json
import math

import numpy as np
import pytest

from mnist_helpers.claims import verdicts as claims
from mnist_helpers.claims.verdicts import (
    DELTA_PP,
    accuracy_verdict,
    classify,
    epochs_gate,
    fact_verdict,
    gap_verdict,
    measured_verdict,
    percent,
    smallest_half_width,
    verdict_table,
)


def test_tight_seeds_well_above_the_seed_are_higher_with_the_hand_computed_interval():
    # mean 99.41, s = 0.01, k = 3: spread 1e-4·(1/3 + 1) = 1.333e-4; binomial 0.9941·0.0059 = 0.005865 (10,000
    # images) and 1e4·0.99·0.01/8400 = 0.011786; V = 0.017784, √V = 0.13336; df ≈ 35,600 so t ≈ 1.960.
    v = accuracy_verdict([99.40, 99.41, 99.42], 10000, 99.0, 8400)
    assert v.verdict == "higher"
    assert v.difference == pytest.approx(0.41)
    assert (v.low, v.high) == (pytest.approx(0.41 - 0.2614, abs=5e-4), pytest.approx(0.41 + 0.2614, abs=5e-4))


def test_wide_spread_around_the_seed_is_inconclusive():
    assert accuracy_verdict([98.4, 99.0, 99.6], 10000, 99.0, 8400).verdict == "inconclusive"


def test_tight_seeds_far_below_the_seed_are_lower():
    assert accuracy_verdict([98.00, 98.10, 98.05], 10000, 99.0, 8400).verdict == "lower"


def test_many_images_and_tight_seeds_around_the_seed_are_consistent():
    # s = 0.0158 (k = 5): spread 3e-4, binomial 2·0.99·0.01 = 1.98e-4 on a million images each; df ≈ 11,
    # t = 2.20, half-width 0.049 < 0.2.
    v = accuracy_verdict([99.00, 99.02, 98.98, 99.01, 98.99], 10**6, 99.0, 10**6)
    assert v.verdict == "consistent"
    assert v.high - v.difference == pytest.approx(0.049, abs=0.002)


def test_mnist_sized_evaluation_sets_could_not_resolve_two_tenths_of_a_point_but_resolve_delta():
    # 1.96·√(1e4·0.993·0.007·(1/10000 + 1/8400)) = 1.96·0.1234
    assert smallest_half_width(99.3, 10000, 8400) == pytest.approx(0.242, abs=0.001)
    assert 0.2 < smallest_half_width(99.3, 10000, 8400) < DELTA_PP
    assert accuracy_verdict([99.30] * 20, 10000, 99.30, 8400, delta=0.2).verdict == "inconclusive"
    assert accuracy_verdict([99.28, 99.30, 99.31, 99.29, 99.32], 10000, 99.30, 8400).verdict == "consistent"


def test_one_seed_is_inconclusive_and_says_why():
    v = accuracy_verdict([99.9], 10000, 99.0, 8400)
    assert v.verdict == "inconclusive" and "one seed" in v.note and v.low > 0  # binomial parts alone exclude 0


def test_one_seed_with_a_borrowed_run_to_run_sd_gets_a_verdict():
    v = accuracy_verdict([99.9], 10000, 99.0, 8400, run_sd_pp=0.05, run_sd_df=4)
    assert v.verdict == "higher" and "0.05" in v.note


def test_per_seed_evaluation_sets_shrink_our_binomial_term():
    shared = accuracy_verdict([99.40, 99.41, 99.42], 8400, 99.0, 8400)
    own = accuracy_verdict([99.40, 99.41, 99.42], 8400, 99.0, 8400, shared_eval_set=False)
    assert own.high - own.low < shared.high - shared.low


@pytest.mark.parametrize("center", [-0.6, -0.25, -0.1, 0.0, 0.05, 0.15, 0.3, 0.6])
def test_more_spread_never_makes_a_verdict_consistent_or_decisive(center):
    base = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    seen = []
    for scale in np.geomspace(1e-3, 1.0, 40):
        seen.append(accuracy_verdict(98.0 + center + scale * base, 10**6, 98.0, 10**6).verdict)
    for before, after in itertools.pairwise(seen):
        assert not (after == "consistent" and before != "consistent")
        assert not (before == "inconclusive" and after != "inconclusive")


def test_classify_covers_every_outcome():
    assert [classify(*iv, delta=0.2) for iv in [(-0.1, 0.1), (0.1, 0.5), (-0.5, -0.1), (-0.1, 0.5)]] == [
        "consistent",
        "higher",
        "lower",
        "inconclusive",
    ]


def test_classify_rejects_a_non_positive_delta():
    with pytest.raises(ValueError, match="delta"):
        classify(0.0, 0.1, delta=0.0)


def test_accuracy_verdict_rejects_fractions_passed_as_percent_counts():
    with pytest.raises(ValueError, match="n_seed"):
        accuracy_verdict([99.0, 99.1], 10000, 99.0, 0)
    with pytest.raises(ValueError, match="percent"):
        accuracy_verdict([0.99, 101.0], 10000, 99.0, 8400)


def test_gap_matching_the_seed_is_consistent_at_delta_and_inconclusive_at_two_tenths():
    v = gap_verdict([0.40, 0.45, 0.50, 0.42, 0.48], 10000, (99.30, 98.85), discordant_share=0.005)
    assert v.verdict == "consistent" and v.seed == pytest.approx(0.44)
    tight = gap_verdict([0.40, 0.45, 0.50, 0.42, 0.48], 10000, (99.30, 98.85), discordant_share=0.005, delta=0.2)
    assert tight.verdict == "inconclusive"


def test_gap_far_below_the_seeds_is_lower_with_the_hand_computed_interval():
    # mean d = −0.05, s_d = 0.05 (k = 4); g = 0.44, so d − g = −0.49. V = 0.0025·1.25 + 1e4·0.004/10000
    # + 1e4·(0.9938·0.0062 + 0.9894·0.0106)/8400 = 0.003125 + 0.004 + 0.019820 = 0.026945; df ≈ 222, t = 1.971.
    v = gap_verdict(
        [-0.05 + 0.05 * z for z in (-1.1619, -0.3873, 0.3873, 1.1619)], 10000, (99.0, 99.05), discordant_share=0.004
    )
    assert v.verdict == "lower"
    assert (v.low, v.high) == (pytest.approx(-0.49 - 0.3236, abs=2e-3), pytest.approx(-0.49 + 0.3236, abs=2e-3))


def test_gap_without_discordance_uses_the_wider_unpaired_bound():
    gaps = [0.1, 0.2, 0.15]
    paired = gap_verdict(gaps, 10000, (99.2, 99.05), discordant_share=0.003)
    unpaired = gap_verdict(gaps, 10000, (99.2, 99.05))
    assert unpaired.high - unpaired.low > paired.high - paired.low


def test_capped_run_reads_not_checked_and_keeps_our_figures():
    v = epochs_gate(None, 8, 60, 99.38, [98.9, 99.0])
    assert v.verdict == "not checked at 8 epochs" and v.interval == "—" and v.ours_mean == pytest.approx(98.95)


def test_full_run_passes_its_verdict_through_the_gate():
    full = accuracy_verdict([99.40, 99.41, 99.42], 8400, 99.38, 8400)
    assert epochs_gate(full, 60, 60, 99.38, [99.40, 99.41, 99.42]) is full


def test_fact_verdict_reads_reproduced_or_corrected_with_its_evidence():
    ok = fact_verdict("±10°", "±10°", True, "10,000 Keras angles")
    fixed = fact_verdict("±10°", "±36°", False, "10,000 Keras angles")
    assert ok.verdict == "reproduced" and fixed.verdict == "corrected"
    assert "±36°" in fixed.text and "10,000 Keras angles" in fixed.text


def test_fact_verdict_needs_a_boolean_and_evidence():
    with pytest.raises(ValueError, match="holds"):
        fact_verdict("a", "b", "yes", "x")
    with pytest.raises(ValueError, match="evidence"):
        fact_verdict("a", "b", True, "")


def test_measured_verdict_gives_mean_sd_and_seeds():
    assert measured_verdict([97.9, 98.0, 98.1]) == "measured; the report gives no figure: 98.00 ± 0.10% (3 seeds)"


def test_verdict_table_shows_seed_ours_difference_interval_verdict_protocol():
    v = accuracy_verdict([99.40, 99.41, 99.42], 10000, 99.0, 8400)
    table = verdict_table([("C1", v, "official split, 8 epochs, 3 seeds")])
    row = table.loc["C1"]
    assert row["verdict"] == "higher" and row["ours − seed (points)"] == "+0.41" and "3 seeds" in row["protocol"]
    assert row["ours: mean ± sd (seeds)"] == "99.41 ± 0.01 (3)"


def test_verdict_text_names_outcome_difference_and_interval():
    text = accuracy_verdict([99.40, 99.41, 99.42], 10000, 99.0, 8400).text
    assert text.startswith("higher: +0.41 points, 95% interval [+0.15, +0.67]")
    assert not math.isnan(accuracy_verdict([99.4, 99.5], 10000, 99.0, 8400).ours_sd)


def test_percent_converts_fractions():
    assert percent(0.5) == [50.0] and percent([0.1, 0.2]) == [10.0, 20.0]


def test_angle_range_verdict_corrects_a_wider_range_and_reproduces_a_matching_one():
    from mnist_helpers.claims.verdicts import angle_range_verdict

    angles = np.linspace(-35.99, 35.99, 1000)
    assert angle_range_verdict(angles, 10, "Keras").verdict == "corrected"
    assert angle_range_verdict(angles, 36, "Keras").verdict == "reproduced"
    assert "±36°" in angle_range_verdict(angles, 10, "Keras").text


def test_overlap_verdict_grades_the_pairs_found():
    from mnist_helpers.claims.verdicts import overlap_verdict

    claimed = ("2↔7", "4↔9", "5↔6")
    assert [overlap_verdict(k, claimed) for k in (3, 1, 0)] == ["reproduced", "partly reproduced", "not reproduced"]


def test_flip_verdict_needs_both_directions_above_the_threshold():
    from mnist_helpers.claims.verdicts import FLIP_CONFUSION_PCT, flip_verdict

    assert flip_verdict([40.0, 30.0], "vertically flipped").verdict == "reproduced"
    assert flip_verdict([40.0, FLIP_CONFUSION_PCT / 2], "vertically flipped").verdict == "corrected"


def test_a_verdict_survives_the_metrics_json_round_trip_with_missing_values_as_null():
    v = claims.epochs_gate(None, 8, 60, 99.38, [99.1])
    record = v.record()
    assert record["difference"] is None and record["n_seeds"] == 1
    assert json.loads(json.dumps(record, allow_nan=False)) == record
    assert claims.Verdict.from_record(record).text == v.text


def test_a_cap_needs_its_reason_and_effect():
    assert claims.cap("epochs", 60, 8, "budget", "lower accuracy")["ours"] == 8
    with pytest.raises(ValueError, match="reason"):
        claims.cap("epochs", 60, 8, "", "lower accuracy")
