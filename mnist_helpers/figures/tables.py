"""The chapters' result tables: per-seed readings, ablation arms and optimizer summaries, formatted for the book."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from mnist_helpers.claims.rules import UNITS, Check, Paired
from mnist_helpers.measure.metrics import evaluate_classifier, fmt_pct, format_mean_std, summarize_runs
from mnist_helpers.measure.rate_distortion import MISSING
from mnist_helpers.recipes.saved import Trained
from mnist_helpers.training.history import last_and_best

LAST, BEST = "last epoch (%)", "best epoch (%), optimistic"  # last_and_best's percent columns


def formatted(table: pd.DataFrame, digits: int | None = None) -> pd.DataFrame:
    """A copy for display: every "(%)" column as `evaluate.fmt_pct` text, other float columns rounded to `digits`."""
    out = table.copy()
    for column in out:
        if "(%)" in column:
            out[column] = out[column].map(fmt_pct)
        elif digits is not None and pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].map(lambda v: round(v, digits))
    return out


def seed_readings(runs: Sequence[Trained], seeds: Sequence[int], test_labels: np.ndarray) -> pd.DataFrame:
    """Per seed ("seed s"): test accuracy (%) at the last and the best epoch, the best epoch, and the final model's
    test log loss and expected calibration error in accuracy points; numbers unrounded (show them with `formatted`)."""
    per_seed = last_and_best({f"seed {s}": t.history for s, t in zip(seeds, runs, strict=True)})
    metrics = [evaluate_classifier(test_labels, t.outputs) for t in runs]
    return pd.DataFrame(
        {
            LAST: per_seed[LAST],
            BEST: per_seed[BEST],
            "best at epoch": per_seed["best at epoch"],
            "test loss": [m["log_loss"] for m in metrics],
            "ECE (points)": [100 * m["ece"] for m in metrics],  # accuracy points, as the book gives ECE everywhere
        },
        index=per_seed.index,
    )


def arm_accuracies(
    headline_arm: str,
    headline_runs: Sequence[Trained],
    arms: Sequence[str],
    arm_runs: Sequence[Trained],
    epoch: int,
) -> dict[str, list[float]]:
    """Test accuracy (%) per seed of each ablation arm: the headline runs read at `epoch`, then each of `arms` at
    its last epoch, `arm_runs` listed arm by arm with as many seeds each as `headline_runs` (as swept)."""
    k = len(headline_runs)
    if len(arm_runs) != k * len(arms):
        raise ValueError(f"arm_runs has {len(arm_runs)} runs; pass {k} per arm for the {len(arms)} arms, arm by arm.")
    accs = {headline_arm: [100 * t.history.at_epoch(epoch)["test_acc"] for t in headline_runs]}
    for i, arm in enumerate(arms):
        accs[arm] = [100 * t.history.last_value() for t in arm_runs[i * k : (i + 1) * k]]
    return accs


def ablation_table(arm_accs: dict[str, list[float]], verdicts: dict[str, Paired], index_name: str) -> pd.DataFrame:
    """One row per arm: accuracy mean ± sd and per seed (%), and for arms compared with the reference arm
    (`claims.paired_comparison`, paired by seed) the mean difference with its 95% interval and the outcome; the
    reference arm reads "reference"."""
    rows = []
    for arm, accs in arm_accs.items():
        v = verdicts.get(arm)
        rows.append(
            {
                "test accuracy (%), mean ± sd": format_mean_std(*summarize_runs(accs)),
                "per seed (%)": ", ".join(fmt_pct(a) for a in accs),
                "− headline (points), 95% interval": "—" if v is None else _paired_interval(v),
                "verdict": "reference" if v is None else v.outcome,
            }
        )
    return pd.DataFrame(rows, index=pd.Index(list(arm_accs), name=index_name))


def _paired_interval(v: Paired) -> str:
    """'+0.12 [−0.05, +0.29]' (points), or the mean alone when one seed gives no interval."""
    return f"{v.mean:+.2f}" + ("" if math.isnan(v.low) else f" [{v.low:+.2f}, {v.high:+.2f}]")


def optimizer_seed_table(
    runs: dict[str, list[Trained]], seeds: Sequence[int], test_pct: dict[str, list[float]]
) -> pd.DataFrame:
    """Chapter 5, one row per optimizer and seed: validation accuracy at the last and best epoch, the best epoch,
    and the official test accuracy (`test_pct`, %) of the same model; percentages formatted."""
    histories = {f"{o}, seed {s}": t.history for o, of_opt in runs.items() for s, t in zip(seeds, of_opt, strict=True)}
    per_seed = last_and_best(histories)
    per_seed["official test (%)"] = [v for o in runs for v in test_pct[o]]
    return formatted(per_seed)


def optimizer_summary_table(
    last_pct: dict[str, list[float]],
    best_pct: dict[str, list[float]],
    test_pct: dict[str, list[float]],
    author_pct: dict[str, float],
) -> pd.DataFrame:
    """Chapter 5, one row per optimizer: "mean ± sd" over seeds of the last and best epoch's validation accuracy and
    of the official test accuracy (all %), beside the author's logged figure at our last epoch (`author_pct`)."""

    def mean_sd(pct: dict[str, list[float]]) -> dict[str, str]:
        return {o: format_mean_std(*summarize_runs(v)) for o, v in pct.items()}

    return pd.DataFrame(
        {
            "last epoch, validation (%)": mean_sd(last_pct),
            "best epoch, validation (%), optimistic": mean_sd(best_pct),
            "official test (%)": mean_sd(test_pct),
            "author's log at our last epoch (%)": {o: fmt_pct(v) for o, v in author_pct.items()},
        }
    )


