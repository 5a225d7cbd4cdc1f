"""Training-time augmentation layers: active in train mode only, per image, and what they claim to do."""

import pytest
import torch

from mnist_helpers.models.train_time import ElasticDistortion, RandomVerticalFlip


def test_vertical_flip_flips_about_p_of_the_images_upside_down_and_nothing_in_eval_mode():
    torch.manual_seed(0)
    x = torch.rand(2000, 1, 28, 28)
    layer = RandomVerticalFlip(0.5).train()
    y = layer(x)
    flipped = (y == x.flip(-2)).flatten(1).all(dim=1)
    kept = (y == x).flatten(1).all(dim=1)
    assert bool((flipped | kept).all()) and 0.45 < flipped.float().mean().item() < 0.55
    assert torch.equal(layer.eval()(x), x)
    with pytest.raises(ValueError, match="probability"):
        RandomVerticalFlip(1.5)


def test_elastic_distortion_moves_pixels_by_about_a_pixel_keeps_the_background_and_is_off_in_eval_mode():
    torch.manual_seed(0)
    x = torch.zeros(64, 1, 28, 28)
    x[:, :, 8:20, 12:16] = 1.0  # a bar: distortion bends its edges
    layer = ElasticDistortion().train()
    y = layer(x)
    assert y.shape == x.shape and not torch.equal(y, x)
    assert y[:, :, :3, :].abs().max() < 1e-6  # the background stays background (border padding)
    changed = (y - x).abs().flatten(1).max(dim=1).values
    assert bool((changed > 0.05).all())  # every image is distorted, each with its own field
    assert not torch.allclose(y[0], y[1])
    assert torch.equal(layer.eval()(x), x)
    assert torch.equal(ElasticDistortion(alpha=0.0).train()(x), x)
