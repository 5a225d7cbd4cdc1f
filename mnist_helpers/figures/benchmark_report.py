"""`make bench` results (benchmarks/results.json) as tables and one line on the machine: the one home of both,
for the printed summary, the Markdown page and the reproducibility page alike."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mnist_helpers.core.atomic import read_json

COLUMNS = {
    "label": "contender",
    "batch_size": "batch",
    "images_per_s": "images/s",
    "epoch_s_60k": "s per 60k epoch",
    "train_mflop_per_image": "MFLOP per image (training step)",
    "gflops": "GFLOP/s",
    "fraction_of_matmul": "fraction of matmul",
}
SWEEP_BATCH = 64  # the sweep trains Shah's CNN at its batch size


@dataclass(frozen=True)
class BenchResults:
    """The contenders and targets as tables, and one line on the machine and run that measured them."""

    table: pd.DataFrame
    targets: pd.DataFrame
    machine: str
    matmul_gflops: float  # the fp32 matrix-product rate on all the cores torch was given


def results_table(raw: dict[str, Any]) -> pd.DataFrame:
    """One row per contender, then the matmul peak and the seed sweep (sequential and parallel)."""
    rows = pd.DataFrame(raw["rows"])
    table = rows.reindex(columns=list(COLUMNS)).rename(columns=COLUMNS).set_index("contender")
    table.loc["fp32 matmul (torch.mm)", ["GFLOP/s", "fraction of matmul"]] = [raw["matmul_gflops"], 1.0]
    sweep = raw.get("sweep")  # absent from results made before issue 11
    if sweep:
        for how in ("sequential", "parallel"):
            ips = sweep[f"{how}_images_per_s"]
            label = f"Shah CNN sweep of {sweep['runs']} seeds, {how}"
            table.loc[label, ["batch", "images/s", "s per 60k epoch"]] = [SWEEP_BATCH, ips, 60_000 / ips]
    return table


def targets_table(raw: dict[str, Any]) -> pd.DataFrame:
    """The targets the project set itself, what was measured and whether each was met."""
    targets = pd.DataFrame(raw["targets"]).rename(columns={"name": "target", "target": "goal"})
    return targets.set_index("target")


def machine_line(raw: dict[str, Any]) -> str:
    """Where and when the figures were measured: CPU, its matmul peak, cores, threads, versions, date, commit."""
    m, packages = raw["machine"], raw["packages"]
    return (
        f"{m['cpu']} (fp32 matmul peak {raw['matmul_gflops']:.0f} GFLOP/s), {m['usable_cores']} usable cores, "
        f"torch {packages.get('torch')} with {m['torch_threads']} threads, keras {packages.get('keras')}; "
        f"measured {raw['date']} at commit {raw['git_commit']}"
    )


def load_results(path: str | os.PathLike) -> BenchResults | None:
    """The results written by `python -m benchmarks.run`, or None when the benchmark has not been run."""
    p = Path(path)
    if not p.exists():
        return None
    raw = read_json(p)
    try:
        return BenchResults(results_table(raw), targets_table(raw), machine_line(raw), float(raw["matmul_gflops"]))
    except (KeyError, TypeError) as e:
        raise ValueError(
            f"{p}: not a benchmark results file ({e!r} missing); re-run `make bench` to regenerate it."
        ) from None
