"""The single-run decision rules, each on hand-computed cases: prediction intervals, paired TOST, Holm, power."""

import math

import numpy as np
import pytest

from mnist_helpers.claims.rules import (
    PAIRED_OUTCOMES,
    SINGLE_RUN_OUTCOMES,
    EvalSets,
    half_width,
    holm,
    holm_family,
    paired_comparison,
    seeds_needed,
    single_run_check,
    single_runs_gap_check,
)

T975 = {2: 4.302653, 3: 3.182446, 4: 2.776445}  # Student t quantiles, from tables
T95 = {3: 2.353363}
FIVE = [99.1, 99.2, 99.3, 99.2, 99.2]  # mean 99.2, s² = 0.02 / 4 = 0.005


def test_shared_test_set_prediction_interval_has_no_binomial_term():
    # V = 0.005·(1 + 1/5) = 0.006; half = t(4)·√0.006 = 2.776445·0.0774597 = 0.215061
    check = single_run_check(99.3, FIVE, EvalSets.SHARED, delta=0.5)
    assert check.centre == pytest.approx(99.2)
    assert check.half_width == pytest.approx(0.215061, abs=1e-5)
    assert (check.low, check.high) == pytest.approx((98.984939, 99.415061), abs=1e-5)
    assert check.outcome == "reproduced"


def test_a_figure_below_the_interval_is_below_our_runs_with_its_one_run_p_value():
    # |98.93 − 99.2| / 0.0774597 = 3.48568 on 4 df: two-sided p = 0.0252
    check = single_run_check(98.93, FIVE, EvalSets.SHARED, delta=0.5)
    assert check.outcome == "below our runs"
    assert check.p_value == pytest.approx(0.0252, abs=5e-4)
    assert single_run_check(99.5, FIVE, EvalSets.SHARED, delta=0.5).outcome == "above our runs"


def test_own_splits_use_the_spread_alone_as_it_already_holds_the_split_noise():
    shared = single_run_check(99.38, FIVE, EvalSets.SHARED, delta=0.5)
    own = single_run_check(99.38, FIVE, EvalSets.OWN_SPLITS, delta=0.5)
    assert own.half_width == shared.half_width and own.terms == shared.terms


def test_fixed_other_sets_add_both_binomial_terms_on_welch_df():
    # known = 1e4·0.992·0.008/10000 + 1e4·0.9938·0.0062/8400 = 0.007936 + 0.0073352 = 0.0152712
    # V = 0.006 + 0.0152712 = 0.0212712; df = V² / (0.006² / 4) = 50.27; t(50.27) = 2.00826; half = 0.292896
    check = single_run_check(99.38, FIVE, EvalSets.FIXED_OTHER, delta=0.5, n_ours=10_000, n_report=8_400)
    assert check.half_width == pytest.approx(0.292896, abs=2e-4)
    assert check.outcome == "reproduced"
    with pytest.raises(ValueError, match="n_ours and n_report"):
        single_run_check(99.38, FIVE, EvalSets.FIXED_OTHER, delta=0.5)


def test_an_interval_wider_than_delta_is_inconclusive_and_one_run_always_is():
    # k = 3, s = 0.2: half = 4.302653·√(0.04·4/3) = 0.993655 > 0.5
    wide = single_run_check(99.38, [99.0, 99.2, 99.4], EvalSets.SHARED, delta=0.5)
    assert wide.half_width == pytest.approx(0.993655, abs=1e-5) and wide.outcome == "inconclusive"
    assert single_run_check(99.38, [99.0, 99.2, 99.4], EvalSets.SHARED, delta=1.0).outcome == "reproduced"
    one = single_run_check(99.38, [99.3], EvalSets.SHARED, delta=0.5)
    assert one.outcome == "inconclusive" and math.isnan(one.low)


