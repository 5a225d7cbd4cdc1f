"""Verdicts on claims of fact, on figures the reports do not give, and caps (figures are judged in test_rules)."""

import numpy as np
import pytest

from mnist_helpers.claims import verdicts as claims
from mnist_helpers.claims.verdicts import fact_verdict, measured_verdict, percent


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


def test_a_cap_needs_its_reason_and_effect():
    assert claims.cap("epochs", 60, 8, "budget", "lower accuracy")["ours"] == 8
    with pytest.raises(ValueError, match="reason"):
        claims.cap("epochs", 60, 8, "", "lower accuracy")
