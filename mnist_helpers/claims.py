"""The seeds' figures (typed from the reports, claims C1-C11), literature baselines, and verdict rules."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

# Figures as printed in the seed reports (percent accuracy, loss as reported).
DUTTA_ADAM = {"loss": 0.0362, "accuracy": 99.38}  # C1
DUTTA_SECOND = {"loss": 0.0542, "accuracy": 98.94}  # C2 (RMSProp in the author's notebook)
SHAH_ACCURACY = 98.93  # C5, test accuracy after 10 epochs
SHAH_CONFUSED = ("2↔7", "4↔9", "5↔6")  # C8, as unordered pairs

TOLERANCE_PP = 0.10  # percentage points: differences smaller than this are within run-to-run noise on MNIST


def accuracy_verdict(seed_pct: float, ours_pct: Sequence[float], tolerance_pp: float = TOLERANCE_PP) -> str:
    """'reproduced' when our mean is within max(tolerance, 2 std) of the seed's figure; otherwise say which way."""
    ours = np.asarray(ours_pct, dtype=float)
    mean = float(ours.mean())
    spread = float(ours.std(ddof=1)) if len(ours) > 1 else 0.0
    margin = max(tolerance_pp, 2 * spread)
    diff = mean - seed_pct
    if abs(diff) <= margin:
        return "reproduced"
    return f"not reproduced (ours {'higher' if diff > 0 else 'lower'} by {abs(diff):.2f} points)"


def percent(values: Sequence[float] | float) -> list[float]:
    """Fractions (0-1) as percentages."""
    return [100 * float(v) for v in np.atleast_1d(values)]


def comparison_table(rows: list[tuple[str, float, float]]) -> pd.DataFrame:
    """Seed figure, ours and the difference, one row per (claim, seed value, our value)."""
    table = pd.DataFrame(rows, columns=["claim", "seed report", "ours"]).set_index("claim")
    table["ours − seed"] = table["ours"] - table["seed report"]
    return table.round(4)


def gap_verdict(gap_pp: list[float], paired: pd.DataFrame, seed_gap_pp: float = 0.44) -> str:
    """Whether the seed's Adam-over-RMSProp gap shows up here: size, sign and significance."""
    mean = float(np.mean(gap_pp))
    n_sig = int(paired["significant"].sum())
    gap = f"mean gap {mean:+.2f} points vs {seed_gap_pp:+.2f}"
    if n_sig == 0:
        return f"not reproduced: no seed shows a significant difference ({gap})"
    if n_sig == len(paired) and mean > 0:
        return f"direction reproduced: Adam significantly better in every seed ({gap})"
    return f"mixed: significant in {n_sig} of {len(paired)} seeds ({gap})"
