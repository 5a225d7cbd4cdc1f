"""Dataset statistics for chapter 1: shapes, label counts, mean/std two ways, pixel-value shares."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mnist_helpers.data.mnist import MEAN, MNIST, N_CLASSES, STD


def streaming_mean_std(images: np.ndarray, batch_size: int = 1000) -> tuple[float, float]:
    """Mean and std of pixels scaled to [0, 1], from per-batch sums and sums of squares (Shah's method)."""
    if batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
    total = total_sq = 0.0
    count = 0
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size].astype(np.float64) / 255.0
        total += float(batch.sum())
        total_sq += float(np.square(batch).sum())
        count += batch.size
    mean = total / count
    return mean, float(np.sqrt(max(total_sq / count - mean * mean, 0.0)))


def direct_mean_std(images: np.ndarray) -> tuple[float, float]:
    """Mean and (population) std of all pixels scaled to [0, 1], computed in one pass over the array."""
    x = images.astype(np.float64) / 255.0
    return float(x.mean()), float(x.std())


def label_counts(labels: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """How many examples of each class."""
    return np.bincount(labels, minlength=n_classes)


def describe_arrays(ds: MNIST) -> pd.DataFrame:
    """One row per array: shape, dtype and value range."""
    rows = []
    for name in ("train_images", "train_labels", "test_images", "test_labels"):
        arr = getattr(ds, name)
        rows.append(
            {
                "array": name,
                "shape": str(arr.shape),
                "dtype": str(arr.dtype),
                "min": int(arr.min()),
                "max": int(arr.max()),
            }
        )
    return pd.DataFrame(rows).set_index("array")


def label_table(ds: MNIST) -> pd.DataFrame:
    """Images per digit in each split, with each digit's share of its split (%)."""
    train, test = label_counts(ds.train_labels), label_counts(ds.test_labels)
    return pd.DataFrame(
        {
            "train": train,
            "train %": (100 * train / train.sum()).round(2),
            "test": test,
            "test %": (100 * test / test.sum()).round(2),
        },
        index=pd.RangeIndex(10, name="digit"),
    )


def mean_std_table(images: np.ndarray, batch_size: int) -> pd.DataFrame:
    """Training-pixel mean and std: streamed over batches (Shah's method), directly, and Shah's constants."""
    rows = {
        f"streaming sums, batches of {batch_size}": streaming_mean_std(images, batch_size),
        "direct (whole array)": direct_mean_std(images),
        "Shah's constants": (MEAN, STD),
    }
    return pd.DataFrame(rows, index=["mean", "std"]).T.rename_axis("method")


def pixel_value_shares(images: np.ndarray) -> pd.Series:
    """Share of pixels (%) that are exactly 0, exactly 255, and strictly between (grey levels)."""
    n = images.size
    zero, full = int((images == 0).sum()), int((images == 255).sum())
    return pd.Series(
        {
            "exactly 0 (%)": 100 * zero / n,
            "exactly 255 (%)": 100 * full / n,
            "between 1 and 254 (%)": 100 * (n - zero - full) / n,
        },
        name="share of training pixels",
    )


def first_of_each_class(labels: np.ndarray, per_class: int = 1) -> np.ndarray:
    """Indices of the first `per_class` examples of every digit, in digit order."""
    return np.concatenate([np.flatnonzero(labels == d)[:per_class] for d in range(10)])
