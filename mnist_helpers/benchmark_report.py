"""Read `make bench` results (benchmarks/results.json) into a table for the reproducibility page."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mnist_helpers.atomic import read_json


@dataclass(frozen=True)
class BenchResults:
    """The benchmark's result rows as a table, and a one-line description of the machine they ran on."""

    table: pd.DataFrame
    machine: str


def load_results(path: str | os.PathLike) -> BenchResults | None:
    """The results written by `python -m benchmarks.run`, or None when the benchmark has not been run."""
    p = Path(path)
    if not p.exists():
        return None
    raw = read_json(p)
    rows = raw.get("rows")
    if not isinstance(rows, list) or not rows:
        raise ValueError(f"{p}: no 'rows' list of results; re-run `make bench` to regenerate it.")
    m = raw.get("machine", {})
    machine = (f"{m.get('cpu', 'unknown CPU')}, {m.get('cores', '?')} cores, {m.get('torch_threads', '?')} torch threads, "
               f"torch {m.get('torch', '?')}, keras {m.get('keras', '?')}; {raw.get('date', 'date unknown')}, "
               f"commit {raw.get('git_commit', 'unknown')}")
    return BenchResults(pd.DataFrame(rows).set_index(pd.DataFrame(rows).columns[0]), machine)
