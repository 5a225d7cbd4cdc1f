"""Chapter 7's charts: the confusion heatmap (rows true, columns predicted) and the reliability diagram."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mnist_helpers.figures import classifier_plots
from mnist_helpers.measure import metrics as evaluate
from tests.figures.test_plots import LABELS, RNG, assert_labelled_chart


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("normalize", [False, True])
def test_confusion_heatmap_labels_predicted_and_true_digits(normalize):
    cm = evaluate.confusion(LABELS, (LABELS + (LABELS == 7)) % 10)
    fig = classifier_plots.confusion_heatmap(cm, normalize=normalize)
    assert_labelled_chart(fig)
    assert (fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()) == ("Predicted digit", "True digit")
    colours = fig.axes[0].collections[0].get_array()  # the colour scale is for mistakes: the diagonal is masked
    assert np.ma.getmaskarray(colours).reshape(cm.shape).diagonal().all()
    assert not np.ma.getmaskarray(colours).reshape(cm.shape)[~np.eye(len(cm), dtype=bool)].any()
    assert {t.get_text() for t in fig.axes[0].texts} >= {format(cm[i, i], "d") for i in range(len(cm)) if not normalize}


def test_reliability_diagram_is_labelled_and_shows_the_ece():
    probs = RNG.dirichlet(np.ones(10), size=200)
    y = RNG.integers(0, 10, 200)
    bins = evaluate.reliability_bins(y, probs)
    fig = classifier_plots.reliability_diagram(bins, evaluate.expected_calibration_error(y, probs))
    assert_labelled_chart(fig)
    assert any("ECE" in t.get_text() and "points" in t.get_text() for t in fig.axes[0].texts)
