"""recipes.train_or_reuse options for the ablations: decay meaning, input scaling, Shah's FC ReLU, augmentation mode,
convergence."""

import pytest
import torch

from mnist_helpers.data import mnist as data
from mnist_helpers.recipes import train_or_reuse as reuse
from mnist_helpers.reproduce.run_record import Run


@pytest.fixture(scope="module")
def split():
    return data.load_split(300, 200, seed=0)


@pytest.fixture
def run(tmp_path):
    return Run("test", {"profile": "test"}, tmp_path)


def test_ablation_variants_are_saved_apart_and_record_their_settings(split, run):
    plain = reuse.train_classifier("mlp", split, run, epochs=1, batch_size=64, decay=1e-4)
    l2_raw = reuse.train_classifier(
        "mlp", split, run, epochs=1, batch_size=64, decay=1e-4, decay_mode="l2", normalize=False, variant="l2-raw"
    )
    assert l2_raw.tag == plain.tag + "-l2-raw"
    assert l2_raw.history.meta["decay_mode"] == "l2" and plain.history.meta["decay_mode"] == "inverse_time"
    assert reuse.train_classifier("mlp", split, run, epochs=1, batch_size=64, decay=1e-4).reused  # not overwritten
    assert l2_raw.history.rows[-1]["lr"] == 1e-3  # weight decay leaves the rate alone


def test_input_scaling_override_feeds_pixels_over_255(split, run, monkeypatch):
    seen = []
    real = reuse.to_tensor
    monkeypatch.setattr(reuse, "to_tensor", lambda images, normalize: seen.append(normalize) or real(images, normalize))
    reuse.train_classifier("mlp", split, run, epochs=1, batch_size=64, normalize=False, variant="raw")
    assert seen == [False, False]


def test_shah_cnn_trains_with_and_without_the_fc_relu(split, run):
    kw = dict(epochs=1, batch_size=64, augment=True)
    with_relu = reuse.train_classifier("shah_cnn", split, run, model_kwargs={"fc_relu": True}, variant="fc-relu", **kw)
    without = reuse.train_classifier("shah_cnn", split, run, **kw)
    assert isinstance(with_relu.model.classifier[1], torch.nn.ReLU)
    assert isinstance(without.model.classifier[1], torch.nn.Identity)  # the report's table, the default
    assert with_relu.tag != without.tag
    assert "single_warp" not in str(without.history.meta["augment"])


def test_augment_mode_reaches_the_pipeline(split, run):
    fast = reuse.train_classifier(
        "shah_cnn", split, run, epochs=1, batch_size=64, augment=True, augment_mode="single_warp", variant="warp"
    )
    assert "single_warp" in fast.history.meta["augment"]


def test_autoencoder_with_patience_holds_out_training_images_and_records_where_it_stopped(split, run):
    ae = reuse.train_autoencoder(
        "dense_ae", 8, split, run, epochs=1, batch_size=64, max_epochs=4, patience=1, val_size=50
    )
    meta, rows = ae.history.meta, ae.history.rows
    assert meta["n_train"] == 250 and meta["n_val"] == 50
    assert all(r["val_loss"] is not None for r in rows) and meta["stopped_epoch"] == len(rows) <= 4
    assert 1 <= meta["best_epoch"] <= meta["stopped_epoch"]
    assert ae.tag.endswith("-converged")


def test_autoencoder_min_delta_reaches_fit_and_tells_saved_models_apart(split, run):
    kw = dict(epochs=1, batch_size=64, max_epochs=3, patience=1, val_size=50)
    strict = reuse.train_autoencoder("dense_ae", 8, split, run, min_delta=0.4, lr_patience=1, **kw)
    assert strict.history.meta["min_delta"] == 0.4 and strict.history.meta["lr_patience"] == 1
    assert strict.history.meta["lr_cuts"] == [2] and strict.key["lr_patience"] == 1
    assert strict.history.meta["stopped_epoch"] == 2  # no epoch cuts the MSE by 40%: one epoch of patience
    plain = reuse.train_autoencoder("dense_ae", 8, split, run, **kw)
    assert not plain.reused and plain.key["min_delta"] == 0.0 != strict.key["min_delta"]
