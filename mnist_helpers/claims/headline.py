"""Dutta's headline figures (C1, C2 and their gap) and the author's logged curves, judged by the one-run rules.

The report's 99.38% (Adam) and 98.94% (RMSProp) are each the best of 60 epochs of ONE unseeded run on its own
8,400-image validation split. Each of our seeds draws its own split from the same kind of pool, so our spread
already holds the split noise (`EvalSets.OWN_SPLITS`): the question is whether one run of ours, selected the
same way, could give the report's figure. A capped run (fewer than 60 epochs) is never judged against them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from mnist_helpers.claims.rules import (
    RESOLUTION_PP,
    Check,
    EvalSets,
    holm,
    holm_family,
    not_checked,
    single_run_check,
    single_runs_gap_check,
)
from mnist_helpers.claims.verdicts import DUTTA_ADAM, DUTTA_EPOCHS, DUTTA_SECOND, SEED_GAP_PP

# δ for a loss (Keras's clipped cross-entropy): a hundredth, about a quarter of the report's smaller loss, so that a
# verdict tells 0.0362 from 0.0542
LOSS_RESOLUTION = 0.01
REPORT_FIGURES = {"C1": ("adam", DUTTA_ADAM["accuracy"]), "C2": ("rmsprop", DUTTA_SECOND["accuracy"])}


def dutta_headline(
    best_pct: Mapping[str, Sequence[float]], epochs: int, delta: float = RESOLUTION_PP
) -> dict[str, Check]:
    """{"C1", "C2", "gap"}: the report's best-of-60 figures and their 0.44-point gap against our runs' best epochs
    (percent, one per seed, each on its own split), Holm-adjusted as one family of three; "not checked at N
    epochs" for all three when `epochs` < 60."""
    adam, rms = (np.asarray(best_pct[o], dtype=float) for o in ("adam", "rmsprop"))
    if epochs < DUTTA_EPOCHS:
        checks = {c: not_checked(f, best_pct[o], epochs, DUTTA_EPOCHS, delta) for c, (o, f) in REPORT_FIGURES.items()}
        gap = not_checked(SEED_GAP_PP, list(adam - rms), epochs, DUTTA_EPOCHS, delta)
        return {**checks, "gap": replace(gap, kind="gap")}
    own = EvalSets.OWN_SPLITS
    checks = {c: single_run_check(f, best_pct[o], own, delta=delta) for c, (o, f) in REPORT_FIGURES.items()}
    checks["gap"] = single_runs_gap_check(SEED_GAP_PP, adam.tolist(), rms.tolist(), own, delta=delta)
    return dict(zip(checks, holm_family(list(checks.values()))))


def epoch_by_epoch(
    ours_pct: Mapping[str, np.ndarray], author_pct: Mapping[str, Sequence[float]], delta: float = RESOLUTION_PP
) -> pd.DataFrame:
    """Each logged epoch of the author's runs judged as one run: per optimizer and epoch, the author's validation
    accuracy, our mean and our one-run 95% prediction interval (from the seeds × epochs array `ours_pct`), and
    the outcome after Holm's adjustment within each optimizer's epochs. Epochs beyond ours are left out."""
    rows = []
    for opt, ours in ours_pct.items():
        ours = np.atleast_2d(np.asarray(ours, dtype=float))
        logged = np.asarray(author_pct[opt], dtype=float)
        checks = [
            single_run_check(float(logged[e]), ours[:, e].tolist(), EvalSets.OWN_SPLITS, delta=delta)
            for e in range(min(ours.shape[1], len(logged)))
        ]
        adjusted = holm([c.p_value if c.outcome.endswith("our runs") else np.nan for c in checks])
        for e, (c, p) in enumerate(zip(checks, adjusted)):
            outcome = "reproduced" if c.outcome.endswith("our runs") and not p < 0.05 else c.outcome
            rows.append(
                {
                    "optimizer": opt,
                    "epoch": e + 1,
                    "author (%)": c.figure,
                    "ours, mean (%)": c.centre,
                    "one run, low (%)": c.low,
                    "one run, high (%)": c.high,
                    "outcome": outcome,
                }
            )
    return pd.DataFrame(rows)


def epoch_counts(table: pd.DataFrame) -> dict[str, dict[str, int]]:
    """{optimizer: {outcome: epochs}} from `epoch_by_epoch`'s table."""
    return {
        str(opt): {str(k): int(v) for k, v in group["outcome"].value_counts().items()}
        for opt, group in table.groupby("optimizer", sort=False)
    }


def dutta_losses(best_loss: Mapping[str, Sequence[float]], epochs: int, delta: float | None = None) -> dict[str, Check]:
    """C18: the report's losses (0.0362 Adam, 0.0542 RMSProp) against our runs' validation loss at their best-
    accuracy epoch, by the one-run rule with `LOSS_RESOLUTION`; "not checked at N epochs" below 60 epochs."""
    delta = LOSS_RESOLUTION if delta is None else delta
    figures = {"C18_adam": ("adam", DUTTA_ADAM["loss"]), "C18_rmsprop": ("rmsprop", DUTTA_SECOND["loss"])}
    if epochs < DUTTA_EPOCHS:
        return {
            c: replace(not_checked(f, best_loss[o], epochs, DUTTA_EPOCHS, delta), kind="loss")
            for c, (o, f) in figures.items()
        }
    checks = {
        c: replace(single_run_check(f, best_loss[o], EvalSets.OWN_SPLITS, delta=delta), kind="loss")
        for c, (o, f) in figures.items()
    }
    return dict(zip(checks, holm_family(list(checks.values()))))
