"""Measures behind chapter 2's and 7's sentences: ink lost under Shah's geometry, pair ranking stability; fmt_pct."""

import math

import numpy as np
import pytest
import torch

from mnist_helpers.augment import showcase as demos
from mnist_helpers.augment import transforms as A
from mnist_helpers.measure import metrics as evaluate


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


def test_identical_confusion_matrices_rank_pairs_identically():
    cm = np.diag([100] * 10)
    cm[2, 7], cm[4, 9], cm[5, 6], cm[3, 8] = 9, 7, 5, 1
    s = evaluate.pair_ranking_stability([cm, cm.copy()], top=3)
    assert s["kendall_tau"] == pytest.approx(1.0) and s["top_overlap"] == 1.0 and s["top_in_all"] == 3


def test_reordered_top_pairs_lower_the_stability():
    a = np.diag([100] * 10)
    a[2, 7], a[4, 9], a[5, 6], a[3, 8] = 9, 7, 5, 1
    b = np.diag([100] * 10)
    b[2, 7], b[4, 9], b[5, 6], b[3, 8] = 1, 7, 5, 9
    s = evaluate.pair_ranking_stability([a, b], top=3)
    assert s["kendall_tau"] < 1 and s["top_overlap"] == pytest.approx(2 / 3) and s["top_in_all"] == 2


def test_pair_ranking_needs_two_runs():
    with pytest.raises(ValueError, match="at least two"):
        evaluate.pair_ranking_stability([np.eye(10)])


def test_fmt_pct_formats_once_with_a_percent_sign():
    assert evaluate.fmt_pct(98.93) == "98.93%" and evaluate.fmt_pct(98.9300001, digits=1) == "98.9%"
    assert evaluate.fmt_pct(math.nan) == "—" and evaluate.fmt_pct(None) == "—"
