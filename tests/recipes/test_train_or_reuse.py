"""Chapter recipes: a saved model is reused only when made with the same settings; otherwise it is retrained."""

import numpy as np
import pytest

from mnist_helpers.data import mnist as data
from mnist_helpers.recipes import train_or_reuse as reuse
from mnist_helpers.reproduce.run_record import Run


@pytest.fixture(scope="module")
def split():
    return data.load_split(300, 200, seed=0)


def test_load_split_is_stratified_and_sized(split):
    assert split.train_images.shape == (300, 28, 28) and len(split.test_labels) == 200
    assert np.bincount(split.train_labels, minlength=10).min() >= 25


def test_trained_model_is_reused_with_same_settings_and_retrained_otherwise(split, tmp_path, capsys):
    run = Run("test", {"profile": "test"}, tmp_path)
    first = reuse.train_classifier("mlp", split, run, epochs=1, batch_size=32)
    again = reuse.train_classifier("mlp", split, run, epochs=1, batch_size=32)
    assert not first.reused and again.reused
    np.testing.assert_array_equal(first.outputs, again.outputs)
    changed = reuse.train_classifier("mlp", split, run, epochs=1, batch_size=64)
    assert not changed.reused and "retraining" in capsys.readouterr().out
    assert not list((tmp_path / "test" / "checkpoints").glob("*.ckpt"))


def test_autoencoder_outputs_are_reconstructions(split, tmp_path):
    run = Run("test", {"profile": "test"}, tmp_path)
    ae = reuse.train_autoencoder("dense_ae", 8, split, run, epochs=1, batch_size=64)
    assert ae.outputs.shape == (200, 1, 28, 28) and ae.outputs.min() >= 0 and ae.outputs.max() <= 1


def test_unknown_names_are_rejected(split, tmp_path):
    run = Run("test", {"profile": "test"}, tmp_path)
    with pytest.raises(ValueError, match="classifier name='vgg'.*mlp"):
        reuse.train_classifier("vgg", split, run, epochs=1, batch_size=32)
    with pytest.raises(ValueError, match="autoencoder kind='vae'"):
        reuse.train_autoencoder("vae", 8, split, run, epochs=1, batch_size=32)


def test_a_labelled_run_prints_its_label_before_its_epoch_lines(split, tmp_path, capsys):
    run = Run("test", {"profile": "test"}, tmp_path)
    reuse.train_autoencoder("dense_ae", 8, split, run, epochs=1, batch_size=64, label="dense autoencoder, code size 8")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "== dense autoencoder, code size 8 ==" and len(lines) > 1
