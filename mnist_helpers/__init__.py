"""mnist_helpers: the tested code behind 'MNIST, reproduced' (notebooks narrate, this package computes)."""

import importlib.util
import os
import sys
from importlib.metadata import PackageNotFoundError, version

from mnist_helpers.core.env import KERAS_BACKEND, KERAS_BACKEND_ENV

# Keras reads its backend once, at its first import, from any module of this package: torch, always
# (TensorFlow is not a dependency). Set here, before any submodule can import keras.
os.environ.setdefault(KERAS_BACKEND_ENV, KERAS_BACKEND)

# pyproject.toml's dependencies, by import name: a venv without them gets one message saying how to install them.
_NEEDED = (
    "numpy",
    "torch",
    "keras",
    "sklearn",
    "joblib",
    "skimage",
    "scipy",
    "pandas",
    "matplotlib",
    "seaborn",
    "tqdm",
    "yaml",
    "filelock",
    "pooch",
    "threadpoolctl",
)
_missing = [name for name in _NEEDED if importlib.util.find_spec(name) is None]
if _missing:
    raise ModuleNotFoundError(
        f"mnist_helpers needs {', '.join(_missing)}, not installed in this environment ({sys.prefix}). "
        "Fix: pip install -e . in the checkout (or pip install mnist-helpers), in this environment."
    )

from mnist_helpers.data.mnist import MNIST, load_mnist  # noqa: E402  (after the dependency check above)

__all__ = ["MNIST", "load_mnist"]
try:
    __version__ = version("mnist-helpers")  # one source: pyproject.toml's [project] version, as installed
except PackageNotFoundError:  # a checkout on sys.path that was never installed
    __version__ = "unknown (not installed)"
