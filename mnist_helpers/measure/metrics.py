"""Classifier evaluation: accuracy, loss, confusion, per-class scores, calibration and McNemar's test."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from sklearn import metrics

from mnist_helpers.data.mnist import N_CLASSES

N_BINS = 15  # reliability bins, as in Guo et al. 2017
PROB_CLIP = 1e-12  # smallest probability log_loss will take the log of


def _labels(y: np.ndarray, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array of class labels, got shape {y.shape}; "
            "pass argmax(probs, axis=1) if you have probabilities"
        )
    return y.astype(np.int64)


def _probs(y_true: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = _labels(y_true, "y_true")
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != y.shape[0]:
        raise ValueError(
            f"probs must have shape (len(y_true), n_classes) = ({y.shape[0]}, C), "
            f"got {p.shape}; pass softmax outputs, one row per image"
        )
    if y.size and (y.min() < 0 or y.max() >= p.shape[1]):
        raise ValueError(f"y_true holds labels outside 0..{p.shape[1] - 1}; probs needs one column per class")
    return y, p


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of predictions equal to the true label."""
    return float(metrics.accuracy_score(_labels(y_true, "y_true"), _labels(y_pred, "y_pred")))


def log_loss(y_true: np.ndarray, probs: np.ndarray) -> float:
    """Mean negative log-likelihood of the true class, probabilities clipped at PROB_CLIP."""
    # By hand: sklearn's log_loss renormalises rows and wants every class present in small subsets.
    y, p = _probs(y_true, probs)
    return float(-np.mean(np.log(np.clip(p[np.arange(y.size), y], PROB_CLIP, 1.0))))


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """Confusion matrix of counts: rows are true classes, columns are predicted classes."""
    return metrics.confusion_matrix(_labels(y_true, "y_true"), _labels(y_pred, "y_pred"), labels=np.arange(n_classes))


def per_class_report(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = N_CLASSES) -> pd.DataFrame:
    """Precision, recall, F1 and support per digit (index `digit`); 0 where a score is undefined."""
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        _labels(y_true, "y_true"), _labels(y_pred, "y_pred"), labels=np.arange(n_classes), zero_division=0
    )
    return pd.DataFrame(
        {"precision": precision, "recall": recall, "f1": f1, "support": support},
        index=pd.RangeIndex(n_classes, name="digit"),
    )