def test_more_spread_never_turns_inconclusive_into_anything_else_nor_reproduced_into_a_difference():
    rng = np.random.default_rng(0)
    for _ in range(300):
        k = int(rng.integers(2, 8))
        ours = 99 + rng.normal(0, rng.uniform(0.02, 0.4), k)
        figure, delta = 99 + rng.normal(0, 0.4), float(rng.uniform(0.1, 0.6))
        before = single_run_check(figure, ours, EvalSets.SHARED, delta=delta).outcome
        for scale in (1.5, 3.0, 10.0):
            wider = ours.mean() + scale * (ours - ours.mean())
            after = single_run_check(figure, wider, EvalSets.SHARED, delta=delta).outcome
            if before == "inconclusive":
                assert after == "inconclusive"
            if before == "reproduced":
                assert after in ("reproduced", "inconclusive")


def test_a_gap_of_two_single_runs_is_judged_by_the_difference_of_two_new_runs():
    # centre 0.4; V = 0.01·(4/3)·2 = 0.0266667 on df 4; half = 2.776445·0.163299 = 0.453391
    check = single_runs_gap_check(0.44, [99.3, 99.4, 99.5], [98.9, 99.0, 99.1], EvalSets.OWN_SPLITS, delta=0.5)
    assert check.centre == pytest.approx(0.4)
    assert check.half_width == pytest.approx(0.453391, abs=1e-5)
    assert check.outcome == "reproduced"
    assert single_runs_gap_check(
        -0.2, [99.3, 99.4, 99.5], [98.9, 99.0, 99.1], EvalSets.OWN_SPLITS, delta=0.5
    ).outcome == ("below our runs")


def test_paired_procedures_within_delta_are_equivalent_by_two_one_sided_tests():
    # d = [0.1, 0.1, 0.0, 0.1]: mean 0.075, s = 0.05, se = 0.025; 90%: ±2.353363·0.025 = ±0.058834
    result = paired_comparison([99.3, 99.4, 99.5, 99.2], [99.2, 99.3, 99.5, 99.1], delta=0.25)
    assert result.outcome == "equivalent"
    assert (result.tost_low, result.tost_high) == pytest.approx((0.016166, 0.133834), abs=1e-5)
    # at δ = 0.1 the 90% interval leaves ±δ and the 95% one (±3.182446·0.025 = ±0.079561) holds 0
    narrow = paired_comparison([99.3, 99.4, 99.5, 99.2], [99.2, 99.3, 99.5, 99.1], delta=0.1)
    assert narrow.outcome == "inconclusive" and narrow.low == pytest.approx(-0.004561, abs=1e-5)


def test_paired_procedures_apart_are_higher_or_lower():
    # d = [0.5, 0.6, 0.4, 0.5]: mean 0.5, s² = 0.02/3, se = 0.0408248; 95%: ±0.129923
    higher = paired_comparison([99.5, 99.6, 99.4, 99.5], [99.0, 99.0, 99.0, 99.0], delta=0.25)
    assert higher.outcome == "higher" and higher.low == pytest.approx(0.370077, abs=1e-5)
    assert paired_comparison([99.0] * 4, [99.5, 99.6, 99.4, 99.5], delta=0.25).outcome == "lower"


def test_a_shared_test_set_adds_its_paired_sampling_error_to_the_by_seed_spread():
    # r = 0.01 of 10,000 images differ: (r − d̄²)/n·1e4 = (0.01 − 0.005²)/10000·1e4 = 0.009975
    plain = paired_comparison([99.5, 99.6, 99.4, 99.5], [99.0] * 4, delta=0.25)
    shared = paired_comparison([99.5, 99.6, 99.4, 99.5], [99.0] * 4, delta=0.25, n_images=10_000, discordant_share=0.01)
    se_plain = (plain.high - plain.mean) / 3.182446
    assert se_plain**2 == pytest.approx(0.02 / 3 / 4, rel=1e-4)
    assert shared.high - shared.mean > plain.high - plain.mean


