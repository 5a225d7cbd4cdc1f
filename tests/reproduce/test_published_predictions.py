"""The published run's figures re-derive from its published per-image predictions, without training: accuracies
(chapters 3, 4, 8), chapter 7's confusion matrix, and chapter 8's paired comparisons with their outcomes.
Needs the real MNIST test labels (CI has them): the predictions are checked to be on those images."""

import numpy as np
import pytest

from mnist_helpers import claims, data, measure
from mnist_helpers.core.atomic import read_json
from mnist_helpers.core.paths import PROJECT_ROOT
from mnist_helpers.reproduce import predictions

PUBLISHED = PROJECT_ROOT / "artifacts" / "full"
CHAPTERS = ("03_mlp", "04_cnn", "08_beyond")  # the chapters that publish predictions (chapter 7 reuses 4's models)


def _published(chapter):
    metrics = read_json(PUBLISHED / "metrics" / f"{chapter}.json")["metrics"]
    return metrics, predictions.load(PUBLISHED, metrics["predictions"])


@pytest.fixture(scope="module")
def test_labels():
    return data.load_split(60000, 10000, 0).test_labels


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_published_predictions_are_on_mnists_official_test_images(chapter, test_labels):
    _, got = _published(chapter)
    assert np.array_equal(got.labels, test_labels)


def test_chapter_3s_accuracies_re_derive():
    metrics, got = _published("03_mlp")
    seeds = metrics["seeds"]
    assert [got.accuracy_pct(f"seed {s}") for s in seeds] == pytest.approx(metrics["test_accuracy_per_seed"])
    assert [got.accuracy_pct(f"MSE, seed {s}") for s in seeds] == pytest.approx(metrics["claims"]["C15"]["mse_pct"])
    for arm, per_seed in metrics["ablation"]["accuracy_per_seed"].items():
        names = [n for n in got.classes if n.startswith(f"{arm}, seed ")]
        if names:  # the headline arm is read from the headline runs at the ablation's epoch (history, not kept)
            assert [got.accuracy_pct(n) for n in names] == pytest.approx(per_seed)


def test_chapter_4s_accuracies_and_chapter_7s_confusion_matrix_re_derive():
    metrics, got = _published("04_cnn")
    seeds = metrics["shah_seeds"]
    assert [got.accuracy_pct(f"seed {s}") for s in seeds] == pytest.approx(metrics["shah_test_accuracy_pct"])
    ablation = metrics["ablation"]
    for arm, key in (("fc-relu", "fc_relu_pct"), ("single-warp", "single_warp_pct")):
        assert [got.accuracy_pct(f"{arm}, seed {s}") for s in ablation["seeds"]] == pytest.approx(ablation[key])
    confusion = read_json(PUBLISHED / "metrics" / "07_confusion.json")["metrics"]
    seed = int(confusion["model"].rsplit("seed", 1)[1])
    assert measure.confusion(got.labels, got.classes[f"seed {seed}"]).tolist() == confusion["confusion"]


def test_chapter_8s_accuracies_and_verdicts_re_derive():
    metrics, got = _published("08_beyond")
    group_of = {arm: g for g, arms in metrics["groups"].items() for arm in arms}
    compared = {}
    for arm in metrics["compared"]:
        per_seed = metrics["accuracy_pct"][arm]
        seeds = [int(s) for s in per_seed]
        mine = [f"{arm}, seed {s}" for s in seeds]
        ref = [f"reference ({group_of[arm]}), seed {s}" for s in seeds]
        assert [got.accuracy_pct(n) for n in mine] == pytest.approx(list(per_seed.values()))
        discordant = float(np.mean([np.mean(got.right(a) != got.right(b)) for a, b in zip(mine, ref)]))
        compared[arm] = claims.paired_comparison(
            [got.accuracy_pct(n) for n in mine],
            [got.accuracy_pct(n) for n in ref],
            delta=claims.RESOLUTION_PP,
            n_images=len(got.labels),
            discordant_share=discordant,
        )
    for arm, v in claims.holm_paired(compared).items():
        assert v.record() == pytest.approx(metrics["compared"][arm]), arm
