"""Dutta's protocol on MNIST (claims C1, C2): 33,600 training and 8,400 validation images, redrawn per seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_helpers.data.mnist import MNIST, load_mnist

AUTHOR_TRAIN_SIZE = 33600  # images: the author's 80% of Kaggle's 42,000 (1,050 steps of 32)
AUTHOR_VAL_SIZE = 8400  # images: the author's 20% validation split, behind C1/C2's accuracies


@dataclass(frozen=True)
class AuthorSplit(MNIST):
    """Dutta's protocol on MNIST: 33,600 training and 8,400 validation images drawn from the official training
    split, plus the official 10,000 test images (`test_*`), so one object serves both comparisons."""

    val_images: np.ndarray
    val_labels: np.ndarray
    seed: int

    def with_validation_as_test(self) -> MNIST:
        """The same training images with the 8,400 validation images in the test slots, for code that trains and
        scores on an MNIST split (reuse.train_classifier, train_dutta): its per-epoch curve is the author's."""
        return MNIST(self.train_images, self.train_labels, self.val_images, self.val_labels, self.source)


def author_split(seed: int, train_size: int = AUTHOR_TRAIN_SIZE, val_size: int = AUTHOR_VAL_SIZE) -> AuthorSplit:
    """The author's split, redrawn per seed: 42,000 of MNIST's 60,000 training images, shuffled, split 80/20.

    The author split Kaggle's 42,000-image train.csv with an unseeded, unstratified `train_test_split`; we
    draw the same sizes, unstratified, from MNIST's training split with numpy's generator seeded by `seed`
    (the validation images are never trained on; the official test set is untouched by the draw).
    Smaller `train_size` / `val_size` (quick runs) take the first images of each share of the same draw,
    so a small split is a subset of the full one.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer (one split per seed).")
    for name, size in (("train_size", train_size), ("val_size", val_size)):
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(f"author_split: {name}={size!r} must be a positive number of images.")
    ds = load_mnist()
    start = max(train_size, AUTHOR_TRAIN_SIZE)  # validation images: those after the author's training share
    if start + val_size > len(ds.train_labels):
        raise ValueError(
            f"author_split: max(train_size, {AUTHOR_TRAIN_SIZE:,}) + val_size = {start + val_size:,} exceeds "
            f"MNIST's {len(ds.train_labels):,} training images; ask for fewer."
        )
    order = np.random.default_rng(seed).permutation(len(ds.train_labels))
    tr = np.sort(order[:train_size])
    va = np.sort(order[start : start + val_size])
    return AuthorSplit(
        ds.train_images[tr],
        ds.train_labels[tr],
        ds.test_images,
        ds.test_labels,
        ds.source,
        val_images=ds.train_images[va],
        val_labels=ds.train_labels[va],
        seed=int(seed),
    )
