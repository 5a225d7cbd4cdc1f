"""Comparing groups of runs (chapter 5): summaries, seed-by-seed McNemar tests, paired gaps and their verdict."""

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from mnist_helpers.measure import compare
from mnist_helpers.recipes.saved import Trained

Y = np.array([0, 1, 2, 3] * 25)  # 100 labels


def trained(wrong: list[int]) -> Trained:
    """A fake trained classifier whose probabilities are one-hot on the label except at `wrong` indices."""
    pred = Y.copy()
    pred[wrong] = (pred[wrong] + 1) % 4
    probs = np.full((len(Y), 4), 0.01)
    probs[np.arange(len(Y)), pred] = 0.97
    return Trained("fake", None, None, probs, reused=False)


def test_summary_gives_mean_sd_and_every_seed_per_group():
    runs = {"adam": [trained([0]), trained([0, 1, 2])], "rmsprop": [trained(list(range(10)))]}
    table = compare.optimizer_summary(runs, Y)
    assert table.loc["adam", "runs"] == 2
    assert table.loc["adam", "test accuracy (%)"] == "98.00 ± 1.41"  # 99 and 97
    assert table.loc["adam", "per seed (%)"] == "99.00, 97.00"
    assert table.loc["rmsprop", "test accuracy (%)"] == "90.00"  # one run: no spread to show


def test_mcnemar_counts_the_discordant_images_seed_by_seed():
    a_wrong, b_wrong = [0, 1], list(range(2, 32))  # 2 only-A errors, 30 only-B errors
    runs = {"adam": [trained(a_wrong)], "rmsprop": [trained(b_wrong)]}
    table = compare.paired_mcnemar(runs, Y, seeds=[7])
    row = table.loc[7]
    assert (row["b (only B wrong)"], row["c (only A wrong)"]) == (30, 2)
    assert row["significant"] and row["better"] == "adam"
    # exact two-sided binomial test on the 32 discordant images: 2 * P(X <= 2), X ~ Bin(32, 1/2)
    assert row["p value"] == pytest.approx(2 * sum(math.comb(32, k) for k in range(3)) / 2**32)


def test_mcnemar_finds_no_difference_between_identical_models():
    runs = {"adam": [trained([0, 5])], "rmsprop": [trained([0, 5])]}
    row = compare.paired_mcnemar(runs, Y, seeds=[0]).loc[0]
    assert not row["significant"]


def _run(right: np.ndarray) -> SimpleNamespace:
    """A stand-in for reuse.Trained whose predictions are right where `right` is True (labels all 0)."""
    return SimpleNamespace(predictions=np.where(right, 0, 1))


def test_paired_gaps_counts_points_and_discordant_images():
    y = np.zeros(100, dtype=int)
    a = np.arange(100) < 99  # 99% right
    b = np.arange(100) < 97  # 97% right, wrong on two images a gets right
    table = compare.paired_gaps({"adam": [_run(a)], "rmsprop": [_run(b)]}, y)
    assert table.loc[0, "gap (points)"] == pytest.approx(2.0) and table.loc[0, "discordant share"] == pytest.approx(
        0.02
    )


def test_the_gaps_sign_comes_from_the_optimizer_names_not_their_order():
    y = np.zeros(100, dtype=int)
    adam, rmsprop = _run(np.arange(100) < 99), _run(np.arange(100) < 97)
    listed_backwards = compare.paired_gaps({"rmsprop": [rmsprop], "adam": [adam]}, y)
    assert listed_backwards.loc[0, "gap (points)"] == pytest.approx(2.0)  # Adam − RMSprop, as the report
    assert list(listed_backwards.columns[:2]) == ["adam (%)", "rmsprop (%)"]
    with pytest.raises(ValueError, match="adam − rmsprop"):
        compare.paired_gaps({"sgd": [adam], "rmsprop": [rmsprop]}, y)


def test_unpaired_runs_are_rejected():
    y = np.zeros(4, dtype=int)
    with pytest.raises(ValueError, match="seed by seed"):
        compare.paired_gaps({"adam": [_run(y == 0)], "rmsprop": []}, y)


def test_paired_gaps_take_one_label_array_per_seed():
    y0, y1 = np.zeros(4, dtype=int), np.ones(4, dtype=int)
    zeros = _run(np.ones(4, dtype=bool))  # predicts 0 everywhere
    runs = {"adam": [zeros, zeros], "rmsprop": [zeros, zeros]}
    table = compare.paired_gaps(runs, [y0, y1])
    assert table["adam (%)"].tolist() == [100.0, 0.0]  # seed 1's labels are all 1, its predictions all 0


def test_mcnemar_scores_each_seed_on_its_own_labels():
    y0, y1 = np.zeros(4, dtype=int), np.ones(4, dtype=int)
    adam = [_run(np.array([True, True, True, False])), _run(np.array([True] * 4))]
    rmsprop = [_run(np.array([True, False, False, False])), _run(np.array([True] * 4))]
    adam[1].predictions = y1.copy()  # seed 1 is scored on labels 1: both models all right there
    rmsprop[1].predictions = y1.copy()
    table = compare.paired_mcnemar({"adam": adam, "rmsprop": rmsprop}, [y0, y1], seeds=[0, 1])
    assert (table.loc[0, "b (only B wrong)"], table.loc[0, "c (only A wrong)"]) == (2, 0)
    assert (table.loc[1, "b (only B wrong)"], table.loc[1, "c (only A wrong)"]) == (0, 0)


