"""Dutta's protocol on MNIST (claims C1, C2): 33,600 training and 8,400 validation images of a Kaggle-like pool,
redrawn per seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_helpers.data.mnist import MNIST, load_mnist

AUTHOR_TRAIN_SIZE = 33600  # images: the author's 80% of Kaggle's 42,000 (1,050 steps of 32)
AUTHOR_VAL_SIZE = 8400  # images: the author's 20% validation split, behind C1/C2's accuracies
KAGGLE_POOL = AUTHOR_TRAIN_SIZE + AUTHOR_VAL_SIZE  # Kaggle's Digit Recognizer train.csv: 42,000 labelled images
KAGGLE_SOURCE = (  # where Kaggle says its data came from, and its sizes
    "Kaggle, Digit Recognizer, Data page (https://www.kaggle.com/c/digit-recognizer/data): 'The data for this "
    "competition were taken from the MNIST dataset'; train.csv holds 42,000 labelled images and test.csv 28,000, "
    "70,000 in all, MNIST's 60,000 + 10,000"
)


@dataclass(frozen=True)
class AuthorSplit(MNIST):
    """Dutta's protocol on MNIST: 33,600 training and 8,400 validation images drawn from a Kaggle-like pool of
    42,000 of all 70,000 MNIST images, plus the official test images outside that pool (`test_*`), so one object
    serves both comparisons."""

    val_images: np.ndarray
    val_labels: np.ndarray
    seed: int

    def with_validation_as_test(self) -> MNIST:
        """The same training images with the 8,400 validation images in the test slots, for code that trains and
        scores on an MNIST split (reuse.train_classifier, train_dutta): its per-epoch curve is the author's."""
        return MNIST(self.train_images, self.train_labels, self.val_images, self.val_labels, self.source)


def author_split(seed: int, train_size: int = AUTHOR_TRAIN_SIZE, val_size: int = AUTHOR_VAL_SIZE) -> AuthorSplit:
    """The author's split, redrawn per seed: a Kaggle-like pool of 42,000 of all 70,000 MNIST images, split 80/20.

    The author split Kaggle's 42,000-image train.csv with an unseeded, unstratified `train_test_split`. Kaggle's
    70,000 images (42,000 + 28,000) match MNIST's 60,000 + 10,000, so its train.csv mixes images of MNIST's
    training and test splits (`KAGGLE_SOURCE`; that the two are the same images is read from the counts, not
    stated by Kaggle). We draw the pool from all 70,000 with numpy's generator seeded by `seed`, unstratified:
    training images first, then validation images. The test slots hold the official test images outside the
    pool (about 4,000; which ones depends on the seed): an official-test figure for a model that never saw
    them. Smaller `train_size` / `val_size` (quick runs) take the first images of each share of the same draw,
    so a small split is a subset of the full one, with the same test images.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer (one split per seed).")
    for name, size in (("train_size", train_size), ("val_size", val_size)):
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(f"author_split: {name}={size!r} must be a positive number of images.")
    start = max(train_size, AUTHOR_TRAIN_SIZE)  # validation images: those after the author's training share
    if start + val_size > KAGGLE_POOL:
        raise ValueError(
            f"author_split: max(train_size, {AUTHOR_TRAIN_SIZE:,}) + val_size = {start + val_size:,} exceeds "
            f"the {KAGGLE_POOL:,} images of Kaggle's train.csv the author split; ask for fewer."
        )
    ds = load_mnist()
    images = np.concatenate([ds.train_images, ds.test_images])
    labels = np.concatenate([ds.train_labels, ds.test_labels])
    order = np.random.default_rng(seed).permutation(len(labels))
    tr, va = np.sort(order[:train_size]), np.sort(order[start : start + val_size])
    n_train = len(ds.train_labels)
    held_out = np.setdiff1d(np.arange(n_train, len(labels)), order[:KAGGLE_POOL])  # official test, outside the pool
    return AuthorSplit(
        images[tr],
        labels[tr],
        images[held_out],
        labels[held_out],
        ds.source,
        val_images=images[va],
        val_labels=labels[va],
        seed=int(seed),
    )
