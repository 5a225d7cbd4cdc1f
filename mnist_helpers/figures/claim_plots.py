"""Figures of the verdicts: the dot plot of every report figure against our runs, and chapter 5's per-seed gap."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch

from mnist_helpers.claims.rules import CONFIDENCE, Check, category
from mnist_helpers.figures.plots import PALETTE, WIDE

PAD_PP = 0.15  # points of empty axis beyond the outermost interval or band


CATEGORY_COLOURS = {  # one colour per answer, across the book (Okabe-Ito, colour-blind safe)
    "reproduced": "#009E73",
    "not reproduced": "#D55E00",
    "corrected": "#E69F00",
    "could not tell": "#999999",
    "measured": "#0072B2",
}
TEXT_COLOURS = {  # the same hues darkened for text on white (contrast >= 4.5:1), as the book's verdict badges
    "reproduced": "#00745A",
    "not reproduced": "#B34700",
    "corrected": "#8F5E00",
    "could not tell": "#666666",
    "measured": "#0072B2",
}


def check_dots(checks: dict[str, Check], title: str | None = None) -> Figure:
    """One row per report figure: the report's figure (diamond) and the 95% interval one run of ours falls in
    (bar around our mean), coloured by the answer (`rules.category`); the outcome is written at the right.
    A figure we did not check (capped) shows our mean as an open dot and no bar."""
    if not checks:
        raise ValueError("checks is empty: pass {claim label: claims.rules.Check} for at least one figure.")
    fig, ax = plt.subplots(figsize=(WIDE[0], 1.0 + 0.6 * len(checks)))
    edges: list[float] = []
    for row, c in enumerate(reversed(list(checks.values()))):
        colour = CATEGORY_COLOURS[category(c.outcome)]
        if not np.isnan(c.low):
            ax.errorbar(
                c.centre, row, xerr=[[c.centre - c.low], [c.high - c.centre]], fmt="o", color=colour, capsize=5, lw=2
            )
            edges += [c.low, c.high]
        else:
            ax.plot(c.centre, row, "o", mfc="white", color=colour)
            edges.append(c.centre)
        ax.plot(c.figure, row, "D", color="black", ms=7)
        edges.append(c.figure)
        ax.annotate(c.outcome, (1.01, row), xycoords=("axes fraction", "data"), va="center", fontsize=9, color=colour)
    handles = [
        Line2D([], [], marker="D", color="black", ls="", label="report's figure"),
        Line2D([], [], marker="o", color="0.3", label=f"ours: mean and the {CONFIDENCE:.0%} interval of one run"),
    ]
    ax.set_yticks(range(len(checks)), list(reversed(list(checks))))
    ax.set_xlim(min(edges) - PAD_PP, max(edges) + PAD_PP)
    ax.set_ylim(-0.6, len(checks) - 0.4)
    ax.set(xlabel="Accuracy (%)")
    if title:
        ax.set_title(title)
    ax.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.25 - 0.3 / len(checks)), ncol=2, frameon=False
    )
    fig.tight_layout()
    return fig


def paired_gap(
    accuracies: dict[str, Sequence[float]],
    seeds: Sequence[int],
    gap: Check,
) -> Figure:
    """Left: each seed's accuracy under the two optimizers (one line per seed) on an axis fitted to the data.
    Right: the report's gap (diamond) and the interval the gap of one new pair of our runs falls in (points)."""
    names = list(accuracies)
    if len(names) != 2 or any(len(accuracies[n]) != len(seeds) for n in names):
        raise ValueError("accuracies must map two optimizer names to one accuracy (%) per seed, in `seeds` order.")
    a, b = (np.asarray(accuracies[n], dtype=float) for n in names)
    fig, (left, right) = plt.subplots(1, 2, figsize=WIDE, gridspec_kw={"width_ratios": [3, 2]})
    for k, seed in enumerate(seeds):
        left.plot([0, 1], [a[k], b[k]], "o-", color=PALETTE[k % len(PALETTE)], label=f"seed {seed}")
    low, high = min(a.min(), b.min()), max(a.max(), b.max())
    margin = max(0.05, 0.15 * (high - low))
    left.set_xlim(-0.3, 1.3)
    left.set_ylim(low - margin, high + margin)  # not from 0: the differences are tenths of a point
    left.set_xticks([0, 1], names)
    left.set(ylabel="Accuracy (%)", title="Per seed")
    left.legend(fontsize=8, ncol=2)
    colour = CATEGORY_COLOURS[category(gap.outcome)]
    right.plot(0, gap.figure, "D", color="black", ms=8, label="report's gap")
    if not np.isnan(gap.low):
        right.errorbar(
            1,
            gap.centre,
            yerr=[[gap.centre - gap.low], [gap.high - gap.centre]],
            fmt="o",
            color=colour,
            capsize=6,
            label=f"ours: the {CONFIDENCE:.0%} interval of one pair of runs",
        )
    else:
        right.plot(1, gap.centre, "o", mfc="white", color=colour, label="ours (not checked)")
    right.axhline(0, color="black", lw=0.8)
    right.set_xlim(-0.6, 1.6)
    right.set_xticks([0, 1], ["report", f"ours ({gap.k} seeds)"])
    right.set(ylabel=f"{names[0]} − {names[1]} (points)", title=f"Gap: {gap.outcome}")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def check_dots_or_note(checks: dict[str, Check], note: str) -> Figure:
    """`check_dots`, or, when no chapter has judged a report figure yet, a figure that says `note`."""
    if checks:
        return check_dots(checks)
    fig, ax = plt.subplots(figsize=(WIDE[0], 1.5))
    ax.text(0.5, 0.5, note, ha="center", va="center", wrap=True)
    ax.set_axis_off()
    return fig


