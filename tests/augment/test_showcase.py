"""Chapter 2's demonstration helpers on synthetic images."""

import numpy as np
import pytest
import torch

from mnist_helpers.augment import showcase as demos
from mnist_helpers.augment import transforms as A


def digits():
    x = torch.zeros(3, 1, 28, 28)
    x[:, :, 8:20, 12:16] = 1.0
    return x


def test_draws_differ_from_each_other_and_keep_shape():
    out = demos.draws(digits(), demos.TRANSFORMS["Shah's pipeline (all three)"], n_draws=3, seed=0)
    assert len(out) == 3 and out[0].shape == (3, 28, 28)
    assert not np.allclose(out[0], out[1])


def test_single_transform_rows_leave_the_others_out():
    rot = demos.draws(digits(), demos.TRANSFORMS["RandomRotation(10)"], 1)[0]
    assert rot.sum() > 0 and abs(rot.sum() - digits().sum().item()) / digits().sum().item() < 0.1


def test_angle_ranges_tabulates_the_smallest_and_largest_angle_per_setting():
    table = demos.angle_ranges({"report": np.array([-9.5, 0.0, 9.9]), "code": np.array([35.0, -36.0])})
    assert list(table.index) == ["report", "code"] and table.index.name == "setting"
    assert table.loc["report"].tolist() == [-9.5, 9.9] and table.loc["code"].tolist() == [-36.0, 35.0]


def test_throughput_table_reports_positive_rates():
    x = digits().repeat(50, 1, 1, 1)
    t = demos.throughput_table(
        x, demos.TRANSFORMS["Shah's pipeline (all three)"], {"per sample": 1, "batched": 64}, per_sample_images=20
    )
    assert t.loc["per sample", "images timed"] == 20 and t.loc["batched", "images timed"] == 150
    np.testing.assert_allclose(t["s per 60k epoch"], 60000 / t["images/s"])


def test_draw_rows_put_the_originals_first_and_label_every_row():
    examples = (digits()[:, 0] * 255).numpy().astype(np.uint8)
    rows, labels = demos.draw_rows(examples, demos.TRANSFORMS["RandomRotation(10)"], n_draws=2, seed=0)
    assert labels == ["original", "draw 1", "draw 2"]
    assert rows[0] is examples and len(rows) == 3 and rows[1].shape == (3, 28, 28)


def test_keras_sampled_angles_span_plus_minus_factor_times_360_uniformly():
    from scipy import stats

    from mnist_helpers.augment.showcase import keras_sampled_angles

    angles = keras_sampled_angles(5000, {"code": 0.1, "report": 10 / 360})
    assert 35.5 < angles["code"].max() <= 36.0 and -36.0 <= angles["code"].min() < -35.5
    assert 9.8 < angles["report"].max() <= 10.0
    assert stats.kstest(angles["code"], stats.uniform(-36, 72).cdf).pvalue > 1e-3


def test_keras_rotation_turns_a_bright_pixel_by_the_angle_it_drew():
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    side, row, col = 65, 4, 32  # one bright pixel 28 pixels above the centre (32, 32)
    images = np.zeros((8, side, side, 1), dtype=np.float32)
    images[:, row, col] = 1.0
    layer = keras.layers.RandomRotation(0.1, seed=3, interpolation="nearest", fill_mode="constant")
    transformation = layer.get_random_transformation(images, training=True)
    turned = keras.ops.convert_to_numpy(layer.transform_images(images, transformation, training=True))
    angles = keras.ops.convert_to_numpy(transformation["angle"])
    for image, angle in zip(turned[..., 0], angles):
        r, c = np.unravel_index(image.argmax(), image.shape)
        moved = np.degrees(np.arctan2(c - 32, 32 - r))  # angle from "straight up", clockwise positive
        assert abs(abs(moved) - abs(angle)) < 2.5


def params(n=1, **overrides) -> A.ShahParams:
    fields = dict(angle_deg=0.0, crop_i=0, crop_j=0, crop_h=28, crop_w=28, tx=0, ty=0) | overrides
    return A.ShahParams(**{k: torch.tensor([v] * n) for k, v in fields.items()})


def test_identity_geometry_loses_no_ink(mnist):
    images = mnist.train_images[:50]
    assert demos.ink_lost(images, params(50)).max() == 0.0


def test_a_shift_past_the_edge_loses_the_ink_it_carries_out():
    x = np.zeros((1, 28, 28))
    x[0, 10:14, 25:27] = 1.0  # ink in columns 25-26
    assert demos.ink_lost(x, params(tx=2))[0] == pytest.approx(0.5)  # column 26 -> 28 is out, 25 -> 27 stays
    assert demos.ink_lost(x, params(tx=3))[0] == 1.0


def test_a_crop_loses_the_ink_outside_it():
    x = np.zeros((1, 28, 28))
    x[0, 2, 2] = x[0, 14, 14] = 1.0
    assert demos.ink_lost(x, params(crop_i=5, crop_j=5, crop_h=20, crop_w=20))[0] == pytest.approx(0.5)


def test_ink_lost_summary_on_real_digits_is_a_small_share(mnist):
    summary = demos.ink_lost_summary(mnist.train_images[:2000], seed=0)
    assert 0 < summary["mean_share_lost"] < 0.05 and 0 < summary["share_of_images_over_threshold"] < 1
