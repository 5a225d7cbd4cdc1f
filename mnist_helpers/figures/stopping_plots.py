"""Figures of early-stopped training: training and validation loss per epoch, the kept (best) epoch marked."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from mnist_helpers.figures.plots import PALETTE, WIDE


def validation_curves(
    histories: dict[str, pd.DataFrame],
    best_epochs: dict[str, int],
    title: str | None = None,
    ylabel: str = "MSE (per pixel, images in [0, 1])",
    panel_sep: str | None = None,  # e.g. ", ": "dense autoencoder, code 8" is "code 8" in the panel "dense autoencoder"
) -> Figure:
    """Validation (solid) and running training (dashed) loss per epoch, one colour per named run, log y axis
    shared by all panels; a ring marks each run's best validation epoch, the weights kept. With `panel_sep`,
    each name splits at its first `panel_sep` into a panel title and the run's label in that panel, so that
    no panel holds more runs than it can show.

    A history is a History.to_frame() with columns epoch, train_loss and val_loss (train with `patience`).
    """
    missing = [name for name, h in histories.items() if not {"epoch", "train_loss", "val_loss"} <= set(h.columns)]
    if missing:
        raise ValueError(f"histories {missing} lack epoch/train_loss/val_loss; train them with patience (val split).")
    if set(best_epochs) != set(histories):
        raise ValueError(f"best_epochs names {sorted(best_epochs)} but histories name {sorted(histories)}.")
    panels: dict[str, dict[str, str]] = {}  # panel title: {label: name}
    for name in histories:
        panel, label = name.split(panel_sep, 1) if panel_sep and panel_sep in name else ("", name)
        panels.setdefault(panel, {})[label] = name
    fig, axes = plt.subplots(1, len(panels), figsize=WIDE, sharey=True, squeeze=False)
    for ax, (panel, runs) in zip(axes[0], panels.items()):
        for colour, (label, name) in zip(PALETTE, runs.items()):
            h = histories[name]
            ax.plot(h["epoch"], h["val_loss"], color=colour, marker="o", markersize=2, label=label)
            ax.plot(h["epoch"], h["train_loss"], color=colour, linestyle="--")
            best = h.loc[h["epoch"] == best_epochs[name], "val_loss"]
            ax.scatter([best_epochs[name]] * len(best), best, s=70, facecolors="none", edgecolors=[colour], zorder=3)
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set(xlabel="Epoch", title=panel or "")
        ax.legend(fontsize="small", loc="upper right")
    axes[0][0].set_ylabel(ylabel)
    if title:
        fig.suptitle(title)
    sns.despine(fig)
    fig.tight_layout()
    return fig