def prediction_bands(table: pd.DataFrame, zoom_from: int = 2) -> Figure:
    """One panel per optimizer (`claims.epoch_by_epoch`'s table): our mean validation accuracy per epoch, the 95%
    band one run of ours falls in, and the author's logged run, its epochs outside the band marked. The y axis
    spans the epochs from `zoom_from` on (the first epoch's low figures would flatten the rest)."""
    groups = list(table.groupby("optimizer", sort=False))
    if not groups:
        raise ValueError("table is empty: pass claims.epoch_by_epoch's table (one row per optimizer and epoch).")
    fig, axes = plt.subplots(1, len(groups), figsize=(WIDE[0], 3.8), sharey=True, squeeze=False)
    later = table[table["epoch"] >= min(zoom_from, int(table["epoch"].max()))]
    values = later[["author (%)", "ours, mean (%)", "one run, low (%)", "one run, high (%)"]].to_numpy(dtype=float)
    low, high = np.nanmin(values), np.nanmax(values)
    for ax, (opt, rows) in zip(axes[0], groups):
        ours = CATEGORY_COLOURS["measured"]
        ax.fill_between(
            rows["epoch"],
            rows["one run, low (%)"],
            rows["one run, high (%)"],
            color=ours,
            alpha=0.25,
            lw=0,
            label=f"one run of ours ({CONFIDENCE:.0%})",
        )
        ax.plot(rows["epoch"], rows["ours, mean (%)"], color=ours, label="ours, mean")
        ax.plot(rows["epoch"], rows["author (%)"], color="black", lw=1, label="author's log")
        outside = rows[rows["outcome"].map(category) == "not reproduced"]
        ax.plot(
            outside["epoch"],
            outside["author (%)"],
            "o",
            color=CATEGORY_COLOURS["not reproduced"],
            ms=4,
            label="author's epoch outside the band",
        )
        ax.set(title=str(opt), xlabel="Epoch")
        ax.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
    axes[0][0].set_ylabel("Validation accuracy (%)")
    axes[0][-1].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


CATEGORY_ORDER = ("reproduced", "not reproduced", "corrected", "could not tell", "measured")


CHIPS_PER_LINE = 6  # claim ids per line: the figure stays 3.8 in (380 px on the page) wide, a phone's width
CHIP_W, CHIP_H, CHIP_STEP, TITLE_H, LINE_H = 0.55, 0.3, 0.62, 0.3, 0.4  # inches


def summary_figure(table: pd.DataFrame) -> Figure:
    """The answer at a glance: one row per answer present (`CATEGORY_ORDER`, coloured as `CATEGORY_COLOURS`) under
    its name and count, each claim's id a chip in its answer's row (`claims.results`: column "category", indexed
    by claim). Narrow and large-lettered, so that it reads at a phone's width without zooming; what each claim
    says is in the table below it."""
    if table.empty:
        raise ValueError("table is empty: pass claims.results(metrics), one row per claim.")
    rows = [(c, list(table.index[table["category"] == c])) for c in CATEGORY_ORDER if (table["category"] == c).any()]
    lines = [-(-len(ids) // CHIPS_PER_LINE) for _, ids in rows]
    height = 0.05 + sum(TITLE_H + LINE_H * n + 0.08 for n in lines)
    width = 0.04 + CHIP_STEP * (CHIPS_PER_LINE - 1) + CHIP_W
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    y = 0.05
    for (cat, ids), n_lines in zip(rows, lines):
        colour = CATEGORY_COLOURS[cat]
        title = f"{cat} ({len(ids)})"
        ax.text(0.02, y + TITLE_H / 2, title, va="center", fontsize=10, weight="bold", color=TEXT_COLOURS[cat])
        y += TITLE_H
        for i, claim_id in enumerate(ids):
            line, col = divmod(i, CHIPS_PER_LINE)
            x0, y0 = 0.02 + col * CHIP_STEP, y + line * LINE_H
            box = FancyBboxPatch((x0, y0), CHIP_W, CHIP_H, boxstyle="round,pad=0,rounding_size=0.06")
            box.set(facecolor=colour, alpha=0.2, edgecolor=colour, lw=1)
            ax.add_patch(box)
            ax.text(
                x0 + CHIP_W / 2, y0 + CHIP_H / 2, str(claim_id), ha="center", va="center", fontsize=10, weight="bold"
            )
        y += LINE_H * n_lines + 0.08
    return fig
