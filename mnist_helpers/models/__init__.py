"""The reports' networks: torch MLP/CNNs/autoencoders, Dutta's Keras CNN and its layers, and the twin's weight copy."""

from mnist_helpers.core.lazy import exports

__getattr__, __dir__, __all__ = exports(
    __name__,
    {
        "keras_cnn": ("dutta_cnn", "keras_parameter_counts", "keras_summary_text"),
        "torch_nets": ("MLP", "ShahCNN", "count_parameters"),
    },
)
