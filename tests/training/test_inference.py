"""training.inference: batched predictions in eval mode, the same whatever the batch size."""

import numpy as np
import pytest
import torch
from torch import nn

from mnist_helpers.training.inference import encode, predict, predict_proba, reconstruct


def test_probabilities_sum_to_one_and_do_not_depend_on_the_batch_size():
    torch.manual_seed(0)
    model, x = nn.Sequential(nn.Linear(6, 4), nn.Dropout(0.5)), torch.randn(25, 6)
    a, b = predict_proba(model, x, batch_size=7), predict_proba(model, x, batch_size=25)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(a, b, rtol=1e-6)  # eval mode: dropout off
    assert (predict(model, x) == a.argmax(axis=1)).all()


def test_reconstruct_and_encode_need_an_autoencoder():
    x = torch.rand(3, 5)
    assert reconstruct(nn.Identity(), x).shape == (3, 5)
    with pytest.raises(ValueError, match="model \\(Identity\\) has no encode\\(\\)"):
        encode(nn.Identity(), x)