def most_confused_pairs(cm: np.ndarray, k: int | None = 5, symmetric: bool = True) -> pd.DataFrame:
    """The k largest off-diagonal confusions, largest first; pairs never confused are left out.

    symmetric=True: unordered pairs {a, b} (a < b) with columns pair ("a↔b"), a, b, a_to_b, b_to_a, total.
    symmetric=False: ordered pairs with columns pair ("a→b"), true, predicted, count.
    Ties keep the smaller digits first. k=None returns every confused pair.
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"cm must be a square confusion matrix, got shape {cm.shape}")
    n = cm.shape[0]
    if symmetric:
        rows = [
            {
                "pair": f"{a}↔{b}",
                "a": a,
                "b": b,
                "a_to_b": int(cm[a, b]),
                "b_to_a": int(cm[b, a]),
                "total": int(cm[a, b] + cm[b, a]),
            }
            for a in range(n)
            for b in range(a + 1, n)
        ]
        key, columns = "total", ["pair", "a", "b", "a_to_b", "b_to_a", "total"]
    else:
        rows = [
            {"pair": f"{t}→{p}", "true": t, "predicted": p, "count": int(cm[t, p])}
            for t in range(n)
            for p in range(n)
            if t != p
        ]
        key, columns = "count", ["pair", "true", "predicted", "count"]
    df = pd.DataFrame(rows, columns=columns)
    df = df[df[key] > 0].sort_values(key, ascending=False, kind="stable")
    return (df if k is None else df.head(k)).reset_index(drop=True)


def misclassified(y_true: np.ndarray, probs: np.ndarray, k: int | None = None) -> pd.DataFrame:
    """Wrong predictions as rows (index into the inputs, true, predicted, confidence), most confident first."""
    y, p = _probs(y_true, probs)
    pred = p.argmax(axis=1)
    wrong = np.flatnonzero(pred != y)
    df = pd.DataFrame({"index": wrong, "true": y[wrong], "predicted": pred[wrong], "confidence": p[wrong, pred[wrong]]})
    df = df.sort_values("confidence", ascending=False, kind="stable").reset_index(drop=True)
    return df if k is None else df.head(k)


def reliability_bins(y_true: np.ndarray, probs: np.ndarray, n_bins: int = N_BINS) -> pd.DataFrame:
    """Top-label confidence in n_bins equal-width bins (lower, upper]; per bin mean confidence, accuracy, count.

    Empty bins have count 0 and NaN mean_confidence and accuracy. A confidence of exactly 0 falls in bin 0.
    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins}")
    y, p = _probs(y_true, probs)
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # side="left" makes bins closed on the right, (lower, upper], as in Guo et al.'s reference code.
    idx = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, n_bins - 1)
    count = np.bincount(idx, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(idx, weights=conf, minlength=n_bins) / count
        acc = np.bincount(idx, weights=correct, minlength=n_bins) / count
    return pd.DataFrame(
        {"lower": edges[:-1], "upper": edges[1:], "mean_confidence": mean_conf, "accuracy": acc, "count": count}
    )


def expected_calibration_error(y_true: np.ndarray, probs: np.ndarray, n_bins: int = N_BINS) -> float:
    """Top-label ECE (Guo et al. 2017): sum over bins of `count / N * |accuracy - mean confidence|`."""
    bins = reliability_bins(y_true, probs, n_bins)
    used = bins[bins["count"] > 0]
    total = bins["count"].sum()
    if total == 0:
        raise ValueError("y_true is empty; ECE needs at least one prediction")
    return float((used["count"] / total * (used["accuracy"] - used["mean_confidence"]).abs()).sum())


def mcnemar(
    y_true: np.ndarray,
    pred_a: np.ndarray,
    pred_b: np.ndarray,
    method: str = "exact",
    alpha: float = 0.05,
    name_a: str = "A",
    name_b: str = "B",
) -> dict:
    """McNemar's paired test on two classifiers' predictions for the same images.

    b = images A gets right and B gets wrong, c = the reverse. method="exact" (default, valid for
    any b + c): two-sided binomial test of b ~ Bin(b + c, 1/2) via scipy.stats.binomtest, statistic
    = min(b, c). method="chi2": (|b - c| - 1)^2 / (b + c) with 1 degree of freedom (Edwards'
    continuity correction), the large-sample approximation. `better` names the model with more
    discordant wins (None on a tie); `significant` is p_value < alpha.
    """
    y = _labels(y_true, "y_true")
    a, b_pred = _labels(pred_a, "pred_a"), _labels(pred_b, "pred_b")
    if not (y.shape == a.shape == b_pred.shape):
        raise ValueError(
            f"y_true, pred_a and pred_b must have the same length, got {y.shape[0]}, {a.shape[0]}, {b_pred.shape[0]}"
        )
    a_right, b_right = a == y, b_pred == y
    b = int(np.sum(a_right & ~b_right))
    c = int(np.sum(~a_right & b_right))
    n = b + c
    if method == "exact":
        statistic = float(min(b, c))
        p_value = 1.0 if n == 0 else float(stats.binomtest(b, n, 0.5).pvalue)
    elif method == "chi2":
        statistic = 0.0 if n == 0 else (max(abs(b - c) - 1, 0)) ** 2 / n
        p_value = float(stats.chi2.sf(statistic, df=1))
    else:
        raise ValueError(f"method must be 'exact' or 'chi2', got {method!r}")
    better = name_a if b > c else name_b if c > b else None
    return {
        "b": b,
        "c": c,
        "statistic": float(statistic),
        "p_value": p_value,
        "method": method,
        "better": better,
        "significant": bool(p_value < alpha),
    }


def summarize_runs(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1) over runs; std is NaN for a single run."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        raise ValueError("values is empty; pass one number per run (e.g. per seed)")
    std = float(np.std(v, ddof=1)) if v.size > 1 else math.nan
    return float(np.mean(v)), std


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> dict[str, float]:
    """Mean of per-seed values with the t interval of that mean: {"mean", "sd", "n", "low", "high"}.

    The interval holds the spread between training runs only: when every run is scored on the same images, that
    set's sampling error is shared by all of them and is not in it. One value gives NaN for sd, low and high.
    """
    mean, sd = summarize_runs(values)
    n = int(np.asarray(values).size)
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n) if n > 1 else math.nan
    return {"mean": mean, "sd": sd, "n": n, "low": mean - half, "high": mean + half}


def format_interval(summary: dict[str, float], digits: int = 2, unit: str = "") -> str:
    """Book text for `mean_interval`'s result, e.g. '1.23 (95% interval of the mean 1.01 to 1.45, 5 seeds)';
    '1.23 (1 seed)' without an interval."""
    mean = f"{summary['mean']:.{digits}f}{unit}"
    n = int(summary["n"])
    if n < 2:
        return f"{mean} (1 seed)"
    return f"{mean} (95% interval of the mean {summary['low']:.{digits}f} to {summary['high']:.{digits}f}, {n} seeds)"


