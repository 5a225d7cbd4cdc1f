"""Decision rules for single-run report figures: prediction intervals, paired equivalence (TOST), Holm, power.

A report's figure is ONE training run. The question is "could one run of this protocol, done as we do it, give
that figure?": a prediction interval for one new run, built from our k runs and only the terms that are really
independent of them (`EvalSets` says which apply). Two procedures of ours are compared by their paired
difference per seed, with equivalence by two one-sided tests. Every rule is a pure function of its numbers.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

import numpy as np
from scipy import stats

CONFIDENCE = 0.95  # coverage of every prediction and confidence interval
EQUIVALENCE_CONFIDENCE = 0.90  # TOST at 5% each side: a 90% interval inside ±δ
SINGLE_RUN_OUTCOMES = ("reproduced", "above our runs", "below our runs", "inconclusive")
PAIRED_OUTCOMES = ("equivalent", "higher", "lower", "inconclusive")
# δ, percentage points: the widest one-run interval (half-width) that still answers. The criterion: a verdict must
# tell the report's figure from one half a point away, the size of the differences the reports themselves draw
# conclusions from (Dutta's 0.44-point optimizer gap); a wider interval says "inconclusive", never "reproduced".
RESOLUTION_PP = 0.5
UNITS = {"single run": ("%", 2), "gap": (" points", 2), "loss": ("", 4)}  # a Check's unit and decimals, by kind
# What a reader is told, per outcome: the four kinds of answer the book gives (facts add "corrected").
CATEGORIES = {
    "reproduced": "reproduced",
    "equivalent": "reproduced",
    "above our runs": "not reproduced",
    "below our runs": "not reproduced",
    "higher": "not reproduced",
    "lower": "not reproduced",
    "corrected": "corrected",
    "partly reproduced": "not reproduced",
    "not reproduced": "not reproduced",
    "inconclusive": "could not tell",
}


def category(outcome: str) -> str:
    """'reproduced', 'not reproduced', 'corrected', 'could not tell' (also 'not checked at N epochs'), or
    'measured' (a figure the report does not give)."""
    if outcome.startswith("measured"):
        return "measured"
    return CATEGORIES.get(outcome, "could not tell")


class EvalSets(Enum):
    """How the report's evaluation images relate to ours: which sampling errors are independent of our spread.

    SHARED: the report scored the same images as all our runs (Shah's official 10,000 test images). The
        test set's luck is common to the figure and to our runs: no binomial term at all.
    OWN_SPLITS: each of our runs draws its own evaluation split from the population the report drew from
        (Dutta's 8,400 validation images): our run-to-run spread already holds the split noise; no extra term.
    FIXED_OTHER: our runs share one fixed set of n_ours images and the report used another draw of n_report:
        both sets' binomial errors are independent of our spread (ours is common to all our runs): both enter.
    """

    SHARED = "shared"
    OWN_SPLITS = "own splits"
    FIXED_OTHER = "fixed, other"


@dataclass(frozen=True)
class Check:
    """One figure (or gap) judged against our runs: the interval, its half-width and the outcome."""

    outcome: str
    figure: float  # the report's figure (percent, or points for a gap)
    centre: float  # our prediction for one new run (mean, or difference of means)
    low: float
    high: float
    half_width: float  # points; the resolution reached
    delta: float  # the resolution asked for: wider than this is "inconclusive"
    p_value: float  # two-sided: one new run at least this far from the centre (NaN when not computable)
    k: int  # our runs behind the centre (per arm for a gap: the smaller)
    terms: tuple[str, ...]  # the variance terms used, in words
    kind: str = "single run"  # "single run" (an accuracy, %), "gap" (a difference of two, points) or "loss"
    sd: float = math.nan  # run-to-run sd of one run's figure (points; for a gap, of one pair's difference)

    @property
    def text(self) -> str:
        """'reproduced: one run of ours falls in [99.10, 99.50] (ours 99.31, 5 runs; ±0.20 vs δ 0.50); report 99.38'."""
        if math.isnan(self.low):
            why = "; ".join(t for t in self.terms if ":" in t) or "no interval"
            f = f".{UNITS.get(self.kind, ('%', 2))[1]}f"
            return f"{self.outcome}: report {self.figure:{f}}, ours {self.centre:{f}} ({self.k} run(s); {why})"
        unit, digits = UNITS.get(self.kind, ("%", 2))
        f = f".{digits}f"
        return (
            f"{self.outcome}: one run of ours falls in [{self.low:{f}}, {self.high:{f}}]{unit} "
            f"(ours {self.centre:{f}}, {self.k} runs; ±{self.half_width:{f}} vs δ {self.delta:{f}}); "
            f"report {self.figure:{f}}" + ("" if math.isnan(self.p_value) else f", p = {self.p_value:.2g}")
        )

    def record(self) -> dict[str, Any]:
        """JSON-ready fields (NaN as None) and the text, for a chapter's metrics; `from_record` reads them back."""
        out = {k: _json(v) for k, v in dataclasses.asdict(self).items()}
        return {**out, "terms": list(self.terms), "text": self.text}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Check:
        names = {f.name for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {k: (math.nan if v is None else v) for k, v in record.items() if k in names}
        return cls(**{**values, "terms": tuple(record.get("terms") or ())})


def _json(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def is_check_record(record: Any) -> bool:
    """True for a dict made by `Check.record()`."""
    return isinstance(record, dict) and {"outcome", "figure", "centre", "half_width", "kind"} <= set(record)


def not_checked(figure: float, ours: Sequence[float], epochs_run: int, epochs_needed: int, delta: float) -> Check:
    """The check of a figure that rests on `epochs_needed` epochs, when we trained fewer: no interval, and a
    reason that says so (a capped run is never judged against an uncapped figure)."""
    values = _values("ours", ours)
    nan = math.nan
    reason = f"capped: the report's figure needs {epochs_needed} epochs, ours ran {epochs_run}"
    return Check(
        f"not checked at {epochs_run} epochs",
        float(figure),
        float(values.mean()),
        nan,
        nan,
        nan,
        delta,
        nan,
        len(values),
        (reason,),
    )


def _binomial_var(p_pct: float, n: int) -> float:
    """Sampling variance (points²) of an accuracy of p percent measured on n images."""
    p = min(max(p_pct / 100, 0.0), 1.0)
    return 1e4 * p * (1 - p) / n


def _values(name: str, values: Sequence[float]) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}={list(arr)!r} must be one or more finite figures (percent or points).")
    return arr


def _decide(figure: float, centre: float, spread: list[tuple[float, float]], known: float, delta: float) -> tuple:
    """Interval, half-width, outcome and p for `figure` against centre ± t·√V.

    `spread` holds (variance, df) pairs estimated from our runs; `known` is variance with infinite df.
    t is on the Welch–Satterthwaite df of the total.
    """
    if not delta > 0:
        raise ValueError(f"delta={delta!r} must be > 0 percentage points.")
    var = sum(v for v, _ in spread) + known
    denom = sum(v**2 / df for v, df in spread if v > 0)
    df = math.inf if denom == 0 else var**2 / denom
    dist = stats.norm if math.isinf(df) else stats.t(df)
    se = math.sqrt(var)
    half = float(dist.ppf(0.5 + CONFIDENCE / 2)) * se
    low, high = centre - half, centre + half
    p = 1.0 if figure == centre else (0.0 if se == 0 else float(2 * dist.sf(abs(figure - centre) / se)))
    if half > delta:
        outcome = "inconclusive"
    elif low <= figure <= high:
        outcome = "reproduced"
    else:
        outcome = "above our runs" if figure > high else "below our runs"
    return low, high, half, outcome, p


def _no_spread(figure: float, centre: float, k: int, delta: float, terms: tuple[str, ...]) -> Check:
    nan = math.nan
    return Check("inconclusive", figure, centre, nan, nan, nan, delta, nan, k, (*terms, "one run: spread unknown"))


def single_run_check(
    figure: float,
    ours: Sequence[float],
    evals: EvalSets,
    *,
    delta: float,
    n_ours: int | None = None,
    n_report: int | None = None,
) -> Check:
    """Could one run of our protocol give the report's `figure`? A 95% prediction interval for one new run.

        centre = x̄,   V = s²·(1 + 1/k) [+ p̄(1−p̄)/n_ours + p_r(1−p_r)/n_report   only for FIXED_OTHER]

    s² is the variance of our k per-run figures (df k−1). Outcomes: "reproduced" (inside), "above our runs" /
    "below our runs" (outside; `p_value` is the one-run two-sided p), "inconclusive" when the half-width exceeds
    `delta` or k = 1. More spread only widens the interval, so it can only make a verdict inconclusive.
    """
    values = _values("ours", ours)
    k, centre = len(values), float(values.mean())
    terms: tuple[str, ...] = ("run-to-run spread × (1 + 1/k)",)
    known = 0.0
    if evals is EvalSets.FIXED_OTHER:
        if not (n_ours and n_report and n_ours > 0 and n_report > 0):
            raise ValueError("FIXED_OTHER needs n_ours and n_report, the images behind our figures and the report's.")
        known = _binomial_var(centre, n_ours) + _binomial_var(figure, n_report)
        terms += ("our evaluation set's binomial error", "the report's evaluation set's binomial error")
    if k < 2:
        return _no_spread(float(figure), centre, k, delta, terms)
    s2 = float(values.var(ddof=1))
    low, high, half, outcome, p = _decide(float(figure), centre, [(s2 * (1 + 1 / k), k - 1)], known, delta)
    return Check(outcome, float(figure), centre, low, high, half, delta, p, k, terms, sd=math.sqrt(s2))


def single_runs_gap_check(
    gap: float,
    ours_a: Sequence[float],
    ours_b: Sequence[float],
    evals: EvalSets,
    *,
    delta: float,
    n_ours: int | None = None,
    n_report: int | None = None,
) -> Check:
    """Could one run of A minus one independent run of B give the report's `gap` (e.g. Adam − RMSprop, 0.44)?

        centre = ā − b̄,   V = s_a²(1 + 1/k_a) + s_b²(1 + 1/k_b) [+ binomial terms of both arms for FIXED_OTHER]

    The report's two figures come from two separate runs (two notebooks, two unseeded splits), so the two new
    runs are independent, whatever pairing our own runs have. t on Welch–Satterthwaite df.
    """
    a, b = _values("ours_a", ours_a), _values("ours_b", ours_b)
    centre = float(a.mean() - b.mean())
    terms: tuple[str, ...] = ("run-to-run spread of each arm × (1 + 1/k)",)
    known = 0.0
    if evals is EvalSets.FIXED_OTHER:
        if not (n_ours and n_report):
            raise ValueError("FIXED_OTHER needs n_ours and n_report, the images behind our figures and the report's.")
        known = sum(_binomial_var(float(x.mean()), n_ours) + _binomial_var(float(x.mean()), n_report) for x in (a, b))
        terms += ("binomial errors of both arms' evaluation sets, ours and the report's",)
    k = min(len(a), len(b))
    if k < 2:
        return replace(_no_spread(float(gap), centre, k, delta, terms), kind="gap")
    spread: list[tuple[float, float]] = [(float(x.var(ddof=1)) * (1 + 1 / len(x)), len(x) - 1) for x in (a, b)]
    low, high, half, outcome, p = _decide(float(gap), centre, spread, known, delta)
    sd = math.sqrt(sum(float(x.var(ddof=1)) for x in (a, b)))  # of one pair's difference
    return Check(outcome, float(gap), centre, low, high, half, delta, p, k, terms, kind="gap", sd=sd)


@dataclass(frozen=True)
class Paired:
    """Two procedures of ours, paired by seed: mean difference (A − B, points), its intervals and the outcome."""

    outcome: str
    mean: float
    low: float  # 95% confidence interval of the mean difference
    high: float
    tost_low: float  # 90% interval used for equivalence
    tost_high: float
    delta: float
    p_value: float  # two-sided, mean difference = 0
    k: int

    @property
    def text(self) -> str:
        """'equivalent: A − B = +0.03 points, 90% interval [−0.10, +0.16] within ±0.50 (5 seeds, paired)'."""
        if math.isnan(self.low):
            return f"{self.outcome}: A − B = {self.mean:+.2f} points ({self.k} seed; paired spread unknown)"
        if self.outcome == "equivalent":
            interval = f"{EQUIVALENCE_CONFIDENCE:.0%} interval [{self.tost_low:+.2f}, {self.tost_high:+.2f}] within"
            within = f"±{self.delta:.2f} ({self.k} seeds, paired)"
            return f"{self.outcome}: A − B = {self.mean:+.2f} points, {interval} {within}"
        return (
            f"{self.outcome}: A − B = {self.mean:+.2f} points, {CONFIDENCE:.0%} interval "
            f"[{self.low:+.2f}, {self.high:+.2f}], p = {self.p_value:.2g} ({self.k} seeds, paired)"
        )

    def record(self) -> dict[str, Any]:
        """JSON-ready fields (NaN as None), the kind and the text, for a chapter's metrics."""
        return {**{k: _json(v) for k, v in dataclasses.asdict(self).items()}, "kind": "paired", "text": self.text}


def paired_comparison(
    a: Sequence[float],
    b: Sequence[float],
    *,
    delta: float,
    n_images: int | None = None,
    discordant_share: float | None = None,
) -> Paired:
    """A − B by seed. "equivalent" when the 90% interval lies in ±delta (two one-sided tests at 5%); else "higher"
    / "lower" when the 95% interval excludes 0; else "inconclusive".

        V = s_d²/k [+ (r − d̄²)/n   when both arms score the same n images: that set's paired sampling error,
                                   common to every seed, with r the share of images exactly one arm gets right]
    """
    x, y = _values("a", a), _values("b", b)
    if len(x) != len(y):
        raise ValueError(f"a and b must pair by seed: {len(x)} and {len(y)} values.")
    if not delta > 0:
        raise ValueError(f"delta={delta!r} must be > 0 percentage points.")
    d = x - y
    k, mean = len(d), float(d.mean())
    if k < 2:
        nan = math.nan
        return Paired("inconclusive", mean, nan, nan, nan, nan, delta, nan, k)
    spread = float(d.var(ddof=1)) / k
    known = 0.0
    if discordant_share is not None:
        if not (n_images and 0 <= discordant_share <= 1):
            raise ValueError("discordant_share must be a share in [0, 1] and n_images the images both arms scored.")
        known = max(1e4 * (discordant_share - (mean / 100) ** 2) / n_images, 0.0)
    var = spread + known
    df = math.inf if spread == 0 else var**2 / (spread**2 / (k - 1))
    dist = stats.norm if math.isinf(df) else stats.t(df)
    se = math.sqrt(var)
    h95, h90 = (float(dist.ppf(0.5 + c / 2)) * se for c in (CONFIDENCE, EQUIVALENCE_CONFIDENCE))
    p = 1.0 if mean == 0 else (0.0 if se == 0 else float(2 * dist.sf(abs(mean) / se)))
    if -delta <= mean - h90 and mean + h90 <= delta:
        outcome = "equivalent"
    elif mean - h95 > 0:
        outcome = "higher"
    elif mean + h95 < 0:
        outcome = "lower"
    else:
        outcome = "inconclusive"
    return Paired(outcome, mean, mean - h95, mean + h95, mean - h90, mean + h90, delta, p, k)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (NaN stays NaN and does not count towards the family's size)."""
    p = np.asarray(p_values, dtype=float)
    order = [i for i in np.argsort(p, kind="stable") if not math.isnan(p[i])]
    m, adjusted, running = len(order), [math.nan] * len(p), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * float(p[i])))
        adjusted[i] = running
    return adjusted


def holm_family(checks: Sequence[Check], alpha: float = 1 - CONFIDENCE) -> list[Check]:
    """A chapter's family of single-run checks under Holm: "above/below our runs" stands only when its adjusted
    p is below `alpha`; otherwise the figure is one a run could give ("reproduced"). Inconclusive stays."""
    adjusted = holm([c.p_value if c.outcome != "inconclusive" else math.nan for c in checks])
    out = []
    for check, p in zip(checks, adjusted):
        if check.outcome.endswith("our runs") and not p < alpha:
            check = replace(check, outcome="reproduced")
        out.append(replace(check, p_value=check.p_value if math.isnan(p) else p))
    return out


def half_width(sd: float, k: int, known_var: float = 0.0) -> float:
    """The 95% one-run prediction half-width (points) k runs of spread `sd` reach: t_{k−1}·√(sd²(1+1/k) + known)."""
    if k < 2:
        return math.inf
    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, k - 1)) * math.sqrt(sd**2 * (1 + 1 / k) + known_var)


