"""Verdict rules for the results table."""

from mnist_helpers.claims import accuracy_verdict, percent


def test_within_tolerance_is_reproduced():
    assert accuracy_verdict(98.93, [98.97]) == "reproduced"


def test_spread_over_seeds_widens_the_margin():
    assert accuracy_verdict(99.0, [99.1, 99.7, 99.4]) == "reproduced"
    assert accuracy_verdict(99.0, [99.40, 99.41, 99.42]).startswith("not reproduced (ours higher by 0.41")


def test_lower_result_says_lower():
    assert accuracy_verdict(99.38, [99.0]) == "not reproduced (ours lower by 0.38 points)"


def test_percent_converts_fractions():
    assert percent(0.5) == [50.0] and percent([0.1, 0.2]) == [10.0, 20.0]