class _AlwaysThree(torch.nn.Module):
    """A torch 'classifier' that reads every image as a 3."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.one_hot(torch.full((len(x),), 3), 10).float()


def test_heldout_accuracy_scores_a_torch_model_on_new_images():
    images = np.zeros((8, 28, 28), dtype=np.uint8)
    labels = np.array([3, 3, 3, 1, 1, 1, 1, 1])
    model = Trained("fake", _AlwaysThree(), None, np.zeros((1, 10)), reused=False, key={"normalized": True})
    assert compare.heldout_accuracy_pct(model, images, labels) == pytest.approx(37.5)


def test_heldout_accuracy_names_the_missing_keras_weights(tmp_path):
    lost = Trained(
        "dutta_keras-rmsprop-seed0", None, None, np.zeros((1, 10)), reused=False, key={"name": "dutta_keras"}
    )
    with pytest.raises(ValueError, match="dutta_keras-rmsprop-seed0"):
        compare.heldout_accuracy_pct(
            lost, np.zeros((2, 28, 28)), np.zeros(2, dtype=int), SimpleNamespace(root=tmp_path)
        )


def test_heldout_accuracy_rebuilds_a_keras_model_a_sweep_left_behind(tmp_path):
    from mnist_helpers.data.mnist import to_keras
    from mnist_helpers.models.keras_cnn import dutta_cnn
    from mnist_helpers.recipes.saved import save_keras_weights
    from mnist_helpers.training.keras_fit import keras_predict_proba

    model = dutta_cnn(rotation_factor=0.1, seed=0)
    (tmp_path / "models").mkdir()
    save_keras_weights(model, tmp_path / "models" / "dutta_keras-adam-seed0.weights.h5", {})
    images = np.random.default_rng(0).integers(0, 256, (16, 28, 28), dtype=np.uint8)
    labels = keras_predict_proba(model, to_keras(images)).argmax(axis=1)
    labels[:4] = (labels[:4] + 1) % 10  # 12 of 16 as the saved model reads them
    key = {"name": "dutta_keras", "rotation_factor": 0.1, "seed": 0}
    lost = Trained("dutta_keras-adam-seed0", None, None, np.zeros((1, 10)), reused=False, key=key)
    assert compare.heldout_accuracy_pct(lost, images, labels, SimpleNamespace(root=tmp_path)) == pytest.approx(75.0)


def test_heldout_per_seed_scores_each_seeds_model_on_its_own_test_set():
    model = Trained("fake", _AlwaysThree(), None, np.zeros((1, 10)), reused=False, key={"normalized": True})
    images = np.zeros((4, 28, 28), dtype=np.uint8)
    test_sets = [(images, np.array([3, 3, 3, 1])), (images, np.array([3, 1, 1, 1]))]
    assert compare.heldout_pct_per_seed({"adam": [model, model]}, test_sets) == {"adam": [75.0, 25.0]}
    with pytest.raises(ValueError, match="runs\\['adam'\\] has 1 runs for 2 test sets"):
        compare.heldout_pct_per_seed({"adam": [model]}, test_sets)


def test_pair_confusion_counts_each_digit_read_as_the_other_over_both_digits_images():
    labels = np.array([6, 6, 9, 9, 1])
    predictions = np.array([9, 6, 6, 9, 6])  # one 6 read as 9, one 9 read as 6; the 1 read as 6 does not count
    assert compare.pair_confusion_pct(labels, predictions) == 50.0
    with pytest.raises(ValueError, match="no test image is a 6 or a 9"):
        compare.pair_confusion_pct(np.array([1, 2]), np.array([1, 2]))


def test_epochs_to_reach_gives_the_first_epoch_at_the_threshold_and_censors_a_run_that_never_gets_there():
    assert compare.epochs_to_reach([97.0, 98.6, 98.4, 99.0], 98.5) == 2
    assert compare.epochs_to_reach([97.0, 98.0], 98.5) == 3


def test_flip_readings_of_several_seeds_are_averaged_per_digit_with_the_interval_of_the_mean():
    from mnist_helpers.measure.compare import flip_over_seeds

    def tables(six_as_nine, nine_as_six):
        table = pd.DataFrame(
            {
                "images": [100, 200],
                "other digit": [9, 6],
                "read as the other digit (%)": [six_as_nine, nine_as_six],
                "read as itself (%)": [100 - six_as_nine, 100 - nine_as_six],
                "read as another digit (%)": [0.0, 0.0],
            },
            index=pd.Index([6, 9], name="flipped digit"),
        )
        return {"turned 180°": table}

    out = flip_over_seeds([tables(10.0, 30.0), tables(20.0, 30.0), tables(30.0, 30.0)])["turned 180°"]
    assert out.loc[6, "read as the other digit (%)"] == 20.0 and out.loc[6, "read as itself (%)"] == 80.0
    assert out.loc[6, "95% interval (%)"] == "-4.8 to 44.8"  # sd 10, t(0.975, 2) 4.3027: 20 ± 24.84
    assert out.loc[9, "95% interval (%)"] == "30.0 to 30.0" and out.loc[9, "seeds"] == 3 and out.loc[9, "images"] == 200
    assert flip_over_seeds([tables(12.0, 3.0)])["turned 180°"].loc[6, "95% interval (%)"] == "one seed"


def test_discordant_share_averages_the_images_one_run_of_each_pair_gets_right():
    # pair 1: wrong on {0, 1} and {1, 2} -> images 0 and 2 discordant, 2/100; pair 2: {} and {5, 6, 7} -> 3/100
    a, b = [trained([0, 1]), trained([])], [trained([1, 2]), trained([5, 6, 7])]
    assert compare.discordant_share(a, b, Y) == pytest.approx((0.02 + 0.03) / 2)
    assert compare.discordant_share(a, a, Y) == 0.0
    with pytest.raises(ValueError, match="pair them seed by seed"):
        compare.discordant_share(a, b[:1], Y)
