"""Autoencoders and PCA as codecs (chapter 6): PCA reconstructions, throughput and the rate-distortion table."""

import numpy as np
import pytest
import torch

from mnist_helpers.data.mnist import MNIST
from mnist_helpers.measure import rate_distortion
from mnist_helpers.models.torch_nets import DenseAutoencoder
from mnist_helpers.recipes.saved import Trained


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
