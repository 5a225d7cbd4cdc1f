"""Comparing groups of trained runs (e.g. one per optimizer, several seeds each): summaries and paired tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mnist_helpers.evaluate import accuracy, format_mean_std, log_loss, mcnemar, summarize_runs

if TYPE_CHECKING:
    from mnist_helpers.reuse import Trained


def optimizer_summary(runs: dict[str, list[Trained]], y_test: np.ndarray) -> pd.DataFrame:
    """Per optimizer: test accuracy (%) and loss, mean ± std over seeds, and the per-seed accuracies."""
    rows = []
    for opt, trained in runs.items():
        accs = [100 * accuracy(y_test, t.predictions) for t in trained]
        losses = [log_loss(y_test, t.outputs) for t in trained]
        rows.append(
            {
                "optimizer": opt,
                "runs": len(trained),
                "test accuracy (%)": format_mean_std(*summarize_runs(accs)),
                "test loss": format_mean_std(*summarize_runs(losses), digits=4),
                "per seed (%)": ", ".join(f"{a:.2f}" for a in accs),
            }
        )
    return pd.DataFrame(rows).set_index("optimizer")


def paired_mcnemar(runs: dict[str, list[Trained]], y_test: np.ndarray, seeds: list[int]) -> pd.DataFrame:
    """McNemar's exact test between the first two optimizers' models, seed by seed."""
    (name_a, a_runs), (name_b, b_runs) = list(runs.items())[:2]
    rows = []
    for seed, a, b in zip(seeds, a_runs, b_runs):
        test = mcnemar(y_test, a.predictions, b.predictions, name_a=name_a, name_b=name_b)
        rows.append(
            {
                "seed": seed,
                "b (only B wrong)": test["b"],
                "c (only A wrong)": test["c"],
                "p value": test["p_value"],
                "significant": bool(test["significant"]),
                "better": test["better"],
            }
        )
    return pd.DataFrame(rows).set_index("seed")
