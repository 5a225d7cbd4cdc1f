"""mnist_helpers: the tested code behind 'MNIST, reproduced' (notebooks narrate, this package computes)."""

from mnist_helpers.data import MNIST, load_mnist

__all__ = ["MNIST", "load_mnist"]
__version__ = "0.1.0"
