"""C7's check: our batched Shah augmentation parameters against reference draws made the torchvision way.

The reference draws one sample at a time from torch's global generator, call for call as torchvision's
`RandomRotation`, `RandomResizedCrop` and `RandomAffine` `get_params` make them (as benchmarks/seed_style.py
does to time the seed's pipeline). Each parameter is compared by a two-sample test: Kolmogorov–Smirnov for
the continuous angle, a chi-square test of the value counts for the whole-pixel crop and shift parameters
(KS is conservative on discrete data); Bonferroni over the seven parameters.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch
from scipy import stats

from mnist_helpers.augment.transforms import (
    CROP_TRIES,
    SHAH_DEGREES,
    SHAH_RATIO,
    SHAH_SCALE,
    SHAH_TRANSLATE,
    sample_shah_params,
)
from mnist_helpers.claims.verdicts import FactVerdict, fact_verdict

PARAMS = ("angle_deg", "crop_i", "crop_j", "crop_h", "crop_w", "tx", "ty")  # fields of augment.ShahParams
ALPHA = 0.05  # family-wise error rate over the seven tests
SIDE = 28  # image height and width, pixels


def torchvision_draw(height: int = SIDE, width: int = SIDE) -> tuple[float, int, int, int, int, int, int]:
    """One sample's (angle, i, j, h, w, tx, ty) as torchvision draws them, from torch's global generator."""
    angle = float(torch.empty(1).uniform_(-SHAH_DEGREES, SHAH_DEGREES).item())
    area, log_ratio = height * width, torch.log(torch.tensor(SHAH_RATIO))
    i, j, h, w = 0, 0, height, width  # the centre-crop fallback; ratio (0.9, 1.1) contains 1
    for _ in range(CROP_TRIES):
        target = area * torch.empty(1).uniform_(SHAH_SCALE[0], SHAH_SCALE[1]).item()
        aspect = math.exp(torch.empty(1).uniform_(float(log_ratio[0]), float(log_ratio[1])).item())
        cw, ch = int(round(math.sqrt(target * aspect))), int(round(math.sqrt(target / aspect)))
        if 0 < cw <= width and 0 < ch <= height:
            i = int(torch.randint(0, height - ch + 1, size=(1,)).item())
            j = int(torch.randint(0, width - cw + 1, size=(1,)).item())
            h, w = ch, cw
            break
    torch.empty(1).uniform_(0.0, 0.0)  # RandomAffine's angle draw, made even for degrees=0
    max_dx, max_dy = SHAH_TRANSLATE[0] * width, SHAH_TRANSLATE[1] * height
    tx = int(round(torch.empty(1).uniform_(-max_dx, max_dx).item()))
    ty = int(round(torch.empty(1).uniform_(-max_dy, max_dy).item()))
    return angle, i, j, h, w, tx, ty


def reference_params(n: int, seed: int = 0) -> pd.DataFrame:
    """`n` torchvision-style draws, one row each, columns PARAMS (torch's global RNG is saved and restored)."""
    state = torch.get_rng_state()
    try:
        torch.manual_seed(seed)
        return pd.DataFrame([torchvision_draw() for _ in range(n)], columns=list(PARAMS))
    finally:
        torch.set_rng_state(state)


def our_params(n: int, seed: int = 0) -> pd.DataFrame:
    """`n` draws of `augment.sample_shah_params`, one row each, columns PARAMS."""
    params = sample_shah_params(n, SIDE, SIDE, torch.Generator().manual_seed(seed))
    return pd.DataFrame({name: getattr(params, name).numpy() for name in PARAMS})


def compare_params(ours: pd.DataFrame, reference: pd.DataFrame, alpha: float = ALPHA) -> pd.DataFrame:
    """Per parameter: the test, its p value, and whether it rejects at alpha / 7 (Bonferroni)."""
    rows = []
    for name in PARAMS:
        a, b = ours[name].to_numpy(), reference[name].to_numpy()
        if name == "angle_deg":
            test, p = "Kolmogorov–Smirnov", float(stats.ks_2samp(a, b).pvalue)
        else:
            values = np.union1d(a, b)
            counts = np.array([[np.sum(a == v) for v in values], [np.sum(b == v) for v in values]])
            test, p = "chi-square of counts", float(stats.chi2_contingency(counts).pvalue)
        rows.append({"parameter": name, "test": test, "p value": p, "rejects": p < alpha / len(PARAMS)})
    return pd.DataFrame(rows).set_index("parameter")


def params_match(table: pd.DataFrame) -> bool:
    """True when no parameter's test rejects: our sampler is indistinguishable from torchvision's draws."""
    return not bool(table["rejects"].any())


def params_verdict(table: pd.DataFrame, n: int) -> FactVerdict:
    """C7: "reproduced" when no parameter's test rejects (`compare_params`), else "corrected" naming the rejects."""
    rejected = [str(name) for name in table.index[table["rejects"]]]
    found = "the same distributions" if not rejected else "different distributions of " + ", ".join(rejected)
    evidence = (
        f"{n:,} draws each; smallest p = {table['p value'].min():.3f}, Bonferroni level {ALPHA / len(PARAMS):.4f}"
    )
    return fact_verdict("torchvision's parameter distributions", found, params_match(table), evidence)
