"""MNIST itself: the IDX format, finding/downloading/verifying the files, and dataset statistics."""

from mnist_helpers.core.lazy import exports

__getattr__, __dir__, __all__ = exports(
    __name__,
    {
        "dutta_split": ("AUTHOR_TRAIN_SIZE", "AUTHOR_VAL_SIZE", "author_split"),
        "mnist": (
            "FILES",
            "MEAN",
            "MNIST",
            "PIXELS",
            "STD",
            "TEST_SIZE",
            "file_checksums",
            "load_mnist",
            "load_split",
            "to_keras",
            "to_tensor",
        ),
        "stats": ("describe_arrays", "first_of_each_class", "label_table", "mean_std_table", "pixel_value_shares"),
    },
)