def check_table(checks: dict[str, Check]) -> pd.DataFrame:
    """One row per report figure judged by the one-run rules (`claims.rules.Check`): the report's figure, our mean
    over k runs, the 95% interval one run of ours falls in with its half-width against δ, and the outcome with its
    (Holm-adjusted, where a family was adjusted) p-value; formatted for display, no index column."""
    rows = []
    for label, c in checks.items():
        unit, digits = UNITS.get(c.kind, ("%", 2))
        f = f".{digits}f"
        interval = "—" if math.isnan(c.low) else f"{c.low:{f}} to {c.high:{f}}{unit} (±{c.half_width:{f}})"
        rows.append(
            {
                "figure": label,
                "report": f"{c.figure:{f}}{unit}",
                "ours, mean": f"{c.centre:{f}}{unit} ({c.k} runs)",
                "one run of ours falls in (95%)": interval,
                "outcome": c.outcome,
                "p": "—" if math.isnan(c.p_value) else f"{c.p_value:.2g}",
            }
        )
    return pd.DataFrame(rows).set_index("figure")


def arm_comparison_table(
    acc: dict[str, dict[int, float]],
    compared: dict[str, Paired],
    seconds: dict[str, float],
    parameters: dict[str, int],
) -> pd.DataFrame:
    """One row per arm, the reference first: test accuracy (mean ± sd over its seeds, %), the paired difference
    from the reference with its 95% interval and outcome (`compared`), seconds per epoch and parameters."""
    rows = []
    for arm in ["reference", *compared]:
        values = list(acc[arm].values())
        v = compared.get(arm)
        rows.append(
            {
                "arm": arm,
                "seeds": len(values),
                "test accuracy (%)": format_mean_std(*summarize_runs(values)),
                "− reference (points), 95% interval": "—" if v is None else _paired_interval(v),
                "outcome": "reference" if v is None else v.outcome,
                "s per epoch": f"{seconds[arm]:.1f}",
                "parameters": f"{parameters[arm]:,}",
            }
        )
    return pd.DataFrame(rows).set_index("arm").rename_axis(index=None, columns="arm")  # "arm" on the header row


NBSP = "\u00a0"  # joins a cell's parts: a browser may not break "24.63 ± 0.31" over two lines to squeeze its column
CODEC_MEASURES = {  # over_seeds column: (header, scale, decimals); MSE × 1,000 keeps its 5 decimals in a narrow cell
    "mse": ("MSE × 1,000", 1000, 2),
    "psnr": ("PSNR (dB)", 1, 2),
    "ssim": ("SSIM", 1, 3),
}


def _codec_index(table: pd.DataFrame) -> pd.MultiIndex:
    """Rows named by model and code size (no row numbers), in `table`'s order."""
    return pd.MultiIndex.from_arrays(
        [table["method"].to_numpy(), table["code_size"].to_numpy()], names=["model", "code size"]
    )


