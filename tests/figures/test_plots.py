"""Figures: every plot function returns a titled Figure with labelled axes (image grids: titled panels or rows)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from mnist_helpers.figures import plots
from mnist_helpers.measure import compress

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, size=(12, 28, 28), dtype=np.uint8)
LABELS = np.arange(12) % 10


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _chart_axes(fig: Figure) -> list:
    """Axes that draw data (not colorbars)."""
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]


def assert_labelled_chart(fig: Figure) -> None:
    assert isinstance(fig, Figure)
    for ax in _chart_axes(fig):
        assert ax.get_xlabel(), "x label missing"
        assert ax.get_ylabel(), "y label missing"
        assert not ax.get_title(), "a title repeats the book's caption: pass title= only outside the book"


def assert_titled_grid(fig: Figure) -> None:
    """A grid of image panels, with no figure title (the caption gives it) unless one was passed."""
    assert isinstance(fig, Figure) and fig.axes
    assert fig._suptitle is None, "a figure title repeats the book's caption"


def _history(offset: float) -> pd.DataFrame:
    epochs = np.arange(1, 4)
    return pd.DataFrame(
        {
            "epoch": epochs,
            "train_loss": 1 / epochs + offset,
            "train_acc": 0.9 + 0.01 * epochs,
            "test_loss": 1.1 / epochs + offset,
            "test_acc": 0.89 + 0.01 * epochs - offset,
        }
    )


def test_sample_grid_titles_each_image_with_its_label():
    fig = plots.sample_grid(IMAGES, LABELS, ncols=5)
    assert_titled_grid(fig)
    assert [ax.get_title() for ax in fig.axes[:12]] == [str(x) for x in LABELS]


def test_augmentation_grid_names_each_row():
    fig = plots.augmentation_grid([IMAGES[:4], IMAGES[4:8]], ["rotate", "crop"])
    assert_titled_grid(fig)
    assert [fig.axes[0].get_ylabel(), fig.axes[4].get_ylabel()] == ["rotate", "crop"]


def test_augmentation_grid_needs_one_label_per_row():
    with pytest.raises(ValueError, match="row_labels"):
        plots.augmentation_grid([IMAGES[:4], IMAGES[4:8]], ["rotate"])


def test_label_counts_bar_is_labelled():
    assert_labelled_chart(plots.label_counts_bar(np.full(10, 6000), np.full(10, 1000)))


def test_mean_images_shows_one_titled_panel_per_digit():
    fig = plots.mean_images(IMAGES, LABELS)
    assert_titled_grid(fig)
    assert [ax.get_title() for ax in fig.axes] == [str(d) for d in range(10)]


def test_pixel_histogram_is_labelled_and_names_the_share_of_the_zero_bar():
    images = np.zeros((4, 28, 28), dtype=np.uint8)
    images[:, :7] = 255  # a quarter of the pixels white, the rest black
    fig = plots.pixel_histogram(images)
    assert_labelled_chart(fig)
    notes = [t.get_text() for t in fig.axes[0].texts]
    assert notes == ["0 (background): 75% of pixels"]
    assert fig.axes[0].get_xlim()[0] < -1  # the zero bar stands clear of the axis


def test_pixel_histogram_rejects_float_images():
    with pytest.raises(ValueError, match="uint8"):
        plots.pixel_histogram(IMAGES / 255.0)


def test_angle_histogram_is_labelled():
    angles = {"±10°": RNG.uniform(-10, 10, 500), "factor 0.1 (±36°)": RNG.uniform(-36, 36, 500)}
    assert_labelled_chart(plots.angle_histogram(angles))


def test_learning_curves_draw_a_band_for_several_runs():
    fig = plots.learning_curves({"adam": [_history(0.0), _history(0.01)], "rmsprop": _history(0.02)})
    assert_labelled_chart(fig)
    assert len(fig.axes[0].collections) >= 2  # std bands (adam train and test)


def test_learning_curves_zoom_short_runs_beside_a_long_reference_and_name_the_held_out_split():
    long = pd.DataFrame({c: np.linspace(0.5, 0.99, 60) for c in ("train_acc", "test_acc", "train_loss", "test_loss")})
    long["epoch"] = np.arange(1, 61)
    fig = plots.learning_curves({"author's log": long, "ours": _history(0.0)}, held_out="validation", zoom_epochs=3)
    whole, zoomed = fig.axes
    assert whole.get_xlim()[1] >= 60 and zoomed.get_xlim()[1] < 4  # the enlarged panel shows epochs 1-3 only
    legend = [t.get_text() for t in whole.get_legend().texts]
    assert "validation" in legend and "training" in legend and "test" not in legend
    assert zoomed.get_legend() is None  # one legend for both panels
    assert whole.get_ylabel() == "Accuracy (%)" and whole.get_ylim()[1] > 90  # percent, as the text states it
    with pytest.raises(ValueError, match="zoom_epochs"):
        plots.learning_curves({"ours": _history(0.0)}, zoom_epochs=0)


def test_learning_curves_reject_an_unknown_metric():
    with pytest.raises(ValueError, match="metric"):
        plots.learning_curves({"adam": _history(0.0)}, metric="f1")


def test_misclassified_gallery_titles_true_predicted_and_confidence():
    fig = plots.misclassified_gallery(IMAGES[:3], [7, 4, 5], [2, 9, 6], [0.98, 0.7, 0.51])
    assert_titled_grid(fig)
    assert fig.axes[0].get_title() == "7 → 2\n0.98"


def test_reconstruction_grid_has_one_row_per_method_under_the_originals():
    originals = IMAGES / 255.0
    fig = plots.reconstruction_grid(originals, {"dense": originals * 0.9, "pca": originals * 0.8}, n=5)
    assert_titled_grid(fig)
    assert [fig.axes[i].get_ylabel() for i in (0, 5, 10)] == ["original", "dense", "pca"]


def test_rate_distortion_draws_one_line_per_method():
    rows = [
        {"method": m, "code_size": k, "mse": 0.1 / k, "psnr": 10 + k / 4, "ssim": 0.5}
        for m in ("dense", "conv", "pca")
        for k in (8, 16, 32)
    ]
    fig = plots.rate_distortion(compress.rate_distortion_table(rows), x="code_size")
    assert_labelled_chart(fig)
    assert len(fig.axes[0].get_lines()) >= 3


def test_rate_distortion_draws_a_bar_of_each_points_half_width_and_none_where_there_is_none():
    from matplotlib.collections import LineCollection

    rows = [
        {"method": m, "code_size": k, "mse": 0.1 / k, "psnr": 10 + k / 4, "ssim": 0.5}
        for m in ("conv", "pca")
        for k in (8, 32)
    ]
    table = compress.rate_distortion_table(rows)
    table["psnr_half"] = [0.5, 1.5, float("nan"), float("nan")]  # conv over seeds; pca one fit
    fig = plots.rate_distortion(table, x="code_size")
    bars = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]
    spans = sorted(round(float(seg[1][1] - seg[0][1]), 6) for c in bars for seg in c.get_segments())
    assert spans == [1.0, 3.0]  # two bars, each twice its half-width; none for pca


def test_rate_distortion_rejects_an_unknown_column():
    rows = [{"method": "pca", "code_size": 8, "mse": 0.1, "psnr": 10.0, "ssim": 0.5}]
    with pytest.raises(ValueError, match="y='accuracy'"):
        plots.rate_distortion(compress.rate_distortion_table(rows), y="accuracy")


def test_code_scatter_writes_each_digit_at_its_codes_median_and_samples_large_sets():
    codes = np.repeat(np.arange(10.0)[:, None], 2, axis=1).repeat(500, axis=0)  # digit d's codes all at (d, d)
    labels = np.arange(10).repeat(500)
    fig = plots.code_scatter(codes + RNG.normal(scale=0.01, size=codes.shape), labels, max_points=1000)
    assert_labelled_chart(fig)
    ax = fig.axes[0]
    placed = {t.get_text(): t.get_position() for t in ax.texts}
    assert sorted(placed, key=int) == [str(d) for d in range(10)]
    assert all(abs(x - int(d)) < 0.05 and abs(y - int(d)) < 0.05 for d, (x, y) in placed.items())
    assert sum(len(c.get_offsets()) for c in ax.collections) == 1000  # a sample, not all 5,000
    colours = {tuple(np.round(c.get_facecolor()[0][:3], 3)) for c in ax.collections}
    assert len(colours) == 10  # one distinct hue per digit
    with pytest.raises(ValueError, match="one label per code"):
        plots.code_scatter(codes, labels[:10])
