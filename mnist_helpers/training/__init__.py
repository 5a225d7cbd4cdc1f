"""Training engines for torch and Keras: fit loops, optimizers, checkpoints, stopping rules, history, inference."""

from mnist_helpers.core.lazy import exports

__getattr__, __dir__, __all__ = exports(
    __name__,
    {
        "history": ("last_and_best",),
        "inference": ("encode",),
        "keras_fit": ("keras_predict_proba",),
        "keras_optim": ("legacy_decay_ignored",),
        "optimizers": ("inverse_time_decay", "optimizer_name"),
        "stopping": ("epochs_taken",),
    },
)
