"""The reports' figures (claims C1-C11), and the verdicts on claims of fact and on figures the reports do not give.

The rules that judge a report's accuracy figure against our runs live in `claims.rules`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mnist_helpers.data.dutta_split import AUTHOR_VAL_SIZE
from mnist_helpers.data.mnist import TEST_SIZE

# Figures as printed in the seed reports (percent accuracy, loss as reported).
DUTTA_ADAM = {"loss": 0.0362, "accuracy": 99.38}  # C1: best of 60 epochs, on the author's 8,400-image validation split
DUTTA_SECOND = {"loss": 0.0542, "accuracy": 98.94}  # C2 (RMSProp in the author's notebook), same protocol
DUTTA_EPOCHS = 60  # epochs behind the report's C1/C2 figures
DUTTA_EVAL_SIZE = AUTHOR_VAL_SIZE  # images behind each of Dutta's accuracies
SEED_GAP_PP = DUTTA_ADAM["accuracy"] - DUTTA_SECOND["accuracy"]  # 0.44 points: Adam over RMSprop, two separate runs
SHAH_ACCURACY = 98.93  # C5, test accuracy after 10 epochs
SHAH_EPOCHS = 10  # epochs behind Shah's figures (C5) and his protocol
SHAH_EVAL_SIZE = TEST_SIZE  # Shah evaluated on MNIST's official 10,000 test images
SHAH_CONFUSED = ("2↔7", "4↔9", "5↔6")  # C8, as unordered pairs


@dataclass(frozen=True)
class FactVerdict:
    """A claim of fact (a setting, a range, a list): "reproduced" or "corrected", and the evidence."""

    verdict: str
    claimed: str
    found: str
    evidence: str

    @property
    def text(self) -> str:
        """'corrected: the report says ±10°, the code draws ±36° (evidence)'."""
        if self.verdict == "reproduced":
            return f"reproduced: {self.found} ({self.evidence})"
        return f"corrected: the report says {self.claimed}, we find {self.found} ({self.evidence})"


def fact_verdict(claimed: str, found: str, holds: bool, evidence: str) -> FactVerdict:
    """ "reproduced" when the measured fact `holds` as claimed, else "corrected"; `evidence` names the measurement."""
    if not isinstance(holds, (bool, np.bool_)):
        raise ValueError(f"holds={holds!r} must be a bool computed from the evidence (not a string or a count).")
    if not evidence:
        raise ValueError("evidence must say what was measured, e.g. 'KS test of 10,000 Keras angles, p = 0.4'.")
    return FactVerdict("reproduced" if holds else "corrected", claimed, found, evidence)


def angle_range_verdict(angles_deg: np.ndarray, claimed_deg: float, source: str) -> FactVerdict:
    """C9: do the sampled angles span ±claimed_deg? Holds when the largest `|angle|` is within 2% below the claim
    and not above it (uniform draws: the maximum of n falls short by about claimed/n)."""
    top = float(np.max(np.abs(np.asarray(angles_deg, dtype=float))))
    holds = 0.98 * claimed_deg <= top <= claimed_deg * (1 + 1e-6)
    evidence = f"largest of {len(angles_deg):,} angles drawn by {source}: {top:.2f}°"
    return fact_verdict(f"±{claimed_deg:g}°", f"±{top:.0f}°", holds, evidence)


def overlap_verdict(overlap: int, claimed: Sequence[str]) -> str:
    """C8, first half: "reproduced" when all claimed pairs are among ours, "partly reproduced" for some, else not."""
    if not 0 <= overlap <= len(claimed):
        raise ValueError(f"overlap={overlap!r} must count claimed pairs found: 0 to {len(claimed)}.")
    if overlap == len(claimed):
        return "reproduced"
    return "partly reproduced" if overlap else "not reproduced"


FLIP_CONFUSION_PCT = 10.0  # percent: a flip "confuses" 6 and 9 when at least this share reads as the other digit


def flip_verdict(read_as_other_pct: Sequence[float], flip: str) -> FactVerdict:
    """C8, second half: flipped 6s read as 9s and flipped 9s as 6s, each at least FLIP_CONFUSION_PCT percent."""
    six, nine = (float(x) for x in read_as_other_pct)
    found = f"{six:.1f}% of {flip} 6s read as 9, {nine:.1f}% of 9s as 6"
    holds = min(six, nine) >= FLIP_CONFUSION_PCT
    return fact_verdict("a flip confuses 6 and 9", found, holds, f"trained CNN, threshold {FLIP_CONFUSION_PCT:g}%")


def measured_verdict(ours_pct: Sequence[float]) -> str:
    """For a figure the report does not give (C3): 'measured; the report gives no figure: 97.95 ± 0.08% (5 seeds)'."""
    values = np.asarray(ours_pct, dtype=float).ravel()
    spread = f" ± {values.std(ddof=1):.2f}" if len(values) > 1 else ""
    seeds = f"{len(values)} seed{'s' * (len(values) > 1)}"
    return f"measured; the report gives no figure: {values.mean():.2f}{spread}% ({seeds})"


def percent(values: Sequence[float] | float) -> list[float]:
    """Fractions (0-1) as percentages."""
    return [100 * float(v) for v in np.atleast_1d(values)]


def cap(what: str, seed_value: Any, ours: Any, reason: str, effect: str) -> dict[str, Any]:
    """One cap (fewer epochs, seeds or images than the seed used) as a chapter records it in its metrics:
    the reproducibility page lists every chapter's caps, and the chapter states them beside its verdicts."""
    if not (what and reason and effect):
        raise ValueError("a cap needs what was capped, the reason and the likely effect (all non-empty).")
    return {"what": what, "seed": seed_value, "ours": ours, "reason": reason, "effect": effect}
