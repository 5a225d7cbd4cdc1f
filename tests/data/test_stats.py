"""Chapter 1's dataset statistics on tiny synthetic data."""

import numpy as np

from mnist_helpers.data.mnist import MNIST
from mnist_helpers.data.stats import (
    describe_arrays,
    first_of_each_class,
    label_table,
    mean_std_table,
    pixel_value_shares,
)


def tiny():
    imgs = np.zeros((20, 28, 28), np.uint8)
    imgs[:, 0, 0] = 255
    imgs[:, 1, 1] = 100
    labels = np.arange(20, dtype=np.uint8) % 10
    return MNIST(imgs, labels, imgs[:10], labels[:10], source=None)


def test_describe_arrays_reports_shapes_dtypes_and_ranges():
    t = describe_arrays(tiny())
    assert t.loc["train_images", "shape"] == "(20, 28, 28)" and t.loc["train_images", "max"] == 255
    assert t.loc["test_labels", "dtype"] == "uint8"


def test_label_table_counts_and_shares():
    t = label_table(tiny())
    assert t["train"].tolist() == [2] * 10 and t["test %"].sum() == 100


def test_mean_std_table_streaming_equals_direct():
    t = mean_std_table(tiny().train_images, batch_size=3)
    np.testing.assert_allclose(t.iloc[0].to_numpy(), t.iloc[1].to_numpy())
    np.testing.assert_allclose(t.iloc[1]["mean"], 355 / 255 / 784)


def test_pixel_value_shares_add_up_and_count_grey_levels():
    s = pixel_value_shares(tiny().train_images)
    np.testing.assert_allclose(s.sum(), 100)
    np.testing.assert_allclose(s["between 1 and 254 (%)"], 100 / 784)


def test_first_of_each_class_is_in_digit_order():
    labels = np.array([3, 1, 0, 2, 4, 5, 6, 7, 8, 9, 1])
    assert labels[first_of_each_class(labels)].tolist() == list(range(10))
