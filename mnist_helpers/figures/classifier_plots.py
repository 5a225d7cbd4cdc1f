"""Charts of a classifier's test predictions (chapter 7): the confusion heatmap and the reliability diagram."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from mnist_helpers.figures.plots import ANNOT_SIZE, PALETTE


def confusion_heatmap(cm: np.ndarray, normalize: bool = False, title: str | None = None) -> Figure:
    """Annotated heatmap: rows are true digits, columns predicted; normalize=True divides each row by its sum."""
    cm = np.asarray(cm)
    if normalize:
        with np.errstate(invalid="ignore"):
            values, fmt, unit = cm / cm.sum(axis=1, keepdims=True), ".2f", "Share of the true digit's images"
    else:
        values, fmt, unit = cm, "d", "Images (count)"
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    sns.heatmap(
        values, annot=True, fmt=fmt, annot_kws={"fontsize": ANNOT_SIZE}, square=True, cbar_kws={"label": unit}, ax=ax
    )
    default = "Confusion matrix (row-normalised)" if normalize else "Confusion matrix (counts)"
    ax.set(xlabel="Predicted digit", ylabel="True digit", title=title or default)
    return fig


def reliability_diagram(bins_df: pd.DataFrame, ece: float, title: str = "Reliability diagram") -> Figure:
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
        title=f"{title} (ECE = {ece:.4f})",
    )
    ax.legend(loc="upper left")
    ax_count.bar(bins_df["lower"], bins_df["count"], width=width, align="edge", color=PALETTE[2], edgecolor="white")
    if bins_df["count"].max() > 0:
        ax_count.set_yscale("log")
    ax_count.set(
        xlabel="Confidence (top-class probability)",
        ylabel="Predictions (count)",
        xlim=(0, 1),
        title="Predictions per bin",
    )
    fig.tight_layout()
    return fig
