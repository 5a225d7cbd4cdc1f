"""The seeds' figures (typed from the reports, claims C1-C11), literature baselines, and verdict rules."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

# Figures as printed in the seed reports (percent accuracy, loss as reported).
DUTTA_ADAM = {"loss": 0.0362, "accuracy": 99.38}  # C1
DUTTA_SECOND = {"loss": 0.0542, "accuracy": 98.94}  # C2 (RMSProp in the author's notebook)
DUTTA_PARAMS = {"total": 688234, "trainable": 688106, "non_trainable": 128}  # C1 model summary
SHAH_ACCURACY = 98.93  # C5, test accuracy after 10 epochs
SHAH_PARAMS = 421642  # C5
SHAH_MEAN_STD = (0.1307, 0.3081)  # C6
SHAH_CONFUSED = ("2↔7", "4↔9", "5↔6")  # C8, as unordered pairs

# LeCun et al. (1998), Fig. 9 / the MNIST page: 2-layer networks (one hidden layer), test error rates (%).
LECUN_TWO_LAYER = pd.DataFrame(
    [
        ("2-layer NN, 300 hidden units, mean square error", 4.7),
        ("2-layer NN, 300 HU, MSE, [distortions]", 3.6),
        ("2-layer NN, 300 HU, [deskewing]", 1.6),
        ("2-layer NN, 1000 hidden units", 4.5),
        ("2-layer NN, 1000 HU, [distortions]", 3.8),
    ],
    columns=["classifier (LeCun et al. 1998)", "test error (%)"],
)

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
