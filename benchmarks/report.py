"""Benchmark results as people read them: the printed table, the JSON record and a Markdown table from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.flops import MATMUL_SIZE
from mnist_helpers.atomic import write_json, write_text

SWEEP_BATCH = 64  # the sweep trains Shah's CNN at its batch size


def results_markdown(results: dict[str, Any]) -> str:
    """A Markdown page of the results: contenders, targets, and the machine and load they were measured under."""
    m, load = results["machine"], results["load"]
    lines = [
        "| contender | batch | images/s | s per 60k epoch | GFLOP/s | of matmul |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in results["rows"]:
        lines.append(
            f"| {row['label']} | {row['batch_size']} | {row['images_per_s']:,.0f} | {row['epoch_s_60k']:.1f} "
            f"| {row['gflops']:.1f} | {row['fraction_of_matmul']:.0%} |"
        )
    size = results["settings"]["matmul_size"]
    lines.append(f"| fp32 matmul {size}×{size} (torch.mm) | | | | {results['matmul_gflops']:.1f} | 100% |")
    sweep = results.get("sweep")
    if sweep:
        for how, who in (
            ("sequential", f"one process, {sweep['sequential_threads']} threads"),
            ("parallel", f"{sweep['workers']} workers x {sweep['threads_per_worker']} thread"),
        ):
            ips = sweep[f"{how}_images_per_s"]
            lines.append(
                f"| Shah CNN sweep of {sweep['runs']} seeds, {how} ({who}) | 64 | {ips:,.0f} | {60_000 / ips:.1f} | | |"
            )
    lines += ["", "| target | measured | goal | |", "|---|---:|---:|---|"]
    for t in results["targets"]:
        lines.append(f"| {t['name']} | {t['measured']} | {t['target']} | {'met' if t['met'] else 'missed'} |")
    kept = load.get("round_kept", [True] * len(load["other_cores_per_round"]))
    others = [v for v, k in zip(load["other_cores_per_round"], kept) if v is not None and k]
    set_aside = len(kept) - sum(kept)
    lines += [
        "",
        f"Measured {results['date']} at commit `{results['git_commit']}` with `{results['command']}`"
        f"{' (smoke run: too few batches to quote)' if results['quick'] else ''}.",
        f"Machine: {m['cpu']} (fp32 matmul peak {results['matmul_gflops']:.0f} GFLOP/s), {m['usable_cores']} usable "
        f"cores, torch {results['packages'].get('torch')} with "
        f"{m['torch_threads']} threads, keras {results['packages'].get('keras')}, "
        f"Python {results['packages'].get('python')}.",
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
    """The results as fixed-width text: one row per contender, then matmul, ratios and targets."""
    lines = [f"{'contender':<58} {'batch':>5} {'images/s':>9} {'s/epoch':>8} {'GFLOP/s':>8} {'of matmul':>9}"]
    for row in summary["rows"]:
        lines.append(
            f"{row['label']:<58} {row['batch_size']:>5} {row['images_per_s']:>9,.0f} "
            f"{row['epoch_s_60k']:>8.1f} {row['gflops']:>8.1f} {row['fraction_of_matmul']:>9.0%}"
        )
    lines.append(
        f"{'fp32 matmul ' + str(MATMUL_SIZE) + 'x' + str(MATMUL_SIZE):<58} {'':>5} {'':>9} {'':>8} "
        f"{summary['matmul_gflops']:>8.1f} {1:>9.0%}"
    )
    sweep = summary.get("sweep")
    if sweep:
        for how in ("sequential", "parallel"):
            label = f"Shah CNN sweep of {sweep['runs']} seeds, {how}"
            lines.append(f"{label:<58} {SWEEP_BATCH:>5} {sweep[how + '_images_per_s']:>9,.0f}")
    for t in summary["targets"]:
        lines.append(f"target: {t['name']}: {t['measured']} (target {t['target']}): {'met' if t['met'] else 'MISSED'}")
    return "\n".join(lines)
