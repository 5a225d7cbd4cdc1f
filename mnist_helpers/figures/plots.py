"""Figures for the book: each function takes data and returns a matplotlib Figure, untitled unless given a title
(the book's captions say what each shows)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from mnist_helpers.data.mnist import PIXELS, SIDE
from mnist_helpers.figures.style import OKABE_ITO

PALETTE = sns.color_palette(OKABE_ITO)  # one colour per series, in this order, in every figure
PANEL = 1.1  # inches per image panel in grids
WIDE = (8.0, 4.5)  # inches, width x height of single-axes charts
IMAGE_CMAP = "gray"  # white digit on black, as stored in the IDX files
LABEL_SIZE = 12  # pt: panel titles and row labels of image grids, readable once the book scales the figure down
ANNOT_SIZE = 10  # pt: numbers inside heatmap cells (a 4-digit count still fits a 10 x 10 matrix's cell)

_LABELS = {  # axis labels with units, by DataFrame column
    "ratio": "Compression ratio (input values / code values)",
    "bit_ratio": "Compression ratio (input bits / code bits)",
    "code_size": "Code size (values per image)",
    "psnr": "PSNR (dB, mean over images)",
    "mse": "MSE (per pixel, images in [0, 1])",
    "ssim": "SSIM (mean over images, 1 = identical)",
}


def _image_limits(images: np.ndarray) -> tuple[float | None, float | None]:
    """Fixed grey scale for uint8 (0-255) or [0, 1] images; autoscale anything else (e.g. normalised)."""
    if images.dtype == np.uint8:
        return 0, 255
    if images.size and images.min() >= 0 and images.max() <= 1:
        return 0, 1
    return None, None


def _as_images(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) from (N, 28, 28), (N, 1, 28, 28), (N, 28, 28, 1) or (N, 784)."""
    x = np.asarray(images)
    if x.ndim == 2 and x.shape[1] == PIXELS:
        return x.reshape(-1, SIDE, SIDE)
    if x.ndim == 4 and x.shape[1] == 1:
        return x[:, 0]
    if x.ndim == 4 and x.shape[-1] == 1:
        return x[..., 0]
    if x.ndim != 3:
        raise ValueError(f"images must be (N, H, W), (N, 1, H, W), (N, H, W, 1) or (N, 784), got {x.shape}")
    return x


