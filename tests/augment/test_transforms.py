"""Augmentation: torchvision's and Keras's random draws, the composed geometry, seeding, flips, argument checks."""

import os
from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import stats

from mnist_helpers.augment import transforms as A
from mnist_helpers.data.mnist import MEAN, STD

H = W = 28  # pixels, MNIST


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def still_params(n: int = 1, **overrides) -> A.ShahParams:
    """No rotation, the full image as crop, no shift; override any field with a python number."""
    fields = dict(angle_deg=0.0, crop_i=0, crop_j=0, crop_h=H, crop_w=W, tx=0, ty=0) | overrides
    return A.ShahParams(**{k: torch.tensor([v] * n) for k, v in fields.items()})


def dot_image(row: int, col: int) -> torch.Tensor:
    x = torch.zeros(1, 1, H, W)
    x[0, 0, row, col] = 1.0
    return x


# --- random draws, as torchvision / Keras make them ---------------------------------------------------


def test_rotation_angles_lie_within_degrees_and_are_uniform():
    angles = A.sample_angles(4000, 10.0, gen())
    assert angles.abs().max() <= 10.0
    assert stats.kstest(angles.numpy(), stats.uniform(loc=-10, scale=20).cdf).pvalue > 1e-3


def test_crop_area_and_aspect_stay_in_range_up_to_pixel_rounding():
    _, _, h, w = (t.double() for t in A.sample_resized_crops(4000, H, W, (0.7, 1.0), (0.9, 1.1), gen()))
    # w = round(sqrt(area * r)), h = round(sqrt(area / r)): each is within half a pixel of the unrounded value
    assert ((w + 0.5) * (h + 0.5) >= 0.7 * H * W).all() and ((w - 0.5) * (h - 0.5) <= H * W).all()
    assert ((w + 0.5) / (h - 0.5) >= 0.9).all() and ((w - 0.5) / (h + 0.5) <= 1.1).all()
    area = w * h / (H * W)
    assert area.min() < 0.75 and area.max() > 0.95  # the draws span the scale range


def test_crop_box_lies_inside_the_image_and_its_position_varies():
    i, j, h, w = A.sample_resized_crops(4000, H, W, (0.7, 1.0), (0.9, 1.1), gen())
    assert (i >= 0).all() and (j >= 0).all() and (i + h <= H).all() and (j + w <= W).all()
    assert len(set(i.tolist())) > 3 and len(set(j.tolist())) > 3


def test_crop_falls_back_to_torchvisions_centre_crop_when_no_try_fits():
    # every try needs more than the whole image; a square image with ratio >= 1.2 keeps w = W, h = round(W / 1.2)
    i, j, h, w = A.sample_resized_crops(5, H, W, (2.0, 3.0), (1.2, 1.5), gen())
    assert h.tolist() == [23] * 5 and w.tolist() == [28] * 5
    assert i.tolist() == [2] * 5 and j.tolist() == [0] * 5


def test_translations_are_whole_pixels_rounded_from_uniform_so_reach_three_on_mnist():
    # torchvision: tx = round(uniform(-0.1 * 28, 0.1 * 28)) = round(uniform(-2.8, 2.8)), so {-3, ..., 3}
    tx, ty = A.sample_translations(5000, H, W, (0.1, 0.1), gen())
    assert tx.dtype == torch.int64
    assert set(tx.tolist()) == set(range(-3, 4)) and set(ty.tolist()) == set(range(-3, 4))


def test_translation_bounds_scale_x_with_width_and_y_with_height():
    tx, ty = A.sample_translations(2000, 10, 40, (0.1, 0.1), gen())  # max 4 px across, 1 px down
    assert tx.abs().max() == 4 and ty.abs().max() == 1


def test_keras_factor_is_a_fraction_of_a_full_turn():
    assert A.keras_factor_to_degrees(0.1) == pytest.approx(36.0)
    assert A.keras_factor_to_degrees(10 / 360) == pytest.approx(10.0)


def test_dutta_factor_0_1_draws_angles_up_to_36_degrees():
    angles = A.sample_dutta_angles(2000, gen(), factor=0.1)
    assert angles.abs().max() <= 36.0 and angles.min() < -30 and angles.max() > 30


def test_each_sample_gets_its_own_draw():
    p = A.sample_shah_params(32, H, W, gen())
    assert len(set(p.angle_deg.tolist())) == 32
    assert len(set(zip(p.tx.tolist(), p.ty.tolist(), p.crop_i.tolist(), p.crop_j.tolist()))) > 10


def test_per_batch_draw_applies_one_parameter_set_to_every_sample():
    p = A.sample_shah_params(32, H, W, gen(), per_batch=True)
    for field in (p.angle_deg, p.crop_i, p.crop_j, p.crop_h, p.crop_w, p.tx, p.ty):
        assert field.shape == (32,) and (field == field[0]).all()
    x = torch.rand(1, 1, H, W).expand(8, 1, H, W).contiguous()
    out = A.shah_augment(x, gen(), per_batch=True)
    assert torch.equal(out, out[:1].expand_as(out))


