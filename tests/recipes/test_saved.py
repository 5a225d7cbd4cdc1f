"""recipes.saved: the validation split held out of the training images."""

import pytest
import torch

from mnist_helpers.recipes import saved as saved_models


def test_validation_split_is_disjoint_seeded_and_sized():
    train, val = saved_models.validation_split(100, 10, seed=1)
    assert len(val) == 10 and len(train) == 90 and not set(train.tolist()) & set(val.tolist())
    assert torch.equal(val, saved_models.validation_split(100, 10, seed=1)[1])
    with pytest.raises(ValueError, match="val_size=100"):
        saved_models.validation_split(100, 100)
