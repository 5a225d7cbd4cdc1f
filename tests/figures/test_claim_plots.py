"""The verdict figures draw what they are given, on axes that let tenths of a point be read."""

import matplotlib

matplotlib.use("Agg")

import pytest

from mnist_helpers.claims.rules import EvalSets, not_checked, single_run_check, single_runs_gap_check
from mnist_helpers.figures.claim_plots import CATEGORY_COLOURS, check_dots, check_dots_or_note, paired_gap


def test_check_dots_has_one_row_per_figure_coloured_by_its_answer_and_an_axis_around_the_figures():
    checks = {
        "C1": single_run_check(99.38, [99.30, 99.35, 99.40, 99.33, 99.36], EvalSets.OWN_SPLITS, delta=0.5),
        "C5": single_run_check(98.93, [99.10, 99.15, 99.20, 99.12, 99.18], EvalSets.SHARED, delta=0.5),
        "C2": not_checked(98.94, [98.9, 99.0], 8, 60, 0.5),
    }
    fig = check_dots(checks)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(reversed(list(checks)))
    low, high = ax.get_xlim()
    assert 98.5 < low < 98.93 and 99.4 < high < 99.8
    colours = {t.get_text(): t.get_color() for t in ax.texts}
    assert colours["reproduced"] == CATEGORY_COLOURS["reproduced"]
    assert colours["below our runs"] == CATEGORY_COLOURS["not reproduced"]
    assert colours["not checked at 8 epochs"] == CATEGORY_COLOURS["could not tell"]


def test_check_dots_rejects_an_empty_mapping():
    with pytest.raises(ValueError, match="checks is empty"):
        check_dots({})


def test_paired_gap_axis_does_not_start_at_zero():
    acc = {"adam": [99.0, 99.1, 98.95], "rmsprop": [98.8, 98.9, 98.85]}
    gap = single_runs_gap_check(0.44, acc["adam"], acc["rmsprop"], EvalSets.OWN_SPLITS, delta=0.5)
    fig = paired_gap(acc, [0, 1, 2], gap)
    low, high = fig.axes[0].get_ylim()
    assert 98.5 < low < 98.8 and 99.1 < high < 99.5
    assert gap.outcome in fig.axes[1].get_title()


def test_check_dots_or_note_shows_the_note_when_there_are_no_checks():
    fig = check_dots_or_note({}, "nothing yet")
    assert [t.get_text() for t in fig.axes[0].texts] == ["nothing yet"]


def test_prediction_bands_draw_a_panel_per_optimizer_and_mark_the_authors_epochs_outside_the_band():
    import numpy as np

    from mnist_helpers.claims.headline import epoch_by_epoch
    from mnist_helpers.figures.claim_plots import prediction_bands

    ours = {o: np.array([[90.0, 98.0, 98.5], [90.5, 98.1, 98.6], [91.0, 98.05, 98.55]]) for o in ("adam", "rmsprop")}
    table = epoch_by_epoch(ours, {"adam": [90.5, 98.05, 99.9], "rmsprop": [90.5, 98.05, 98.55]})
    fig = prediction_bands(table)
    assert [ax.get_title() for ax in fig.axes] == ["adam", "rmsprop"]
    marked = next(line for line in fig.axes[0].lines if line.get_label() == "author's epoch outside the band")
    assert list(marked.get_xdata()) == [3]  # adam's epoch 3 (99.9) only
    low, _ = fig.axes[0].get_ylim()
    assert low > 97  # zoomed on the epochs from 2 on


def test_figure_html_embeds_a_retina_png_with_its_alt_text_and_its_css_width():
    import base64
    import re

    import matplotlib.pyplot as plt

    from mnist_helpers.figures import figure_html

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1])
    html = figure_html(fig, 'Line "up" & right', "A <line>.", dpi=100)
    assert 'alt="Line &quot;up&quot; &amp; right"' in html and "<figcaption>A &lt;line&gt;.</figcaption>" in html
    png = base64.b64decode(re.search(r"base64,([^\"]+)", html).group(1))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    css_width = int(re.search(r"width:(\d+)px", html).group(1))
    assert int.from_bytes(png[16:20], "big") in (2 * css_width - 1, 2 * css_width, 2 * css_width + 1)
    assert 200 < css_width <= 300  # a 3-inch figure at 100 per inch, less the tight crop
    with pytest.raises(ValueError, match="alt is empty"):
        figure_html(fig, "  ", "caption")
    plt.close(fig)
