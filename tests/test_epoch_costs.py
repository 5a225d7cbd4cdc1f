"""The epoch-cost benchmark runs and prints one row per model the full profile trains (figures, not a timed test)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # a subprocess that trains every model for a few batches on real MNIST
def test_epoch_costs_prints_the_cpu_and_a_positive_cost_for_every_model():
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.epoch_costs", "--batches", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("one thread on ")
    rows = {line[:28].strip(): line[28:].split() for line in lines[2:]}
    assert set(rows) == {
        "Shah CNN (C5)",
        "third convolution",
        "5x5 filters",
        "elastic distortions",
        "Dutta CNN, torch twin",
        "Dutta CNN, Keras fit",
        "MLP 784-300-10",
    }
    assert all(float(cells[-1]) > 0 for cells in rows.values())  # seconds per epoch