def test_holm_adjusts_step_down_and_skips_missing_p_values():
    # sorted 0.01, 0.03, 0.04 of m = 3: 0.03, max(0.06, ·) = 0.06, max(0.06, 0.04) = 0.06
    adjusted = holm([0.01, 0.04, 0.03, math.nan])
    assert adjusted[:3] == pytest.approx([0.03, 0.06, 0.06]) and math.isnan(adjusted[3])


def test_holm_family_keeps_a_difference_only_when_its_adjusted_p_is_small():
    far = single_run_check(98.5, FIVE, EvalSets.SHARED, delta=0.5)  # p ~ 1e-4
    near = single_run_check(98.93, FIVE, EvalSets.SHARED, delta=0.5)  # p 0.025
    out = holm_family([far, near, near])
    assert [c.outcome for c in out] == ["below our runs", "reproduced", "reproduced"]


def test_power_half_width_and_seeds_needed():
    # half_width(0.2, 5) = 2.776445·0.2·√1.2 = 0.608287
    assert half_width(0.2, 5) == pytest.approx(0.608287, abs=1e-5)
    assert half_width(0.2, 1) == math.inf
    k = seeds_needed(0.05, 0.2)
    assert half_width(0.05, k) <= 0.2 < half_width(0.05, k - 1)
    assert seeds_needed(0.2, 0.2) is None  # floor 1.96·0.2 = 0.39 > 0.2: no number of seeds reaches it


def test_a_check_survives_the_metrics_json_round_trip_and_its_text_names_interval_and_resolution():
    import json

    from mnist_helpers.claims.rules import Check

    check = single_run_check(99.3, FIVE, EvalSets.SHARED, delta=0.5)
    record = json.loads(json.dumps(check.record(), allow_nan=False))
    assert Check.from_record(record) == check
    assert check.text.startswith("reproduced: one run of ours falls in [98.98, 99.42]% (ours 99.20, 5 runs; ±0.22")
    one = single_run_check(99.3, [99.2], EvalSets.SHARED, delta=0.5)
    assert json.loads(json.dumps(one.record(), allow_nan=False))["low"] is None
    assert "one run: spread unknown" in one.text


def test_a_capped_run_is_never_judged_against_an_uncapped_figure():
    from mnist_helpers.claims.rules import not_checked

    check = not_checked(99.38, [98.9, 99.0], 6, 60, 0.5)
    assert check.outcome == "not checked at 6 epochs" and math.isnan(check.low)
    assert "needs 60 epochs, ours ran 6" in check.text


def test_every_outcome_maps_to_one_of_the_readers_answers():
    from mnist_helpers.claims.rules import category

    assert [category(o) for o in SINGLE_RUN_OUTCOMES] == [
        "reproduced",
        "not reproduced",
        "not reproduced",
        "could not tell",
    ]
    assert [category(o) for o in PAIRED_OUTCOMES] == [
        "reproduced",
        "not reproduced",
        "not reproduced",
        "could not tell",
    ]
    assert category("corrected") == "corrected" and category("not checked at 6 epochs") == "could not tell"
    assert category("measured; the report gives no figure") == "measured"


def test_a_paired_text_gives_the_equivalence_interval_or_the_difference_with_its_p_value():
    same = paired_comparison([99.0, 99.1, 99.2, 99.1], [99.02, 99.08, 99.21, 99.1], delta=0.5)
    assert same.outcome == "equivalent" and "90% interval" in same.text and "within ±0.50" in same.text
    apart = paired_comparison([99.5, 99.6, 99.7, 99.6], [99.0, 99.1, 99.2, 99.1], delta=0.2)
    assert apart.outcome == "higher" and apart.text.startswith("higher: A − B = +0.50 points, 95% interval")


