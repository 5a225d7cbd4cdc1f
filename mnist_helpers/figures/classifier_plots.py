"""Charts of a classifier's test predictions (chapter 7): the confusion heatmap and the reliability diagram."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from mnist_helpers.figures.plots import ANNOT_SIZE, PALETTE


def confusion_heatmap(cm: np.ndarray, normalize: bool = False, title: str | None = None) -> Figure:
    """Annotated heatmap: rows are true digits, columns predicted; normalize=True divides each row by its sum.

    The colour scale is spent on the mistakes: the diagonal (correct readings, 10-100 times larger) is masked,
    its values written in grey on white, so the confused pairs stand out. No title unless given (the caption
    says what it is)."""
    cm = np.asarray(cm)
    if normalize:
        with np.errstate(invalid="ignore"):
            values, fmt, unit = cm / cm.sum(axis=1, keepdims=True), ".2f", "Share of the true digit's images (mistakes)"
    else:
        values, fmt, unit = cm, "d", "Images (mistakes)"
    diagonal = np.eye(len(cm), dtype=bool)
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    sns.heatmap(
        values,
        mask=diagonal,
        annot=True,
        fmt=fmt,
        annot_kws={"fontsize": ANNOT_SIZE},
        square=True,
        cmap="rocket_r",
        cbar_kws={"label": unit},
        linewidths=0.5,
        linecolor="#eeeeee",
        ax=ax,
    )
    for i in range(len(cm)):
        ax.text(
            i + 0.5, i + 0.5, format(values[i, i], fmt), ha="center", va="center", fontsize=ANNOT_SIZE, color="grey"
        )
    ax.set(xlabel="Predicted digit", ylabel="True digit")
    if title:
        ax.set_title(title)
    return fig


def reliability_diagram(bins_df: pd.DataFrame, ece: float, title: str | None = None) -> Figure:
    """Accuracy per confidence bin against the diagonal of perfect calibration, with bin counts below.

    bins_df is the output of evaluate.reliability_bins (lower, upper, mean_confidence, accuracy, count).
    """
    width = bins_df["upper"] - bins_df["lower"]
    fig, (ax, ax_count) = plt.subplots(2, 1, figsize=(6, 8), height_ratios=[3, 1])
    ax.bar(
        bins_df["lower"],
        bins_df["accuracy"].fillna(0),
        width=width,
        align="edge",
        color=PALETTE[0],
        edgecolor="white",
        label="accuracy in bin",
    )
    ax.plot(
        bins_df["mean_confidence"], bins_df["accuracy"], "o", color=PALETTE[1], label="bin: accuracy at mean confidence"
    )
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.set(
        xlabel="Confidence (top-class probability)",
        ylabel="Accuracy (fraction correct)",
        xlim=(0, 1),
        ylim=(0, 1),
        title=title or "",
    )
    ax.text(0.98, 0.04, f"ECE {100 * ece:.2f} points", transform=ax.transAxes, ha="right", va="bottom")
    ax.legend(loc="upper left")
    ax_count.bar(bins_df["lower"], bins_df["count"], width=width, align="edge", color=PALETTE[2], edgecolor="white")
    if bins_df["count"].max() > 0:
        ax_count.set_yscale("log")
    ax_count.set(
        xlabel="Confidence (top-class probability)",
        ylabel="Predictions (count)",
        xlim=(0, 1),
    )
    fig.tight_layout()
    return fig