def seeds_needed(sd: float, target: float, known_var: float = 0.0, k_max: int = 1000) -> int | None:
    """The fewest runs whose prediction half-width is at most `target` points; None when even unlimited runs
    cannot (the floor z·√(sd² + known) exceeds it: one run's own noise is part of the question)."""
    if float(stats.norm.ppf(0.5 + CONFIDENCE / 2)) * math.sqrt(sd**2 + known_var) > target:
        return None
    return next((k for k in range(2, k_max + 1) if half_width(sd, k, known_var) <= target), None)


POWER_TARGETS = (0.1, 0.2)  # points: the resolutions the power table asks about


def power_row(check: Check) -> dict[str, Any]:
    """The resolution a check reached and the runs it would take for ±0.1 and ±0.2 points: per arm, with the same
    sd (for a gap, the sd of one pair's difference, t on k − 1 df: slightly optimistic against Welch's df)."""
    row: dict[str, Any] = {"runs": check.k, "sd of one run": check.sd, "half-width reached": check.half_width}
    for target in POWER_TARGETS:
        if math.isnan(check.sd):  # one run, or a capped figure: no spread to plan with
            row[f"runs for ±{target:g}"] = "—"
            continue
        need = seeds_needed(check.sd, target)
        row[f"runs for ±{target:g}"] = "not reachable" if need is None else need
    return row


