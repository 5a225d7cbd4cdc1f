"""The seed profile's GPU estimate: its epoch counts, hand-computed; its README command, run without a GPU."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from benchmarks.device_costs import seed_plan
from tests.test_readme_commands import ROOT, readme_line


def test_the_seed_profile_counts_every_chapters_epochs():
    plan = seed_plan("seed")
    # chapter 3: 5 seeds x 60 (cross-entropy) + 5 x 60 (MSE) + 3 arms x 3 seeds x 60; chapter 5's C16: 5 x 60
    assert plan["MLP 784-300-10"] == 300 + 300 + 540 + 300
    # chapter 4: 5 x 10 + 2 arms x 3 seeds x 10; chapter 8: 4 claim arms x 5 x 10 + 5 other arms x 5 x 10
    assert plan["Shah CNN"] == 50 + 60 + 200 + 250
    # chapter 4's run, 60; chapter 5 on Keras: 2 optimizers x 5 seeds x 60, and its 60-epoch RMSProp check
    assert plan["Dutta CNN, Keras fit"] == 60 + 600 + 60 and plan["Dutta CNN, torch twin"] == 0
    assert plan["conv autoencoder (at most)"] == 3 * 6 * 200  # 3 seeds x 6 code sizes x the 200-epoch limit


def test_the_full_profile_trains_the_twin_not_keras_in_chapter_5():
    plan = seed_plan("full")
    assert plan["Dutta CNN, torch twin"] == 2 * 5 * 60
    assert plan["Dutta CNN, Keras fit"] == 8 + 6  # chapter 4's capped run and chapter 5's capped check


@pytest.mark.skipif(torch.cuda.is_available(), reason="on a GPU the command trains for a minute")
def test_the_readme_command_stops_at_once_without_a_gpu():
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}  # the venv's python
    done = subprocess.run(
        readme_line("benchmarks.device_costs --device cuda"),
        shell=True,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "no CUDA GPU" in done.stderr and "device='cpu'" in done.stderr