def format_mean_std(mean: float, std: float, digits: int = 2) -> str:
    """Book text for a result over runs, e.g. '99.12 ± 0.05'; just the mean when std is NaN (one run)."""
    if math.isnan(std):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def evaluate_classifier(y_true: np.ndarray, probs: np.ndarray, n_bins: int = N_BINS) -> dict:
    """JSON-ready summary: n, accuracy, log_loss, ece and the confusion matrix as nested lists."""
    y, p = _probs(y_true, probs)
    pred = p.argmax(axis=1)
    return {
        "n": int(y.size),
        "accuracy": accuracy(y, pred),
        "log_loss": log_loss(y, p),
        "ece": expected_calibration_error(y, p, n_bins),
        "confusion": confusion(y, pred, n_classes=p.shape[1]).tolist(),
    }


def pair_overlap(pairs: pd.DataFrame, claimed: tuple[str, ...], top: int) -> int:
    """How many of the claimed unordered pairs ("2↔7") are among the `top` most confused pairs here."""
    canon = lambda p: tuple(sorted(p.split("↔")))
    ours = {canon(p) for p in pairs["pair"].head(top)}
    return sum(canon(p) in ours for p in claimed)


def fmt_pct(value_pct: float, digits: int = 2) -> str:
    """A percentage for tables and text, e.g. fmt_pct(98.93) -> '98.93%'; missing values (None, NaN) -> '—'."""
    if value_pct is None or (isinstance(value_pct, float) and math.isnan(value_pct)):
        return "—"
    return f"{float(value_pct):.{digits}f}%"


def pair_ranking_stability(cms: Sequence[np.ndarray], top: int = 3) -> dict[str, float]:
    """How stable the ranking of confused digit pairs is across runs (e.g. seeds), from their confusion matrices.

    kendall_tau: mean Kendall tau-b between every two runs' counts over all 45 unordered pairs (1 = same order);
    top_overlap: mean share of one run's `top` pairs that are also in another's `top` (1 = same top pairs);
    top_in_all: how many pairs are in the `top` of every run.
    """
    if len(cms) < 2:
        raise ValueError(f"cms holds {len(cms)} confusion matrix(es); pass one per run, at least two, to compare.")
    totals = [most_confused_pairs(cm, k=None).set_index("pair")["total"] for cm in cms]
    n = np.asarray(cms[0]).shape[0]
    every = [f"{a}↔{b}" for a in range(n) for b in range(a + 1, n)]
    counts = [t.reindex(every, fill_value=0).to_numpy() for t in totals]
    tops = [set(t.index[:top]) for t in totals]
    taus, overlaps = [], []
    for i in range(len(cms)):
        for j in range(i + 1, len(cms)):
            taus.append(stats.kendalltau(counts[i], counts[j]).statistic)
            overlaps.append(len(tops[i] & tops[j]) / top)
    return {
        "kendall_tau": float(np.mean(taus)),
        "top_overlap": float(np.mean(overlaps)),
        "top_in_all": len(set.intersection(*tops)),
        "runs": len(cms),
    }


def pooled_pair_ranking(cms: Sequence[np.ndarray], top: int = 3, k: int = 8) -> pd.DataFrame:
    """The unordered digit pairs ranked by their confusions pooled over several runs' matrices, ties as ties.

    Columns: pair ("a↔b"), confusions (both directions, all runs), rank (competition ranking: tied pairs share
    the best rank, "3=" when shared), top (within the first `top` ranks: a pair tied at the boundary is in),
    runs_in_top (in how many runs the pair is in that run's own top `top`, ties counted the same way). The `k`
    highest-ranked pairs, more when ties at the k-th rank would be cut."""
    if not len(cms):
        raise ValueError("cms is empty: pass one confusion matrix per run.")
    per_run = [most_confused_pairs(cm, k=None).set_index("pair")["total"] for cm in cms]
    n = np.asarray(cms[0]).shape[0]
    every = [f"{a}↔{b}" for a in range(n) for b in range(a + 1, n)]
    counts = pd.DataFrame({i: t.reindex(every, fill_value=0) for i, t in enumerate(per_run)})
    in_run_top = counts.rank(method="min", ascending=False) <= top
    pooled = counts.sum(axis=1)
    rank = pooled.rank(method="min", ascending=False).astype(int)
    shared = rank.map(rank.value_counts()) > 1
    table = pd.DataFrame(
        {
            "pair": every,
            "confusions": pooled.to_numpy(),
            "rank": [f"{r}=" if s else str(r) for r, s in zip(rank, shared)],
            "top": (rank <= top).to_numpy(),
            "runs_in_top": in_run_top.sum(axis=1).to_numpy(),
        }
    )
    order = np.argsort(-pooled.to_numpy(), kind="stable")
    table = table.iloc[order].reset_index(drop=True)
    cutoff = int(rank.iloc[order].iloc[min(k, len(order)) - 1])
    return table[rank.iloc[order].to_numpy() <= cutoff].reset_index(drop=True)
