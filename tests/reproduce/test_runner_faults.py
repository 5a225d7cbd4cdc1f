"""reproduce.runner: a relative MNIST_DATA_DIR is made absolute before kernels start in another folder."""

from __future__ import annotations

import os

from mnist_helpers.reproduce import runner


def test_runner_makes_a_relative_mnist_data_dir_absolute_before_kernels_start_elsewhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MNIST_DATA_DIR", "rel/mnist")
    runner.absolute_env_paths()
    assert os.environ["MNIST_DATA_DIR"] == str(tmp_path / "rel" / "mnist")