# --- geometry ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", A.SHAH_MODES)
def test_zero_ranges_give_the_identity(mode):
    x = torch.randint(0, 256, (6, 1, H, W)).float() / 255  # 8-bit pixels, as MNIST's
    still = dict(degrees=0.0, scale=(1.0, 1.0), ratio=(1.0, 1.0), translate=(0.0, 0.0))
    out = A.shah_augment(x, gen(), mode=mode, **still)
    torch.testing.assert_close(out, x, atol=1e-5, rtol=0)


def test_positive_tx_moves_content_right_and_positive_ty_moves_it_down():
    out = A.warp(dot_image(10, 10), A.shah_matrices(still_params(tx=2, ty=-1), H, W))
    torch.testing.assert_close(out, dot_image(9, 12), atol=1e-5, rtol=0)


def test_shift_is_in_whole_pixels_on_a_non_square_image():
    x = torch.zeros(1, 1, 20, 36)
    x[0, 0, 4, 30] = 1.0
    params = A.ShahParams(*(torch.tensor([v]) for v in (0.0, 0, 0, 20, 36, -3, 5)))
    expected = torch.zeros_like(x)
    expected[0, 0, 9, 27] = 1.0
    torch.testing.assert_close(A.warp(x, A.shah_matrices(params, 20, 36)), expected, atol=1e-5, rtol=0)


def test_positive_90_degree_rotation_is_counter_clockwise_like_torch_rot90():
    x = torch.zeros(1, 1, H, W)
    x[0, 0, 3:6, 2:20] = 1.0  # an L: a long bar on top ...
    x[0, 0, 3:15, 2:5] = 0.5  # ... and a dimmer leg down the left
    out = A.warp(x, A.shah_matrices(still_params(angle_deg=90.0), H, W))
    torch.testing.assert_close(out, torch.rot90(x, 1, dims=(-2, -1)), atol=1e-5, rtol=0)


def test_crop_is_resized_bilinearly_like_torchvisions_resized_crop_away_from_its_rim():
    x = torch.rand(1, 1, H, W)
    out = A.warp(x, A.shah_matrices(still_params(crop_i=3, crop_j=5, crop_h=20, crop_w=18), H, W))
    expected = F.interpolate(x[..., 3:23, 5:23], size=(H, W), mode="bilinear", align_corners=False)
    # the outermost output pixels read just past the crop (one resampling) where torchvision repeats its edge
    torch.testing.assert_close(out[..., 1:-1, 1:-1], expected[..., 1:-1, 1:-1], atol=1e-5, rtol=0)


def test_composed_matrix_equals_rotate_then_crop_then_shift_one_after_another():
    p = A.sample_shah_params(16, H, W, gen(), degrees=30.0, scale=(0.4, 0.8), translate=(0.2, 0.2))
    still = still_params(16)
    steps = [
        replace(still, angle_deg=p.angle_deg),
        replace(still, crop_i=p.crop_i, crop_j=p.crop_j, crop_h=p.crop_h, crop_w=p.crop_w),
        replace(still, tx=p.tx, ty=p.ty),
    ]
    rows, cols = torch.meshgrid(torch.arange(H), torch.arange(W), indexing="ij")
    ramp = (0.02 * cols - 0.03 * rows + 1.0).double().expand(16, 1, H, W)  # bilinear resampling of a ramp is exact
    x, ones = ramp, torch.ones_like(ramp)
    for step in steps:
        x, ones = (A.warp(t, A.shah_matrices(step, H, W)) for t in (x, ones))
    inside = (ones - 1).abs() < 1e-9  # pixels whose every tap, at every step, fell inside the image
    composed = A.warp(ramp, A.shah_matrices(p, H, W))
    assert inside.sum() > 16 * H * W / 4
    torch.testing.assert_close(composed[inside], x[inside], atol=1e-6, rtol=0)


@pytest.mark.parametrize("mode", A.SHAH_MODES)
def test_fill_sets_the_background_shifted_in_from_outside(mode):
    background = -0.1307 / 0.3081  # a blank image after Shah's normalisation
    x = torch.full((4, 1, H, W), background)
    mean_std = (0.1307, 0.3081)
    out = A.shah_augment(x, gen(), degrees=10.0, fill=background, mode=mode, mean_std=mean_std)
    torch.testing.assert_close(out, x, atol=1e-5, rtol=0)
    differs = A.shah_augment(x, gen(), fill=0.0, mode=mode, mean_std=mean_std)
    assert not torch.allclose(differs, x, atol=1e-3)  # the default fill differs


