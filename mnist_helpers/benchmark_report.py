"""Read `make bench` results (benchmarks/results.json) into tables for the reproducibility page."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mnist_helpers.atomic import read_json

COLUMNS = {
    "label": "contender",
    "batch_size": "batch",
    "images_per_s": "images/s",
    "epoch_s_60k": "s per 60k epoch",
    "gflops": "GFLOP/s",
    "fraction_of_matmul": "fraction of matmul",
}


@dataclass(frozen=True)
class BenchResults:
    """The contenders and targets as tables, and one line on the machine and run that measured them."""

    table: pd.DataFrame
    targets: pd.DataFrame
    machine: str


def load_results(path: str | os.PathLike) -> BenchResults | None:
    """The results written by `python -m benchmarks.run`, or None when the benchmark has not been run."""
    p = Path(path)
    if not p.exists():
        return None
    raw = read_json(p)
    try:
        table = pd.DataFrame(raw["rows"])[list(COLUMNS)].rename(columns=COLUMNS).set_index("contender")
        targets = pd.DataFrame(raw["targets"]).rename(columns={"name": "target", "target": "goal"}).set_index("target")
        m, packages = raw["machine"], raw["packages"]
        machine = (
            f"{m['cpu']}, {m['usable_cores']} usable cores, torch {packages.get('torch')} with {m['torch_threads']} "
            f"threads, keras {packages.get('keras')}; measured {raw['date']} at commit {raw['git_commit']}, "
            f"matmul peak {raw['matmul_gflops']:.0f} GFLOP/s"
        )
    except (KeyError, TypeError) as e:
        raise ValueError(
            f"{p}: not a benchmark results file ({e!r} missing); re-run `make bench` to regenerate it."
        ) from None
    table.loc["fp32 matmul (torch.mm)", "GFLOP/s"] = raw["matmul_gflops"]
    sweep = raw.get("sweep")  # absent from results made before issue 11
    if sweep:
        for how in ("sequential", "parallel"):
            label = f"Shah CNN sweep of {sweep['runs']} seeds, {how}"
            table.loc[label, ["batch", "images/s"]] = [64, sweep[f"{how}_images_per_s"]]
    return BenchResults(table, targets, machine)
