"""Two chapters of one profile that save different models under one name are refused, before either is lost again."""

import pickle

import pytest

from mnist_helpers.data import mnist as data
from mnist_helpers.recipes import train_or_reuse as reuse
from mnist_helpers.reproduce import model_ledger
from mnist_helpers.reproduce.run_record import Run


@pytest.fixture(scope="module")
def split():
    return data.load_split(300, 200, seed=0)


def mlp(split, run, epochs, **kw):
    return reuse.train_classifier("mlp", split, run, epochs=epochs, batch_size=64, **kw)


def test_a_chapter_records_each_model_it_used_with_its_keys_hash(split, tmp_path):
    run = Run("03_mlp", {"profile": "mine"}, tmp_path)
    trained = mlp(split, run, 1)
    record = run.save()
    assert record["models"] == {"mlp-adam-seed0.pt": model_ledger.key_hash(trained.key)}
    assert not model_ledger.ledger_path(run.metrics_path).exists()  # the notes end in the record


def test_a_reused_model_is_recorded_too(split, tmp_path):
    mlp(split, Run("03_mlp", {"profile": "mine"}, tmp_path), 1)
    run = Run("07_confusion", {"profile": "mine"}, tmp_path)
    assert mlp(split, run, 1).reused
    assert list(run.save()["models"]) == ["mlp-adam-seed0.pt"]


def test_two_chapters_sharing_one_model_with_the_same_settings_pass(split, tmp_path):
    for chapter in ("03_mlp", "05_optimizers"):
        run = Run(chapter, {"profile": "mine"}, tmp_path)
        mlp(split, run, 1)
        run.save()


def test_the_second_chapter_saving_another_model_under_the_same_name_is_refused_naming_both(split, tmp_path):
    first = Run("03_mlp", {"profile": "mine"}, tmp_path)
    mlp(split, first, 1)
    first.save()
    second = Run("05_optimizers", {"profile": "mine"}, tmp_path)
    mlp(split, second, 2)  # other epochs, same name: it overwrites chapter 3's model
    clash = r"05_optimizers .*models/mlp-adam-seed0.pt \(also 03_mlp's\)"
    with pytest.raises(model_ledger.ModelCollision, match=clash):
        second.save()
    assert not second.metrics_path.exists()  # refused before anything is written
    again = Run("05_optimizers", {"profile": "mine"}, tmp_path)
    mlp(split, again, 2, variant="c16")  # the fix the message names
    assert list(again.save()["models"]) == ["mlp-adam-seed0-c16.pt"]


def test_a_model_touched_in_a_worker_process_reaches_the_chapters_record(split, tmp_path):
    run = Run("04_cnn", {"profile": "mine"}, tmp_path)
    worker_copy = pickle.loads(pickle.dumps(run))  # what a sweep's worker gets
    mlp(split, worker_copy, 1, seed=3)
    assert list(run.save()["models"]) == ["mlp-adam-seed3.pt"]


def test_a_new_run_of_a_chapter_forgets_the_last_runs_notes(split, tmp_path):
    crashed = Run("03_mlp", {"profile": "mine"}, tmp_path)
    mlp(split, crashed, 1, seed=1)  # no save: the chapter failed after training
    run = Run("03_mlp", {"profile": "mine"}, tmp_path)
    mlp(split, run, 1, seed=2)
    assert list(run.save()["models"]) == ["mlp-adam-seed2.pt"]