def test_rotate_matches_keras_affine_transform_with_reflect_fill():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    x = torch.rand(3, 1, 20, 36)  # not square, so the aspect terms of the matrix are checked too
    angles = torch.tensor([36.0, -20.0, 5.0])
    # Keras maps output (col, row) to input (a0*col + a1*row + a2, b0*col + b1*row + b2) about (W-1)/2, (H-1)/2
    a, cx, cy = torch.deg2rad(angles), (36 - 1) / 2, (20 - 1) / 2
    cos, sin = a.cos(), a.sin()
    zero = torch.zeros_like(a)
    transform = torch.stack([cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos, zero, zero], 1)
    expected = keras.ops.image.affine_transform(
        x.permute(0, 2, 3, 1), transform, interpolation="bilinear", fill_mode="reflect", data_format="channels_last"
    )
    out = A.rotate(x, angles, fill_mode="reflect")
    torch.testing.assert_close(out, torch.as_tensor(np.asarray(expected)).permute(0, 3, 1, 2), atol=1e-4, rtol=0)


def test_dutta_rotate_rotates_by_the_angles_keras_would_draw():
    x = torch.rand(5, 1, H, W)
    expected = A.rotate(x, A.sample_dutta_angles(5, gen(3), factor=0.1), fill_mode="reflect")
    torch.testing.assert_close(A.dutta_rotate(x, gen(3), factor=0.1), expected)


# --- seeding, shapes ---------------------------------------------------------------------------------


def test_same_seed_gives_identical_output_and_another_seed_differs():
    x = torch.rand(16, 1, H, W)
    assert torch.equal(A.shah_augment(x, gen(7)), A.shah_augment(x, gen(7)))
    assert not torch.equal(A.shah_augment(x, gen(7)), A.shah_augment(x, gen(8)))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shape_and_dtype_are_preserved(dtype):
    x = torch.rand(5, 1, H, W, dtype=dtype)
    for out in (A.shah_augment(x, gen()), A.dutta_rotate(x, gen()), A.hflip(x), A.vflip(x), A.rot180(x)):
        assert out.shape == x.shape and out.dtype == dtype


# --- flips (C8: 6 <-> 9) -----------------------------------------------------------------------------

SIX = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float32)
NINE = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1], [0, 0, 1], [1, 1, 1]], dtype=np.float32)


def as_batch(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(a.copy())[None, None]


def test_vflip_mirrors_a_six_top_to_bottom():
    assert torch.equal(A.vflip(as_batch(SIX)), as_batch(SIX[::-1]))


def test_hflip_mirrors_a_six_left_to_right():
    assert torch.equal(A.hflip(as_batch(SIX)), as_batch(SIX[:, ::-1]))


def test_rot180_turns_a_six_into_a_nine():
    assert torch.equal(A.rot180(as_batch(SIX)), as_batch(NINE))


# --- argument checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(degrees=-1.0), "degrees"),
        (dict(scale=(1.0, 0.7)), "scale"),
        (dict(scale=(0.0, 1.0)), "scale"),
        (dict(ratio=(1.1, 0.9)), "ratio"),
        (dict(translate=(0.1, 1.5)), "translate"),
    ],
)
def test_bad_ranges_raise_value_error_naming_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        A.shah_augment(torch.rand(2, 1, H, W), gen(), **kwargs)


def test_non_4d_input_raises_value_error_naming_x():
    with pytest.raises(ValueError, match="x must be a 4-D tensor"):
        A.shah_augment(torch.rand(2, H, W), gen())


def test_integer_input_raises_value_error_naming_x():
    with pytest.raises(ValueError, match="x must be a floating-point"):
        A.vflip(torch.zeros(1, 1, H, W, dtype=torch.uint8))


def test_negative_keras_factor_raises_value_error_naming_factor():
    with pytest.raises(ValueError, match="factor"):
        A.dutta_rotate(torch.rand(2, 1, H, W), gen(), factor=-0.1)


def test_unsupported_fill_mode_raises_value_error_naming_fill_mode():
    with pytest.raises(ValueError, match="fill_mode"):
        A.rotate(torch.rand(2, 1, H, W), torch.zeros(2), fill_mode="wrap")


def test_hand_written_affine_grid_equals_torchs():
    theta = A.shah_matrices(A.sample_shah_params(8, 20, 36, gen()), 20, 36).float()
    expected = F.affine_grid(theta, [8, 1, 20, 36], align_corners=False)
    torch.testing.assert_close(A.affine_grid(theta, 20, 36), expected, atol=1e-6, rtol=0)


def test_shah_augmentation_fills_the_background_with_normalised_black():
    x = torch.full((4, 1, 28, 28), -MEAN / STD)  # an all-black normalised batch stays all black
    out = A.shah_augmentation(normalized=True)(x, gen())
    torch.testing.assert_close(out, x)
    raw = A.shah_augmentation(normalized=False)(torch.zeros(4, 1, 28, 28), gen())
    assert raw.abs().max() == 0


@pytest.mark.parametrize("factor", [-0.1, 0.6, float("nan"), "0.1", True])
def test_rotation_factor_outside_a_half_turn_names_the_parameter_and_the_usual_values(factor):
    with pytest.raises(ValueError, match=r"rotation_factor .*10/360.*0\.1"):
        A.check_rotation_factor(factor)
