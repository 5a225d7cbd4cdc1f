"""One classifier per seed: saved models are reused, only the missing seeds are trained, in seed order."""

import numpy as np
import pytest

from mnist_helpers.data import mnist as data
from mnist_helpers.recipes import train_or_reuse as reuse
from mnist_helpers.recipes.per_seed import classifiers_for_seeds
from mnist_helpers.reproduce.run_record import Run

RECIPE = {"epochs": 1, "batch_size": 64, "lr": 1e-3, "augment": False, "device": "cpu"}


@pytest.fixture(scope="module")
def split():
    return data.load_split(200, 100, seed=0)


@pytest.fixture
def runs(tmp_path):
    settings = {"profile": "test", "epochs": 1, "batch_size": 64, "seed": 0}
    return Run("04_cnn", settings, tmp_path), Run("07_confusion", settings, tmp_path)


def test_saved_seeds_are_reused_and_only_the_missing_ones_trained_in_seed_order(split, runs, capsys):
    ch4, ch7 = runs
    saved = reuse.train_classifier("mlp", split, ch4, seed=0, **RECIPE)
    capsys.readouterr()
    got = classifiers_for_seeds("mlp", split, ch7, [1, 0], RECIPE, label="MLP")
    assert [m.tag for m in got] == ["mlp-adam-seed1", "mlp-adam-seed0"]
    assert [m.reused for m in got] == [False, True]
    np.testing.assert_array_equal(got[1].outputs, saved.outputs)
    out = capsys.readouterr().out
    assert "== MLP, seed 1 (trained here) ==" in out and "seed 0 (trained here)" not in out


def test_without_reuse_every_seed_is_trained(split, runs):
    ch4, ch7 = runs
    reuse.train_classifier("mlp", split, ch4, seed=0, **RECIPE)
    got = classifiers_for_seeds("mlp", split, ch7, [0], RECIPE, reuse_saved=False)
    assert [m.reused for m in got] == [False]


def test_a_saved_model_made_with_another_recipe_is_not_reused(split, runs):
    ch4, ch7 = runs
    reuse.train_classifier("mlp", split, ch4, seed=0, **RECIPE)
    got = classifiers_for_seeds("mlp", split, ch7, [0], {**RECIPE, "batch_size": 32})
    assert [m.reused for m in got] == [False]
