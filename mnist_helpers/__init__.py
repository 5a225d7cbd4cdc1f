"""mnist_helpers: the tested code behind 'MNIST, reproduced' (notebooks narrate, this package computes)."""

import os
from importlib.metadata import PackageNotFoundError, version

from mnist_helpers.core.env import KERAS_BACKEND, KERAS_BACKEND_ENV

# Keras reads its backend once, at its first import, from any module of this package: torch, always
# (TensorFlow is not a dependency). Set here, before any submodule can import keras.
os.environ.setdefault(KERAS_BACKEND_ENV, KERAS_BACKEND)

from mnist_helpers.data.mnist import MNIST, load_mnist

__all__ = ["MNIST", "load_mnist"]
try:
    __version__ = version("mnist-helpers")  # one source: pyproject.toml's [project] version, as installed
except PackageNotFoundError:  # a checkout on sys.path that was never installed
    __version__ = "unknown (not installed)"