def codec_quality(table: pd.DataFrame) -> pd.DataFrame:
    """The rate-distortion table (`measure.over_seeds`) for the page, narrow enough for the text column: per model
    and code size, both compression ratios ("numbers / bits") and each reconstruction measure as its mean over seeds
    "± the half-width of the 95% interval of that mean" (the mean alone where a row has no interval: PCA, one fit).
    Text only, the numbers `table`'s, scaled and rounded as `CODEC_MEASURES` says; decoder size and throughput are
    `codec_cost`'s."""
    columns = {
        "compression (×): numbers / bits": [
            f"{r:.1f}{NBSP}/{NBSP}{b:.2f}" for r, b in zip(table["ratio"], table["bit_ratio"], strict=True)
        ]
    }
    for measure, (header, scale, digits) in CODEC_MEASURES.items():
        halves = table[f"{measure}_half"] if f"{measure}_half" in table else [math.nan] * len(table)
        columns[header] = [
            f"{scale * m:.{digits}f}" + ("" if pd.isna(h) else f"{NBSP}±{NBSP}{scale * h:.{digits}f}")
            for m, h in zip(table[measure], halves, strict=True)
        ]
    return pd.DataFrame(columns, index=_codec_index(table))


def codec_cost(table: pd.DataFrame) -> pd.DataFrame:
    """What each codec of the rate-distortion table (`measure.over_seeds`) costs: the parameters its decoding side
    stores and its encode and decode throughput (images/s, mean over seeds), as text with thousands separators;
    "—" where a measure does not apply (PCA's throughput)."""

    def count(value: float) -> str:
        return MISSING if pd.isna(value) else f"{value:,.0f}"

    return pd.DataFrame(
        {
            "decoder parameters": [count(v) for v in table["params"]],
            "encode (images/s)": [count(v) for v in table["encode img/s"]],
            "decode (images/s)": [count(v) for v in table["decode img/s"]],
        },
        index=_codec_index(table),
    )


def results_html(table: pd.DataFrame) -> str:
    """The intro's results table as HTML (`claims.results`): claim, report, what it says, ours, and the outcome as
    a badge coloured by its answer (CSS classes `verdict verdict-<category>`), linking to the chapter that
    judged it. Escaped text throughout; no index column."""
    from html import escape

    head = "".join(f"<th>{h}</th>" for h in ("Claim", "Report", "The report says", "Ours", "Verdict"))
    rows = []
    for claim_id, row in table.iterrows():
        slug = str(row["category"]).replace(" ", "-")
        badge = (
            f'<a class="verdict verdict-{slug}" href="{escape(str(row["chapter"]))}.html">'
            f"{escape(str(row['outcome']))}</a>"
        )
        cells = [str(claim_id), row["report"], row["the report says"], row["ours"]]
        rows.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + f"<td>{badge}</td></tr>")
    body = "".join(rows)
    return (
        f'<table id="results-table" class="results-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def epochs_by_seed(epochs_taken: pd.DataFrame) -> pd.DataFrame:
    """`training.epochs_taken` for several seeds (index seed, model, code size) as one row per model and code size
    and one column per seed: "best epoch / epochs trained", with "limit" where the epoch limit, not patience,
    stopped it and the learning-rate cuts where there were any. Narrow enough for the text column."""
    cells = {}
    for (seed, model, size), row in epochs_taken.iterrows():
        cell = f"{row['best epoch (weights kept)']} / {row['stopped after epoch']}"
        notes = (["limit"] if row["stopped by"] == "epoch limit" else []) + (
            [f"{row['learning-rate cuts']} lr cut" + ("s" * (row["learning-rate cuts"] > 1))]
            if row["learning-rate cuts"]
            else []
        )
        cells[(model, size), f"seed {seed}"] = cell + (f" ({', '.join(notes)})" if notes else "")
    rows = list(dict.fromkeys(k for k, _ in cells))
    columns = list(dict.fromkeys(c for _, c in cells))
    out = pd.DataFrame([[cells.get((r, c), "—") for c in columns] for r in rows], columns=columns)
    out.index = pd.MultiIndex.from_tuples(rows, names=["model", "code size"])
    return out
