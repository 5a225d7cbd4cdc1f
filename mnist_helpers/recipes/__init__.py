"""Train-or-reuse recipes the chapters call, what a saved model carries, per-seed models and sweeps of runs."""

from mnist_helpers.core.lazy import exports

__getattr__, __dir__, __all__ = exports(
    __name__,
    {
        "per_seed": ("classifiers_for_seeds",),
        "sweeps": ("ablation_budget", "sweep"),
        "train_or_reuse": ("train_autoencoder", "train_classifier", "train_dutta", "train_keras_dutta"),
    },
)
