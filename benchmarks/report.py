"""Benchmark results as people read them: the printed table, the JSON record and a Markdown table from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from mnist_helpers.core.atomic import write_json, write_text
from mnist_helpers.figures.benchmark_report import machine_line, results_table, targets_table


def results_markdown(results: dict[str, Any]) -> str:
    """A Markdown page of the results: contenders, targets, and the machine and load they were measured under."""
    load = results["load"]
    table = results_table(results).reset_index()
    table["fraction of matmul"] = table["fraction of matmul"].map(lambda f: "" if pd.isna(f) else f"{f:.0%}")
    table["batch"] = table["batch"].map(lambda b: "" if pd.isna(b) else f"{b:.0f}")
    table = table.astype(object).where(table.notna(), None)  # tabulate's missingval fills None, not NaN
    targets = targets_table(results).reset_index()
    targets["met"] = targets["met"].map({True: "met", False: "missed"})
    kept = load.get("round_kept", [True] * len(load["other_cores_per_round"]))
    others = [v for v, k in zip(load["other_cores_per_round"], kept) if v is not None and k]
    set_aside = len(kept) - sum(kept)
    lines = [
        table.to_markdown(index=False, floatfmt=",.1f", missingval=""),
        "",
        targets.to_markdown(index=False, missingval=""),
        "",
        f"Command: `{results['command']}`{' (smoke run: too few batches to quote)' if results['quick'] else ''}.",
        f"Machine: {machine_line(results)}; Python {results['packages'].get('python')}.",
        f"Load: other processes used at most {max(others, default=0):.2f} cores during the rounds kept"
        f"{f' ({set_aside} round(s) run on a busy machine were set aside and re-run)' if set_aside else ''}; "
        f"load average {load['load_average_before']} before, {load['load_average_after']} after.",
        f"Medians of {results['settings']['rounds']} rounds; contenders alternate within each round, after a warm-up.",
    ]
    return "\n".join(lines) + "\n"


def write_results(results: dict[str, Any], out: str | Path) -> None:
    """Write `results` to `out` (JSON) and the Markdown table beside it (same name, .md), each atomically."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(out, results)
    write_text(out.with_suffix(".md"), results_markdown(results))


def format_table(summary: dict) -> str:
    """The results as fixed-width text: the contenders table, then the targets (the same tables as the page)."""
    targets = targets_table(summary)
    lines = [results_table(summary).to_string(float_format=lambda v: f"{v:,.1f}", na_rep="")]
    for name, t in targets.iterrows():
        lines.append(f"target: {name}: {t['measured']} (target {t['goal']}): {'met' if t['met'] else 'MISSED'}")
    return "\n".join(lines)
