"""Shared fixtures: the real MNIST (must be present: a missing dataset fails, never skips) and tiny synthetic sets."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
if os.environ.get("MNIST_DATA_DIR"):  # nbval's kernels run in notebooks/: a relative path must not change meaning
    os.environ["MNIST_DATA_DIR"] = os.path.abspath(os.path.expanduser(os.environ["MNIST_DATA_DIR"]))

import torch

# Other processes share the 2 cores; torch's thread count is global to this process, so one thread
# keeps the tests from collapsing when something else runs. Set once here, not in each test module.
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def mnist():
    """The real MNIST, found through MNIST_DATA_DIR (CI points it at ../shared/data/mnist)."""
    from mnist_helpers.data.mnist import load_mnist

    return load_mnist(download=False)
