"""data.dutta_split: Dutta's 33,600/8,400 protocol, drawn per seed from a Kaggle-like pool of all 70,000 images."""

import numpy as np
import pytest


def test_author_split_has_the_authors_sizes_and_keeps_validation_out_of_training():
    from mnist_helpers.data.dutta_split import AUTHOR_TRAIN_SIZE, AUTHOR_VAL_SIZE, author_split

    split = author_split(0)
    assert (len(split.train_labels), len(split.val_labels)) == (33600, 8400)
    assert (AUTHOR_TRAIN_SIZE, AUTHOR_VAL_SIZE) == (33600, 8400)
    train = {img.tobytes() for img in split.train_images}
    assert not any(img.tobytes() in train for img in split.val_images)  # no validation image was trained on


def test_the_pool_mixes_both_official_splits_and_the_test_slots_hold_official_test_images_outside_it():
    from mnist_helpers import load_mnist
    from mnist_helpers.data.dutta_split import author_split

    ds, split = load_mnist(), author_split(0)
    official_test = {img.tobytes() for img in ds.test_images}
    pool = [img.tobytes() for img in np.concatenate([split.train_images, split.val_images])]
    from_test = sum(img in official_test for img in pool)
    assert 5400 < from_test < 6600  # 42,000 of 70,000 drawn: about 10,000 x 0.6 come from the official test split
    assert len(split.test_labels) == 10000 - from_test  # the rest of the official test images, and only those
    assert all(img.tobytes() in official_test for img in split.test_images)
    assert not set(pool) & {img.tobytes() for img in split.test_images}  # never trained or validated on


def test_author_split_is_redrawn_per_seed_and_repeatable():
    from mnist_helpers.data.dutta_split import author_split

    a, b, again = author_split(0), author_split(1), author_split(0)
    assert np.array_equal(a.val_labels, again.val_labels) and np.array_equal(a.val_images, again.val_images)
    assert not np.array_equal(a.val_images, b.val_images)


def test_author_split_can_put_validation_in_the_test_slots():
    from mnist_helpers.data.dutta_split import author_split

    split = author_split(0)
    view = split.with_validation_as_test()
    assert view.test_labels is split.val_labels and len(view.train_labels) == 33600


def test_author_split_sizes_shrink_to_subsets_of_the_full_draw():
    from mnist_helpers.data.dutta_split import author_split

    full, small = author_split(3), author_split(3, train_size=600, val_size=200)
    assert (len(small.train_labels), len(small.val_labels)) == (600, 200)
    assert np.array_equal(small.test_labels, full.test_labels)  # the same held-out test images
    full_train = {img.tobytes() for img in full.train_images}
    full_val = {img.tobytes() for img in full.val_images}
    assert all(img.tobytes() in full_train for img in small.train_images)
    assert all(img.tobytes() in full_val for img in small.val_images)  # never a full-split training image


def test_author_split_refuses_sizes_beyond_kaggles_pool():
    from mnist_helpers.data.dutta_split import author_split

    with pytest.raises(ValueError, match="val_size"):
        author_split(0, val_size=30000)
    with pytest.raises(ValueError, match="train_size"):
        author_split(0, train_size=0)
