"""Autoencoders and PCA as codecs (chapter 6): PCA reconstructions, throughput and the rate-distortion table."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import torch

from mnist_helpers.data import mnist as data
from mnist_helpers.data.mnist import MNIST
from mnist_helpers.measure import rate_distortion
from mnist_helpers.models import torch_nets as models
from mnist_helpers.models.torch_nets import DenseAutoencoder
from mnist_helpers.recipes import train_or_reuse as reuse
from mnist_helpers.recipes.saved import Trained
from mnist_helpers.reproduce.run_record import Run


@pytest.fixture(scope="module")
def tiny() -> MNIST:
    """Synthetic 'digits': bars at random rows, so a few components explain most of the variance."""
    rng = np.random.default_rng(0)
    images = np.zeros((120, 28, 28), np.uint8)
    for img in images:
        r = rng.integers(4, 24)
        img[r : r + 3, 4:24] = 255
    labels = rng.integers(0, 10, 120)
    return MNIST(images[:80], labels[:80], images[80:], labels[80:], source=None)


def test_pca_reconstructions_give_codes_and_images_at_each_code_size(tiny):
    out = rate_distortion.pca_reconstructions(tiny, [2, 8])
    codes, recon = out[8]
    assert codes.shape == (40, 8) and recon.shape == (40, 784)
    err = {k: float(((r - tiny.test_images.reshape(40, -1) / 255.0) ** 2).mean()) for k, (_, r) in out.items()}
    assert err[8] < err[2]  # more components, less error


def test_codec_throughput_encodes_and_decodes_every_image_in_batches(tiny):
    torch.manual_seed(0)
    model = DenseAutoencoder(4).eval()
    x = torch.from_numpy(tiny.test_images).float().div(255).unsqueeze(1)
    decoded = []
    real_decode = model.decode
    model.decode = lambda z: decoded.append(len(z)) or real_decode(z)
    enc, dec = rate_distortion.codec_throughput(model, x, batch_size=16)
    assert decoded == [16, 16, 8]  # all 40 codes, in batches of 16
    assert np.isfinite(enc) and np.isfinite(dec)


def test_compression_table_has_one_row_per_method_and_code_size(tiny):
    torch.manual_seed(0)
    model = DenseAutoencoder(8).eval()
    x = torch.from_numpy(tiny.test_images).float().div(255).unsqueeze(1)
    with torch.no_grad():
        outputs = model(x).numpy()
    ae = {("dense_ae", 8): Trained("dense_ae-8", model, None, outputs, reused=False)}
    table = rate_distortion.compression_table(tiny, ae, rate_distortion.pca_reconstructions(tiny, [8]))
    assert set(zip(table["method"], table["code_size"])) == {("dense autoencoder", 8), ("PCA", 8)}
    pca_row = table[table["method"] == "PCA"].iloc[0]
    ae_row = table[table["method"] == "dense autoencoder"].iloc[0]
    assert pca_row["mse"] < ae_row["mse"]  # an untrained autoencoder loses to PCA
    assert ae_row["encode img/s"] > 0 and np.isnan(pca_row["encode img/s"])


def small_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "method": ["PCA", "dense autoencoder"],
            "code_size": [32, 32],
            "ratio": [24.5, 24.5],
            "bit_ratio": [6.125, 6.125],
            "mse": [0.0077, 0.0070],
            "params": pd.array([25872, 100], dtype="Int64"),
            "encode img/s": [math.nan, 1e5],
        }
    )


def test_records_write_null_where_the_table_has_nan_and_parse_as_strict_json():
    rows = rate_distortion.records(small_table())
    text = json.dumps(rows, allow_nan=False)  # raises on NaN
    assert json.loads(text)[0]["encode img/s"] is None and rows[1]["params"] == 100


def test_compression_phrase_states_numbers_and_bits():
    assert rate_distortion.compression_phrase(32).startswith("24.5× in numbers") and "6.1× in bits" in (
        rate_distortion.compression_phrase(32)
    )


def test_autoencoder_params_count_the_decoder_only(tmp_path):
    split = data.load_split(200, 100, seed=0)
    run = Run("test", {"profile": "test"}, tmp_path)
    ae = reuse.train_autoencoder("dense_ae", 8, split, run, epochs=1, batch_size=64)
    table = rate_distortion.compression_table(
        split, {("dense_ae", 8): ae}, rate_distortion.pca_reconstructions(split, [8])
    )
    params = table.set_index("method").loc["dense autoencoder", "params"]
    assert params == models.count_parameters(ae.model.decoder) < models.count_parameters(ae.model)
    assert np.isnan(table.set_index("method").loc["PCA", "encode img/s"])


def test_records_refuse_nothing_json_cannot_hold():
    with pytest.raises(ValueError):
        json.dumps(small_table().to_dict("records"), allow_nan=False)  # the bare table is not valid JSON


def seed_table(psnr: float, with_pca: bool) -> pd.DataFrame:
    from mnist_helpers.measure.compress import rate_distortion_table

    rows = [{"method": "conv autoencoder", "code_size": 8, "mse": psnr / 1000, "psnr": psnr, "ssim": 0.9, "params": 10}]
    if with_pca:
        rows.append({"method": "PCA", "code_size": 8, "mse": 0.05, "psnr": 15.0, "ssim": 0.5, "params": 7})
    return rate_distortion_table(rows)


def test_over_seeds_gives_the_mean_and_the_t_half_width_computed_by_hand():
    table = rate_distortion.over_seeds([seed_table(20.0, True), seed_table(21.0, False), seed_table(22.0, False)])
    conv = table.set_index("method").loc["conv autoencoder"]
    # mean 21, sd 1, n 3: t(0.975, 2) = 4.302653, so the half-width is 4.302653 / sqrt(3) = 2.484138
    assert conv["psnr"] == pytest.approx(21.0) and conv["psnr_half"] == pytest.approx(2.484138, abs=1e-6)
    assert conv["ssim_half"] == pytest.approx(0.0) and conv["seeds"] == 3 and conv["params"] == 10
    pca = table.set_index("method").loc["PCA"]  # one fit, no training seed: no interval
    assert pca["psnr"] == 15.0 and pd.isna(pca["psnr_half"]) and pca["seeds"] == 1
    assert list(table.columns[:8]) == [
        "method",
        "code_size",
        "ratio",
        "bit_ratio",
        "mse",
        "mse_half",
        "psnr",
        "psnr_half",
    ]


def test_over_seeds_of_one_table_has_no_intervals_and_shows_dashes():
    table = rate_distortion.over_seeds([seed_table(20.0, True)])
    assert table["psnr_half"].isna().all()


def test_over_seeds_refuses_no_tables():
    with pytest.raises(ValueError, match="one compression_table per seed"):
        rate_distortion.over_seeds([])


def test_seed_values_reads_one_models_measure_from_each_table_that_holds_it():
    tables = [seed_table(20.0, True), seed_table(21.0, False)]
    assert rate_distortion.seed_values(tables, "conv autoencoder", 8, "psnr") == [20.0, 21.0]
    assert rate_distortion.seed_values(tables, "PCA", 8, "psnr") == [15.0]
