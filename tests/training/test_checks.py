"""training.checks: a setting that cannot work is refused before training, naming it and the fix."""

import numpy as np
import pytest
import torch

from mnist_helpers.training.checks import as_data, check_fit_arguments, check_positive

GOOD = dict(
    epochs=2,
    batch_size=32,
    eval_batch_size=1000,
    limit_batches=None,
    loss="cross_entropy",
    seed=0,
    min_delta=0.0,
    patience=None,
    lr_patience=None,
    lr_factor=0.5,
    has_validation=False,
)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"epochs": 0}, "epochs=0 must be a positive integer"),
        ({"batch_size": True}, "batch_size=True must be a positive integer"),
        ({"limit_batches": -1}, "limit_batches=-1 must be a positive integer"),
        ({"loss": "hinge"}, "loss='hinge': use one of cross_entropy, nll, mse, keras_cross_entropy"),
        ({"seed": -3}, "seed=-3 must be a non-negative integer"),
        ({"patience": 3}, "patience needs val_x: carve a validation split"),
        ({"lr_patience": 2}, "lr_patience needs val_x"),
        ({"lr_factor": 1.0}, "lr_factor=1.0 must be a fraction in \\(0, 1\\)"),
    ],
)
def test_a_setting_that_cannot_work_is_named_with_the_fix(change, message):
    with pytest.raises(ValueError, match=message):
        check_fit_arguments(**{**GOOD, **change})


def test_good_settings_pass_and_numpy_integers_count_as_integers():
    check_fit_arguments(**{**GOOD, "epochs": np.int64(3), "patience": 2, "has_validation": True})
    check_positive(n=np.int32(1))


def test_data_become_float_inputs_and_integer_labels_one_per_image():
    x, y = as_data(np.zeros((4, 1, 28, 28), dtype=np.float64), [1, 2, 3, 4], "train", "cross_entropy")
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    assert as_data(np.zeros((4, 784), dtype=np.float32), None, "train", "mse")[1] is None  # an autoencoder's
    with pytest.raises(ValueError, match="train_x has dtype torch.uint8; pass floats"):
        as_data(np.zeros((4, 784), dtype=np.uint8), [0] * 4, "train", "cross_entropy")
    with pytest.raises(ValueError, match="test_y must hold one label per image of test_x \\(4 images\\); got 3"):
        as_data(np.zeros((4, 784), dtype=np.float32), [0] * 3, "test", "cross_entropy")


def test_fit_names_an_unknown_setting_and_lists_the_known_ones():
    from mnist_helpers.training.torch_fit import fit

    x, y = torch.zeros(4, 8), torch.zeros(4, dtype=torch.int64)
    with pytest.raises(
        TypeError, match=r"fit\(\) got unknown setting\(s\) epoch; the settings are: epochs, batch_size"
    ):
        fit(torch.nn.Linear(8, 2), x, y, None, None, epoch=3, batch_size=2)
    with pytest.raises(ValueError, match="epochs=0 must be a positive integer"):
        fit(torch.nn.Linear(8, 2), x, y, None, None, epochs=0, batch_size=2)
