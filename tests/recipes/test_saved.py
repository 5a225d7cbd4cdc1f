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


def test_keras_weights_are_saved_with_a_checksum_and_a_damaged_file_is_refused(tmp_path):
    import h5py

    from mnist_helpers.models.keras_cnn import dutta_cnn
    from mnist_helpers.recipes.saved import keras_meta, load_keras_weights, save_keras_weights

    path = tmp_path / "dutta.weights.h5"
    save_keras_weights(dutta_cnn(rotation_factor=0.1, seed=0), path, {"seed": 0})
    assert keras_meta(path)["seed"] == 0
    load_keras_weights(dutta_cnn(rotation_factor=0.1, seed=1), path)  # intact: loads
    with h5py.File(path, "r+") as f:  # one stored value changed, the meta intact
        datasets = []
        f.visititems(lambda name, item: datasets.append(item) if isinstance(item, h5py.Dataset) else None)
        big = max(datasets, key=lambda d: d.size)
        values = big[()]
        values.flat[0] += 1.0
        big[...] = values
    with pytest.raises(ValueError, match="dutta.weights.h5: its weights do not match their checksum"):
        load_keras_weights(dutta_cnn(rotation_factor=0.1, seed=1), path)
