"""Figures of early-stopped training: training and validation loss per epoch, the kept (best) epoch marked."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from mnist_helpers.plots import PALETTE, WIDE


def validation_curves(
    histories: dict[str, pd.DataFrame],
    best_epochs: dict[str, int],
    title: str = "Training and validation loss per epoch",
    ylabel: str = "MSE (per pixel, images in [0, 1])",
) -> Figure:
    """Validation (solid) and running training (dashed) loss per epoch, one colour per named run, log y axis;
    a ring marks each run's best validation epoch, the weights kept.

    A history is a History.to_frame() with columns epoch, train_loss and val_loss (train with `patience`).
    """
    missing = [name for name, h in histories.items() if not {"epoch", "train_loss", "val_loss"} <= set(h.columns)]
    if missing:
        raise ValueError(f"histories {missing} lack epoch/train_loss/val_loss; train them with patience (val split).")
    if set(best_epochs) != set(histories):
        raise ValueError(f"best_epochs names {sorted(best_epochs)} but histories name {sorted(histories)}.")
    fig, ax = plt.subplots(figsize=WIDE)
    for colour, (name, h) in zip(PALETTE, histories.items()):
        ax.plot(h["epoch"], h["val_loss"], color=colour, marker="o", markersize=3, label=f"{name}, validation")
        ax.plot(h["epoch"], h["train_loss"], color=colour, linestyle="--", label=f"{name}, training")
        best = h.loc[h["epoch"] == best_epochs[name], "val_loss"]
        ax.scatter([best_epochs[name]] * len(best), best, s=90, facecolors="none", edgecolors=[colour], zorder=3)
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="Epoch", ylabel=ylabel, title=title)
    ax.legend(fontsize="small", ncols=2)
    sns.despine(fig)
    return fig
