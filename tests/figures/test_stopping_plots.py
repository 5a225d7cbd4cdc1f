"""validation_curves: one solid validation and one dashed training line per run, the best epoch ringed."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from mnist_helpers.figures import stopping_plots

H = pd.DataFrame({"epoch": [1, 2, 3], "train_loss": [0.05, 0.03, 0.02], "val_loss": [0.04, 0.02, 0.025]})


def test_validation_curves_draw_two_lines_per_run_and_ring_the_best_epoch():
    fig = stopping_plots.validation_curves({"a": H, "b": H}, {"a": 2, "b": 3}, title="t")
    ax = fig.axes[0]
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--", "-", "--"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]  # one entry per run
    rings = [c.get_offsets().tolist() for c in ax.collections]
    assert rings == [[[2.0, 0.02]], [[3.0, 0.025]]]
    assert ax.get_title() == "" and fig.get_suptitle() == "t" and ax.get_xlabel() == "Epoch"
    plt.close(fig)


def test_validation_curves_refuse_histories_without_validation_loss():
    with pytest.raises(ValueError, match="patience"):
        stopping_plots.validation_curves({"a": H.drop(columns="val_loss")}, {"a": 1})


def test_panel_sep_puts_each_kind_of_run_in_its_own_panel_labelled_by_the_rest_of_its_name():
    names = ["dense, code 8", "dense, code 64", "conv, code 8"]
    fig = stopping_plots.validation_curves(dict.fromkeys(names, H), dict.fromkeys(names, 2), title="t", panel_sep=", ")
    assert [ax.get_title() for ax in fig.axes] == ["dense", "conv"] and fig.get_suptitle() == "t"
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["code 8", "code 64"]
    assert len(fig.axes[1].lines) == 2
    plt.close(fig)
