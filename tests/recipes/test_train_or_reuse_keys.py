"""recipes.train_or_reuse: reuse is decided by the key inside the weights file, never by the files beside it."""

from __future__ import annotations

import pytest

from mnist_helpers.data import mnist as data
from mnist_helpers.recipes import saved as saved_models
from mnist_helpers.recipes import train_or_reuse as reuse
from mnist_helpers.reproduce.run_record import Run
from mnist_helpers.training.checkpoints import save_weights


@pytest.fixture(scope="module")
def split():
    return data.load_split(300, 200, seed=0)


def mlp(split, run, **kw):
    return reuse.train_classifier("mlp", split, run, epochs=1, batch_size=32, **kw)


# 1. reuse is decided by the key inside the weights file: a crash between two writes cannot mislead it


def test_torch_model_is_not_reused_when_its_weights_came_from_other_settings_than_its_meta_says(split, tmp_path):
    run = Run("t", {"profile": "test"}, tmp_path)
    mlp(split, run, lr=1e-3)
    meta = tmp_path / "test" / "models" / "mlp-adam-seed0.json"
    old_meta = meta.read_bytes() if meta.exists() else None
    mlp(split, run, lr=5e-3)  # new weights; a crash before the meta write leaves the old meta beside them:
    if old_meta is not None:
        meta.write_bytes(old_meta)
    again = mlp(split, run, lr=1e-3)
    assert not again.reused and again.history.meta["lr"] == 1e-3


def test_keras_model_is_not_reused_when_its_weights_came_from_other_settings_than_its_meta_says(tmp_path):
    small = data.load_split(200, 100, seed=0)
    run = Run("t", {"profile": "test"}, tmp_path)
    train = lambda lr: reuse.train_keras_dutta(small, run, epochs=1, batch_size=64, lr=lr)
    train(1e-3)
    meta = tmp_path / "test" / "models" / "dutta_keras-adam-seed0.json"
    old_meta = meta.read_bytes() if meta.exists() else None
    train(5e-3)
    if old_meta is not None:
        meta.write_bytes(old_meta)
    again = train(1e-3)
    assert not again.reused and again.history.meta["lr"] == 1e-3
    assert train(1e-3).reused  # and the one just made is reused


# 15. side files beside a model are not trusted: a damaged history inside the model is an error naming the file


def test_a_meta_json_that_is_not_an_object_or_a_missing_history_json_does_not_break_reuse(split, tmp_path):
    run = Run("t", {"profile": "test"}, tmp_path)
    mlp(split, run)
    models = tmp_path / "test" / "models"
    (models / "mlp-adam-seed0.json").write_text("[1, 2]")
    (models / "mlp-adam-seed0.history.json").unlink(missing_ok=True)
    again = mlp(split, run)
    assert again.reused and len(again.history) == 1


def test_a_model_whose_stored_history_is_missing_names_the_file_and_the_fix(split, tmp_path):
    run = Run("t", {"profile": "test"}, tmp_path)
    first = mlp(split, run)
    weights = tmp_path / "test" / "models" / "mlp-adam-seed0.pt"
    save_weights(first.model, weights, meta={"key": first.key})  # the key, but no history
    with pytest.raises(ValueError, match=r"mlp-adam-seed0.pt: its training history is missing.*Delete it and re-run"):
        mlp(split, run)


# 5. chapter 7 reuses chapter 4's model only when made on the same split with the same settings


def test_chapter_7_reuses_a_saved_model_only_when_made_on_its_split_and_settings(tmp_path, capsys):
    settings = {"profile": "test", "epochs": 1, "batch_size": 32, "seed": 0}
    ch4, ch7 = Run("04_cnn", settings, tmp_path), Run("07_confusion", settings, tmp_path)
    split = data.load_split(300, 200, seed=0)
    reuse.train_classifier("shah_cnn", split, ch4, epochs=1, batch_size=32, augment=True)
    assert reuse.saved_classifier("shah_cnn", data.load_split(400, 200, seed=0), ch7) is None  # other train_size
    assert "other settings (data" in capsys.readouterr().out
    same = reuse.saved_classifier("shah_cnn", split, ch7)
    assert same is not None and same.reused and same.key["data"] == saved_models.data_fingerprint(split)
    other_seed = Run("07_confusion", {**settings, "seed": 1}, tmp_path)
    assert reuse.saved_classifier("shah_cnn", data.load_split(300, 200, seed=1), other_seed) is None
