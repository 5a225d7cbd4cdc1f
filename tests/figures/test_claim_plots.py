"""The verdict figures draw what they are given, on axes that let tenths of a point be read."""

import matplotlib

matplotlib.use("Agg")

import pytest

from mnist_helpers.claims.verdicts import accuracy_verdict, epochs_gate, gap_verdict
from mnist_helpers.figures.claim_plots import paired_gap, verdict_dots


def test_verdict_dots_has_one_row_per_claim_and_an_axis_around_the_figures():
    verdicts = {
        "C1 at epoch 8": accuracy_verdict([98.9, 99.0, 98.95], 8400, 98.87, 8400),
        "C5": accuracy_verdict([98.9, 99.1], 10000, 98.93, 10000),
        "C1 (60 epochs)": epochs_gate(None, 8, 60, 99.38, [98.9, 99.0]),
    }
    fig = verdict_dots(verdicts)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(reversed(list(verdicts)))
    low, high = ax.get_xlim()
    assert 97.5 < low < 98.8 and 99.5 < high < 100.5


def test_verdict_dots_rejects_an_empty_mapping():
    with pytest.raises(ValueError, match="verdicts is empty"):
        verdict_dots({})


def test_paired_gap_axis_does_not_start_at_zero():
    acc = {"adam": [99.0, 99.1, 98.95], "rmsprop": [98.8, 98.9, 98.85]}
    gap = gap_verdict([0.2, 0.2, 0.1], 10000, (99.02, 98.85))
    fig = paired_gap(acc, [0, 1, 2], gap)
    low, high = fig.axes[0].get_ylim()
    assert 98.5 < low < 98.8 and 99.1 < high < 99.5
    assert "inconclusive" in fig.axes[1].get_title()


def test_verdict_dots_or_note_shows_the_note_when_there_are_no_verdicts():
    from mnist_helpers.figures.claim_plots import verdict_dots_or_note

    fig = verdict_dots_or_note({}, "nothing yet")
    assert [t.get_text() for t in fig.axes[0].texts] == ["nothing yet"]
