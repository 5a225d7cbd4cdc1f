"""Shared fixtures: the real MNIST (must be present: a missing dataset fails, never skips) and tiny synthetic sets."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")


@pytest.fixture(scope="session")
def mnist():
    """The real MNIST, found through MNIST_DATA_DIR (CI points it at ../shared/data/mnist)."""
    from mnist_helpers.data import load_mnist

    return load_mnist(download=False)