def test_the_power_row_gives_the_runs_needed_or_says_a_resolution_is_out_of_reach():
    from mnist_helpers.claims.rules import power_row

    check = single_run_check(99.3, FIVE, EvalSets.SHARED, delta=0.5)  # s = √0.005 = 0.0707107
    row = power_row(check)
    assert row["runs"] == 5 and row["sd of one run"] == pytest.approx(0.0707107)
    # ±0.2: the smallest k with t(k−1)·0.0707107·√(1 + 1/k) ≤ 0.2; k = 4: 3.182446·0.0707107·1.118034 = 0.25159;
    # k = 5: 2.776445·0.0707107·1.095445 = 0.215061; k = 6: 2.570582·0.0707107·1.080123 = 0.196334
    assert row["runs for ±0.2"] == 6
    # ±0.1: even unlimited runs reach only z·s = 1.959964·0.0707107 = 0.138590 > 0.1
    assert row["runs for ±0.1"] == "not reachable"


def test_holm_over_paired_comparisons_keeps_only_differences_that_survive_and_never_touches_equivalence():
    from mnist_helpers.claims.rules import holm_paired

    strong = paired_comparison([99.5, 99.6, 99.7, 99.6], [99.0, 99.1, 99.2, 99.1], delta=0.2)  # higher, tiny p
    # differences 0.2, 0.1, 0.3, 0.1: mean 0.175, s = 0.095743, t = 0.175 / 0.047871 = 3.6556 on 3 df, p = 0.0354
    weak = paired_comparison([99.2, 99.1, 99.3, 99.1], [99.0, 99.0, 99.0, 99.0], delta=0.05)
    same = paired_comparison([99.0, 99.1, 99.2, 99.1], [99.02, 99.08, 99.21, 99.1], delta=0.5)
    assert weak.outcome == "higher" and weak.p_value == pytest.approx(0.0354, abs=5e-4)  # alone it stands ...
    family = holm_paired({"weak": weak, "twin": weak, "same": same})  # two differences at p = 0.0354 each
    assert family["same"].outcome == "equivalent" and math.isnan(family["same"].p_value) is False
    assert family["weak"].outcome == family["twin"].outcome == "inconclusive"  # 2p = 0.0707 > 0.05
    assert family["weak"].p_value == pytest.approx(2 * weak.p_value)
    step_down = holm_paired({"strong": strong, "weak": weak})  # p = 0 first: the second is multiplied by 1
    assert step_down["strong"].outcome == step_down["weak"].outcome == "higher"


def test_a_claim_is_reproduced_only_when_the_comparison_comes_out_as_the_report_says():
    from mnist_helpers.claims.rules import claim_outcome

    higher = paired_comparison([99.5, 99.6, 99.7, 99.6], [99.0, 99.1, 99.2, 99.1], delta=0.2)
    same = paired_comparison([99.0, 99.1, 99.2, 99.1], [99.02, 99.08, 99.21, 99.1], delta=0.5)
    assert claim_outcome(higher, "higher") == "reproduced" and claim_outcome(higher, "equivalent") == "not reproduced"
    assert claim_outcome(same, "higher") == "not reproduced" and claim_outcome(same, "equivalent") == "reproduced"
    unclear = paired_comparison([99.0, 99.5, 98.8], [99.1, 99.0, 99.2], delta=0.1)
    assert unclear.outcome == "inconclusive" and claim_outcome(unclear, "higher") == "inconclusive"
    with pytest.raises(ValueError, match="expected"):
        claim_outcome(higher, "better")


def test_joint_outcome_needs_every_part_and_says_partly_when_they_split():
    from mnist_helpers.claims.rules import joint_outcome

    assert joint_outcome(["reproduced", "reproduced"]) == "reproduced"
    assert joint_outcome(["not reproduced", "not reproduced"]) == "not reproduced"
    assert joint_outcome(["not reproduced", "reproduced"]) == "partly reproduced"  # C12, 2026-12-04: one part holds
    assert joint_outcome(["reproduced", "inconclusive"]) == "inconclusive"
    assert joint_outcome(["not reproduced", "inconclusive"]) == "inconclusive"
    with pytest.raises(ValueError, match="claim_outcome"):
        joint_outcome(["higher", "reproduced"])
    with pytest.raises(ValueError):
        joint_outcome([])