def _image_panel(ax, image: np.ndarray, limits: tuple) -> None:
    """Show one grey image with no ticks (spines hidden) so a y-label can still name the row."""
    ax.imshow(image, cmap=IMAGE_CMAP, vmin=limits[0], vmax=limits[1])
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _grid(n: int, ncols: int, title_lines: int = 1) -> tuple[Figure, np.ndarray]:
    """Figure with room for n image panels in rows of ncols, each with a title of title_lines lines."""
    nrows = max(1, -(-n // ncols))
    row_height = PANEL + 0.2 * title_lines  # inches: image plus its title
    fig, axes = plt.subplots(nrows, ncols, figsize=(PANEL * ncols, row_height * nrows + 0.6), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    return fig, axes


def _titled_panels(
    images: np.ndarray, labels: Sequence | np.ndarray, ncols: int, limits: tuple, title: str | None
) -> Figure:
    """A grid of image panels, each titled with its label, on one grey scale (`limits`)."""
    fig, axes = _grid(len(images), ncols)
    for ax, image, label in zip(axes.flat, images, labels):
        _image_panel(ax, image, limits)
        ax.set_title(str(label), fontsize=LABEL_SIZE)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def sample_grid(images: np.ndarray, labels: Sequence[int], ncols: int = 10, title: str | None = None) -> Figure:
    """Images in a grid, each titled with its label."""
    images = _as_images(images)
    return _titled_panels(images, labels, ncols, _image_limits(images), title)


def augmentation_grid(
    rows_of_images: Sequence[np.ndarray],
    row_labels: Sequence[str],
    title: str | None = None,
) -> Figure:
    """One row per transform (row label on the left), one column per image or random draw."""
    rows = [_as_images(r) for r in rows_of_images]
    if len(rows) != len(row_labels):
        raise ValueError(f"row_labels needs one label per row: {len(row_labels)} labels for {len(rows)} rows")
    ncols = max(len(r) for r in rows)
    fig, axes = plt.subplots(len(rows), ncols, figsize=(PANEL * ncols + 1.2, PANEL * len(rows) + 0.6), squeeze=False)
    for axes_row, images, label in zip(axes, rows, row_labels):
        limits = _image_limits(images)
        for ax in axes_row[len(images) :]:
            ax.set_axis_off()
        for ax, image in zip(axes_row, images):
            _image_panel(ax, image, limits)
        axes_row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=LABEL_SIZE)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def label_counts_bar(train_counts: Sequence[int], test_counts: Sequence[int], title: str | None = None) -> Figure:
    """Grouped bars of images per digit for the train and test sets."""
    df = pd.DataFrame(
        {
            "digit": np.tile(np.arange(len(train_counts)), 2),
            "count": np.concatenate([train_counts, test_counts]),
            "split": ["train"] * len(train_counts) + ["test"] * len(test_counts),
        }
    )
    fig, ax = plt.subplots(figsize=WIDE)
    sns.barplot(df, x="digit", y="count", hue="split", palette=PALETTE[:2], ax=ax)
    ax.set(xlabel="Digit", ylabel="Images (count)", title=title or "")
    return fig


def mean_images(images: np.ndarray, labels: np.ndarray, title: str | None = None) -> Figure:
    """The pixel-wise mean image of each class, on one shared grey scale."""
    images, labels = _as_images(images).astype(np.float64), np.asarray(labels)
    classes = np.unique(labels)
    means = np.stack([images[labels == c].mean(axis=0) for c in classes])
    return _titled_panels(means, classes, len(classes), (float(means.min()), float(means.max())), title)


def pixel_histogram(images: np.ndarray, title: str | None = None) -> Figure:
    """Count of each 8-bit pixel value, log-scaled, so the many grey levels between 0 and 255 show."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 (raw MNIST), got {images.dtype}; pass the arrays load_mnist returns")
    counts = np.bincount(images.ravel(), minlength=256)  # by hand: bincount is ~10x faster than np.histogram here
    fig, ax = plt.subplots(figsize=WIDE)
    ax.bar(np.arange(256), counts, width=1.0, color=PALETTE[0])
    ax.set_yscale("log")
    ax.set(
        xlabel="Pixel value (0-255, 8-bit grey level)",
        ylabel="Pixels (count, log scale)",
        title=title or "",
        xlim=(-8, 263),  # room either side: the 0 and 255 bars stand clear of the axes
    )
    ax.annotate(  # the background's bar, most of all pixels, named with its share
        f"0 (background): {100 * counts[0] / counts.sum():.0f}% of pixels",
        (0, counts[0]),
        xytext=(8, 0),
        textcoords="offset points",
        va="center",
    )
    return fig


def angle_histogram(angles_by_name: dict[str, np.ndarray], title: str | None = None) -> Figure:
    """Overlaid histograms of sampled rotation angles, one per augmentation setting."""
    df = pd.concat(
        [pd.DataFrame({"angle": np.asarray(a, dtype=float), "setting": name}) for name, a in angles_by_name.items()],
        ignore_index=True,
    )
    fig, ax = plt.subplots(figsize=WIDE)
    sns.histplot(
        df, x="angle", hue="setting", palette=PALETTE[: len(angles_by_name)], element="step", binwidth=1.0, ax=ax
    )
    ax.set(xlabel="Rotation angle (degrees)", ylabel="Draws (count)", title=title or "")
    return fig


def learning_curves(
    histories: dict[str, Sequence[pd.DataFrame] | pd.DataFrame],
    metric: str = "accuracy",
    title: str | None = None,
    ylabel: str | None = None,
    held_out: str = "test",
    zoom_epochs: int | None = None,
) -> Figure:
    """Held-out (solid) and training (dashed) metric per epoch, one colour per name; mean ± std band over runs.

    A history is a DataFrame with columns epoch, train_loss, train_acc, test_loss, test_acc; `held_out` names
    what its ``test_*`` columns were measured on in the legend ("validation" where that is what they are). With
    `zoom_epochs`, a second panel shows epochs 1 to `zoom_epochs` alone: short runs beside a long reference
    (a 60-epoch log) are otherwise squeezed into the first few ticks.
    """
    column = {"accuracy": "acc", "loss": "loss"}.get(metric)
    if column is None:
        raise ValueError(f"metric must be 'accuracy' or 'loss', got {metric!r}")
    frames = []
    for name, runs in histories.items():
        for run, h in enumerate([runs] if isinstance(runs, pd.DataFrame) else runs):
            for split, label in (("test", held_out), ("train", "training")):
                frames.append(
                    pd.DataFrame(
                        {
                            "epoch": h["epoch"],
                            "value": h[f"{split}_{column}"],
                            "model": name,
                            "split": label,
                            "run": run,
                        }
                    )
                )
    df = pd.concat(frames, ignore_index=True)
    if metric == "accuracy" and df["value"].max() <= 1.0:
        df["value"] *= 100  # histories hold fractions; the book states accuracy in percent
    if ylabel is None:
        ylabel = {"accuracy": "Accuracy (%)", "loss": "Loss (mean cross-entropy, nats)"}[metric]
    if zoom_epochs is not None and zoom_epochs < 1:
        raise ValueError(f"zoom_epochs must be a positive number of epochs, got {zoom_epochs}")
    panels = [df] if zoom_epochs is None else [df, df[df["epoch"] <= zoom_epochs]]
    fig, axes = plt.subplots(
        1, len(panels), figsize=(WIDE[0] * (1.5 if len(panels) > 1 else 1), WIDE[1]), squeeze=False
    )
    for i, (ax, data) in enumerate(zip(axes[0], panels, strict=True)):
        sns.lineplot(
            data,
            x="epoch",
            y="value",
            hue="model",
            hue_order=list(histories),
            style="split",
            style_order=[held_out, "training"],
            palette=PALETTE[: len(histories)],
            errorbar="sd",
            marker="o" if i or len(panels) == 1 else None,
            ax=ax,
            legend=i == 0,
        )
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set(xlabel="Epoch", ylabel=ylabel if i == 0 else "")
    if len(panels) > 1:
        axes[0][0].set_title(f"All {int(df['epoch'].max())} epochs", fontsize="medium")
        axes[0][1].set_title(f"Epochs 1–{zoom_epochs}, enlarged", fontsize="medium")
    fig.suptitle(title or "")
    fig.tight_layout()
    return fig


def misclassified_gallery(
    images: np.ndarray,
    true: Sequence[int],
    pred: Sequence[int],
    confidence: Sequence[float],
    ncols: int = 8,
    title: str | None = None,
) -> Figure:
    """Grid of wrongly classified images, each titled 'true → predicted' and the model's confidence."""
    images = _as_images(images)
    fig, axes = _grid(len(images), ncols, title_lines=2)
    limits = _image_limits(images)
    for ax, image, t, p, c in zip(axes.flat, images, true, pred, confidence):
        _image_panel(ax, image, limits)
        ax.set_title(f"{t} → {p}\n{c:.2f}", fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def reconstruction_grid(
    originals: np.ndarray,
    recon_by_name: dict[str, np.ndarray],
    n: int = 10,
    title: str | None = None,
) -> Figure:
    """First n originals on the top row, then one row of reconstructions per method."""
    rows = [_as_images(originals)[:n]] + [_as_images(r)[:n] for r in recon_by_name.values()]
    return augmentation_grid(rows, ["original", *recon_by_name], title=title or "")


def rate_distortion(
    df: pd.DataFrame,
    x: str = "ratio",
    y: str = "psnr",
    title: str | None = None,
) -> Figure:
    """One line per method of y (psnr, mse or ssim) against x (ratio, bit_ratio or code_size), x on a log scale;
    with a `<y>_half` column (measure.over_seeds), an error bar of that half-width at each point.

    df is compress.rate_distortion_table's output (columns method, code_size, ratio, ...).
    """
    for name, value in (("x", x), ("y", y)):
        if value not in df.columns or value not in _LABELS:
            raise ValueError(
                f"{name}={value!r} is not a plottable column; use one of {sorted(set(_LABELS) & set(df.columns))}"
            )
    methods = list(dict.fromkeys(df["method"]))
    fig, ax = plt.subplots(figsize=WIDE)
    sns.lineplot(df, x=x, y=y, hue="method", hue_order=methods, palette=PALETTE[: len(methods)], marker="o", ax=ax)
    half = f"{y}_half"  # measure.over_seeds' half-width of the 95% interval of a mean over seeds: drawn as bars
    if half in df.columns:
        for method, colour in zip(methods, PALETTE):
            rows = df[(df["method"] == method) & df[half].notna()]
            ax.errorbar(rows[x], rows[y], yerr=rows[half], fmt="none", ecolor=colour, capsize=3, linewidth=1)
    ax.set_xscale("log")
    ticks = sorted(df[x].unique())
    ax.set_xticks(ticks, labels=[f"{t:g}" for t in ticks], minor=False)
    ax.minorticks_off()
    ax.set(xlabel=_LABELS[x], ylabel=_LABELS[y], title=title or "")
    return fig


def code_scatter(
    codes_2d: np.ndarray,
    labels: Sequence[int] | np.ndarray,
    title: str | None = None,
    axis_name: str = "Component",
    max_points: int = 3000,
    seed: int = 0,
) -> Figure:
    """Scatter of 2-D codes coloured by digit, each digit's label written at its codes' median (use
    compress.project_2d for wider codes). At most `max_points` codes are drawn, a fixed random sample:
    10,000 overlapping dots hide the clusters they are meant to show (and weigh hundreds of KB)."""
    codes_2d = np.asarray(codes_2d)
    if codes_2d.ndim != 2 or codes_2d.shape[1] != 2:
        raise ValueError(f"codes_2d must be (N, 2), got {codes_2d.shape}; project with compress.project_2d first")
    labels = np.asarray(labels).astype(int)
    if len(labels) != len(codes_2d):
        raise ValueError(f"{len(labels)} labels for {len(codes_2d)} codes: give one label per code")
    if len(codes_2d) > max_points:
        keep = np.sort(np.random.default_rng(seed).choice(len(codes_2d), max_points, replace=False))
        codes_2d, labels = codes_2d[keep], labels[keep]
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    digits = np.unique(labels)
    colours = sns.color_palette("tab10", 10)  # ten hues far apart: the colour-blind palette repeats near-twins
    for d in digits:
        at = labels == d
        ax.scatter(codes_2d[at, 0], codes_2d[at, 1], s=6, linewidths=0, alpha=0.6, color=colours[d % 10])
    for d in digits:  # after every dot, so no label is buried under another digit's dots
        x, y = np.median(codes_2d[labels == d], axis=0)
        ax.text(
            x,
            y,
            str(d),
            fontsize=LABEL_SIZE + 2,
            fontweight="bold",
            ha="center",
            va="center",
            color=colours[d % 10],
            path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
        )
    ax.set(xlabel=f"{axis_name} 1 (code units)", ylabel=f"{axis_name} 2 (code units)", title=title or "")
    fig.tight_layout()
    return fig