def holm_paired(comparisons: dict[str, Paired], alpha: float = 1 - CONFIDENCE) -> dict[str, Paired]:
    """A chapter's family of paired comparisons under Holm: "higher"/"lower" stands only when its adjusted p is
    below `alpha`, else it reads "inconclusive"; "equivalent" (two one-sided tests, each at 5%) and
    "inconclusive" stay. The p-values become the adjusted ones."""
    names = list(comparisons)
    adjusted = holm(
        [comparisons[n].p_value if comparisons[n].outcome in ("higher", "lower") else math.nan for n in names]
    )
    out = {}
    for name, p in zip(names, adjusted):
        c = comparisons[name]
        if c.outcome in ("higher", "lower") and not p < alpha:
            c = replace(c, outcome="inconclusive")
        out[name] = c if math.isnan(p) else replace(c, p_value=p)
    return out


EXPECTATIONS = ("higher", "lower", "equivalent")  # what a report says of A against B


def claim_outcome(comparison: Paired, expected: str) -> str:
    """A report's claim that A is `expected` ("higher", "lower" or "equivalent": "didn't affect much") than B,
    judged by the paired comparison A − B: "reproduced" when it comes out so, "not reproduced" when it comes out
    otherwise (the other direction, or equivalent where a difference was claimed, or a difference where none
    was), "inconclusive" when the comparison is."""
    if expected not in EXPECTATIONS:
        raise ValueError(f"expected={expected!r} must be one of {EXPECTATIONS}.")
    if comparison.outcome == "inconclusive":
        return "inconclusive"
    return "reproduced" if comparison.outcome == expected else "not reproduced"


def joint_outcome(parts: Sequence[str]) -> str:
    """A claim of several parts that each must hold (C12: higher accuracy *and* less overfitting), from each part's
    `claim_outcome`: "reproduced" when all are, "not reproduced" when none is, "inconclusive" when any part is
    (and none contradicts it... a part that could not be told leaves the whole open), else "partly reproduced"."""
    known = {"reproduced", "not reproduced", "inconclusive"}
    if not parts or set(parts) - known:
        raise ValueError(f"parts={list(parts)!r}: give each part's claim_outcome ({', '.join(sorted(known))}).")
    if "inconclusive" in parts:
        return "inconclusive"
    if set(parts) == {"reproduced"}:
        return "reproduced"
    return "not reproduced" if set(parts) == {"not reproduced"} else "partly reproduced"
