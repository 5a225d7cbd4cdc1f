"""Classifier evaluation: every metric against a value computed by hand or by sklearn/scipy on tiny arrays."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn import metrics

from mnist_helpers.measure import metrics as evaluate

Y_TRUE = np.array([0, 0, 1, 1, 2, 2, 2])
Y_PRED = np.array([0, 1, 1, 1, 2, 0, 2])

# Four predictions: confidences 0.9 (right), 0.75 (wrong), 0.65 (right), 0.55 (right); 5 bins of width 0.2.
ECE_PROBS = np.array([[0.9, 0.1], [0.75, 0.25], [0.35, 0.65], [0.45, 0.55]])
ECE_TRUE = np.array([0, 1, 1, 1])
# bin (0.4,0.6]: 1 * |1 - 0.55| = 0.45; bin (0.6,0.8]: 2 * |0.5 - 0.7| = 0.4; bin (0.8,1]: 1 * |1 - 0.9| = 0.1
ECE_BY_HAND = (0.45 + 0.4 + 0.1) / 4


def _pair_predictions(b: int, c: int, both_right: int = 5, both_wrong: int = 3):
    """Labels all 0; A and B right/wrong so that exactly b images favour A and c favour B."""
    a_right = [True] * b + [False] * c + [True] * both_right + [False] * both_wrong
    b_right = [False] * b + [True] * c + [True] * both_right + [False] * both_wrong
    y = np.zeros(len(a_right), dtype=int)
    return y, np.where(a_right, 0, 1), np.where(b_right, 0, 2)


def test_accuracy_is_the_share_of_correct_predictions():
    assert evaluate.accuracy(Y_TRUE, Y_PRED) == pytest.approx(5 / 7)


def test_log_loss_matches_sklearn_on_normalised_probabilities():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.5, 0.25, 0.25]])
    y = np.array([0, 1, 2, 1])
    assert evaluate.log_loss(y, probs) == pytest.approx(metrics.log_loss(y, probs, labels=[0, 1, 2]))


def test_log_loss_clips_zero_probability_to_a_finite_value():
    probs = np.array([[1.0, 0.0], [0.0, 1.0]])
    loss = evaluate.log_loss(np.array([1, 1]), probs)
    assert loss == pytest.approx(-math.log(evaluate.PROB_CLIP) / 2)


def test_confusion_rows_are_true_and_columns_are_predicted():
    expected = np.array([[1, 1, 0], [0, 2, 0], [1, 0, 2]])
    np.testing.assert_array_equal(evaluate.confusion(Y_TRUE, Y_PRED, n_classes=3), expected)


def test_confusion_has_a_row_and_column_for_every_class_even_if_absent():
    assert evaluate.confusion(np.array([1, 1]), np.array([1, 1])).shape == (10, 10)


def test_per_class_report_gives_precision_recall_f1_support_per_digit():
    report = evaluate.per_class_report(Y_TRUE, Y_PRED, n_classes=3)
    np.testing.assert_allclose(report["precision"], [1 / 2, 2 / 3, 1.0])
    np.testing.assert_allclose(report["recall"], [1 / 2, 1.0, 2 / 3])
    np.testing.assert_allclose(report["f1"], [1 / 2, 0.8, 0.8])
    assert report["support"].tolist() == [2, 2, 3]


def test_most_confused_pairs_adds_both_directions_and_sorts_descending():
    cm = np.array([[50, 3, 1], [4, 40, 0], [0, 2, 30]])
    pairs = evaluate.most_confused_pairs(cm, k=5)
    assert pairs["pair"].tolist() == ["0↔1", "1↔2", "0↔2"]
    assert pairs[["a_to_b", "b_to_a", "total"]].values.tolist() == [[3, 4, 7], [0, 2, 2], [1, 0, 1]]


def test_most_confused_pairs_ordered_keeps_directions_apart():
    cm = np.array([[50, 3, 1], [4, 40, 0], [0, 2, 30]])
    pairs = evaluate.most_confused_pairs(cm, k=2, symmetric=False)
    assert pairs[["true", "predicted", "count"]].values.tolist() == [[1, 0, 4], [0, 1, 3]]


def test_misclassified_lists_wrong_predictions_most_confident_first():
    probs = np.array([[0.6, 0.4], [0.2, 0.8], [0.9, 0.1], [0.3, 0.7]])
    wrong = evaluate.misclassified(np.array([1, 1, 1, 0]), probs)
    assert wrong["index"].tolist() == [2, 3, 0]
    assert wrong["predicted"].tolist() == [0, 1, 0]
    np.testing.assert_allclose(wrong["confidence"], [0.9, 0.7, 0.6])


def test_reliability_bins_put_an_edge_confidence_in_the_lower_bin():
    bins = evaluate.reliability_bins(np.array([0]), np.array([[0.5, 0.5]]), n_bins=2)
    assert bins["count"].tolist() == [1, 0]


def test_reliability_bins_report_mean_confidence_and_accuracy_per_bin():
    bins = evaluate.reliability_bins(ECE_TRUE, ECE_PROBS, n_bins=5)
    assert bins["count"].tolist() == [0, 0, 1, 2, 1]
    np.testing.assert_allclose(bins["mean_confidence"][2:], [0.55, 0.7, 0.9])
    np.testing.assert_allclose(bins["accuracy"][2:], [1.0, 0.5, 1.0])


def test_expected_calibration_error_matches_hand_computation():
    assert evaluate.expected_calibration_error(ECE_TRUE, ECE_PROBS, n_bins=5) == pytest.approx(ECE_BY_HAND)


def test_mcnemar_exact_p_value_matches_scipy_binomtest():
    result = evaluate.mcnemar(*_pair_predictions(b=10, c=2))
    assert (result["b"], result["c"]) == (10, 2)
    assert result["p_value"] == pytest.approx(stats.binomtest(2, 12, 0.5).pvalue)
    assert result["better"] == "A" and result["significant"]


def test_mcnemar_chi2_uses_continuity_correction():
    result = evaluate.mcnemar(*_pair_predictions(b=10, c=2), method="chi2")
    assert result["statistic"] == pytest.approx(49 / 12)
    assert result["p_value"] == pytest.approx(stats.chi2.sf(49 / 12, df=1))


def test_mcnemar_without_disagreements_finds_no_difference():
    result = evaluate.mcnemar(*_pair_predictions(b=0, c=0))
    assert result["p_value"] == 1.0 and result["better"] is None and not result["significant"]


def test_summarize_runs_uses_sample_standard_deviation():
    assert evaluate.summarize_runs([1.0, 2.0, 3.0]) == pytest.approx((2.0, 1.0))


def test_format_mean_std_rounds_both_numbers():
    assert evaluate.format_mean_std(99.1234, 0.0456, 2) == "99.12 ± 0.05"


def test_format_mean_std_of_a_single_run_shows_only_the_mean():
    mean, std = evaluate.summarize_runs([98.93])
    assert evaluate.format_mean_std(mean, std, 2) == "98.93"


def test_evaluate_classifier_bundles_metrics_as_json():
    summary = json.loads(json.dumps(evaluate.evaluate_classifier(ECE_TRUE, ECE_PROBS, n_bins=5)))
    assert summary["accuracy"] == pytest.approx(0.75)
    assert summary["ece"] == pytest.approx(ECE_BY_HAND)
    assert summary["confusion"] == [[1, 0], [1, 2]]


def test_probabilities_of_the_wrong_shape_name_the_parameter():
    with pytest.raises(ValueError, match="probs"):
        evaluate.log_loss(np.array([0, 1]), np.array([0.3, 0.7]))


def test_pair_overlap_counts_claimed_pairs_among_the_top_in_either_order():
    pairs = pd.DataFrame({"pair": ["4↔9", "3↔5", "2↔7", "5↔6"]})
    assert evaluate.pair_overlap(pairs, ("7↔2", "9↔4", "6↔5"), top=3) == 2  # 5↔6 is fourth
    assert evaluate.pair_overlap(pairs, ("7↔2", "9↔4", "6↔5"), top=4) == 3


def test_identical_confusion_matrices_rank_pairs_identically():
    cm = np.diag([100] * 10)
    cm[2, 7], cm[4, 9], cm[5, 6], cm[3, 8] = 9, 7, 5, 1
    s = evaluate.pair_ranking_stability([cm, cm.copy()], top=3)
    assert s["kendall_tau"] == pytest.approx(1.0) and s["top_overlap"] == 1.0 and s["top_in_all"] == 3


def test_reordered_top_pairs_lower_the_stability():
    a = np.diag([100] * 10)
    a[2, 7], a[4, 9], a[5, 6], a[3, 8] = 9, 7, 5, 1
    b = np.diag([100] * 10)
    b[2, 7], b[4, 9], b[5, 6], b[3, 8] = 1, 7, 5, 9
    s = evaluate.pair_ranking_stability([a, b], top=3)
    assert s["kendall_tau"] < 1 and s["top_overlap"] == pytest.approx(2 / 3) and s["top_in_all"] == 2


def test_pair_ranking_needs_two_runs():
    with pytest.raises(ValueError, match="at least two"):
        evaluate.pair_ranking_stability([np.eye(10)])


def test_fmt_pct_formats_once_with_a_percent_sign():
    assert evaluate.fmt_pct(98.93) == "98.93%" and evaluate.fmt_pct(98.9300001, digits=1) == "98.9%"
    assert evaluate.fmt_pct(math.nan) == "—" and evaluate.fmt_pct(None) == "—"


def test_pooled_pair_ranking_shows_ties_as_ties_and_counts_the_runs_each_pair_tops():
    from mnist_helpers.measure.metrics import pooled_pair_ranking

    def cm(**pairs):
        m = np.zeros((4, 4), dtype=int)
        for name, count in pairs.items():
            a, b = int(name[1]), int(name[2])
            m[a, b] = count
        return m

    runs = [cm(p01=5, p23=3, p02=3, p13=1), cm(p01=4, p23=3, p02=1, p13=3)]
    table = pooled_pair_ranking(runs, top=2, k=3)
    assert table["pair"].tolist() == ["0↔1", "2↔3", "0↔2", "1↔3"]  # 0↔2 and 1↔3 tie at 4: both kept
    assert table["confusions"].tolist() == [9, 6, 4, 4]
    assert table["rank"].tolist() == ["1", "2", "3=", "3="]
    assert table["top"].tolist() == [True, True, False, False]
    # run 1: 0↔1 5, then 2↔3 and 0↔2 tied at 3 (both in its top 2); run 2: 0↔1 4, then 2↔3 and 1↔3 tied at 3
    assert table["runs_in_top"].tolist() == [2, 2, 1, 1]


def test_the_mean_over_seeds_comes_with_the_t_interval_of_that_mean_computed_by_hand():
    from mnist_helpers.measure.metrics import format_interval, mean_interval

    s = mean_interval([1.0, 2.0, 3.0])  # mean 2, sd 1, t(0.975, 2 df) = 4.302653: half-width 4.302653 / sqrt(3)
    assert s["mean"] == 2.0 and s["sd"] == 1.0 and s["n"] == 3
    assert s["low"] == pytest.approx(2 - 2.484138, abs=1e-6) and s["high"] == pytest.approx(2 + 2.484138, abs=1e-6)
    assert format_interval(s, 1) == "2.0 (95% interval of the mean -0.5 to 4.5, 3 seeds)"
    one = mean_interval([0.7])
    assert math.isnan(one["low"]) and format_interval(one, 1, "%") == "0.7% (1 seed)"
    with pytest.raises(ValueError, match="empty"):
        mean_interval([])
