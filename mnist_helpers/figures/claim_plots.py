"""Figures of the verdicts: the intro's dot plot of every accuracy claim, and chapter 5's per-seed gap figure."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from mnist_helpers.claims.verdicts import CONFIDENCE, Verdict
from mnist_helpers.figures.plots import PALETTE, WIDE

PAD_PP = 0.15  # points of empty axis beyond the outermost interval or band


def verdict_dots(verdicts: dict[str, Verdict], title: str = "Accuracy claims: the seed's figure and ours") -> Figure:
    """One row per claim: the seed's figure (diamond) with its ±δ band, our mean with its interval (dot and bar).

    The interval is the verdict's interval of ours − seed, drawn around the seed's figure, so the bar shows
    where our accuracy could lie; a claim whose bar sits inside the band is "consistent".
    """
    if not verdicts:
        raise ValueError("verdicts is empty: pass {claim label: claims.Verdict} for at least one claim.")
    fig, ax = plt.subplots(figsize=(WIDE[0], 1.0 + 0.7 * len(verdicts)))
    edges, labelled = [], set()

    def once(text: str) -> str | None:  # each legend entry once, whichever row draws it first
        first = text not in labelled
        labelled.add(text)
        return text if first else None

    for row, v in enumerate(reversed(list(verdicts.values()))):
        ax.fill_betweenx([row - 0.3, row + 0.3], v.seed - v.delta, v.seed + v.delta, color=PALETTE[7], alpha=0.3, lw=0)
        ax.plot(v.seed, row, "D", color=PALETTE[1], ms=8, label=once("seed's figure"))
        edges += [v.seed - v.delta, v.seed + v.delta]
        if not np.isnan(v.low):
            ax.errorbar(
                v.seed + v.difference,
                row,
                xerr=[[v.difference - v.low], [v.high - v.difference]],
                fmt="o",
                color=PALETTE[0],
                capsize=5,
                label=once(f"ours, mean and {CONFIDENCE:.0%} interval"),
            )
            edges += [v.seed + v.low, v.seed + v.high]
        else:
            ax.plot(v.ours_mean, row, "o", mfc="white", color=PALETTE[0], label=once("ours (not checked)"))
            edges.append(v.ours_mean)
        ax.annotate(v.verdict, (1.01, row), xycoords=("axes fraction", "data"), va="center", fontsize=9)
    delta = next(iter(verdicts.values())).delta
    handles, _ = ax.get_legend_handles_labels()
    handles.append(Patch(color=PALETTE[7], alpha=0.3, label=f"seed ± δ ({delta} points)"))
    ax.set_yticks(range(len(verdicts)), list(reversed(list(verdicts))))
    ax.set_xlim(min(edges) - PAD_PP, max(edges) + PAD_PP)
    ax.set_ylim(-0.6, len(verdicts) - 0.4)
    ax.set(xlabel="Accuracy (%)", title=title)
    ax.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.18 - 0.3 / len(verdicts)), ncol=3, frameon=False
    )
    fig.tight_layout()
    return fig


def paired_gap(
    accuracies: dict[str, Sequence[float]],
    seeds: Sequence[int],
    gap: Verdict,
    title: str = "Adam vs RMSprop, seed by seed, and the gap",
) -> Figure:
    """Left: each seed's accuracy under the two optimizers (one line per seed) on an axis fitted to the data.
    Right: our mean paired gap with its interval beside the seed's gap and its ±δ band (points)."""
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
    right.axhspan(gap.seed - gap.delta, gap.seed + gap.delta, color=PALETTE[7], alpha=0.3, label="seed's gap ± δ")
    right.plot(0, gap.seed, "D", color=PALETTE[1], ms=8, label="seed's gap")
    if not np.isnan(gap.low):
        right.errorbar(
            1,
            gap.ours_mean,
            yerr=[[gap.difference - gap.low], [gap.high - gap.difference]],
            fmt="o",
            color=PALETTE[0],
            capsize=6,
            label=f"ours, {CONFIDENCE:.0%} interval",
        )
    right.axhline(0, color="black", lw=0.8)
    right.set_xlim(-0.6, 1.6)
    right.set_xticks([0, 1], ["seed", f"ours ({gap.n_seeds} seeds)"])
    right.set(ylabel=f"{names[0]} − {names[1]} (points)", title=f"Gap: {gap.verdict}")
    right.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def verdict_dots_or_note(verdicts: dict[str, Verdict], note: str) -> Figure:
    """`verdict_dots`, or, when no chapter has recorded an accuracy verdict yet, a figure that says `note`."""
    if verdicts:
        return verdict_dots(verdicts)
    fig, ax = plt.subplots(figsize=(WIDE[0], 1.5))
    ax.text(0.5, 0.5, note, ha="center", va="center", wrap=True)
    ax.set_axis_off()
    return fig
