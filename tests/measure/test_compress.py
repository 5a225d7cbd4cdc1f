"""Compression measures: ratios, MSE/PSNR/SSIM and the PCA baseline, on tiny arrays and a slice of real MNIST."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.metrics import structural_similarity

from mnist_helpers.measure import compress


def _random_images(n: int = 4, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 28, 28))


def test_dimension_ratio_of_a_16_value_code_is_49():
    assert compress.compression_ratio(16)["dimension_ratio"] == 49


def test_bit_ratio_counts_8_bit_pixels_against_32_bit_code_values():
    assert compress.compression_ratio(16)["bit_ratio"] == pytest.approx(784 * 8 / (16 * 32))


def test_compression_ratio_rejects_a_zero_code_size():
    with pytest.raises(ValueError, match="code_size"):
        compress.compression_ratio(0)


def test_mse_of_a_constant_offset_is_its_square():
    a = np.zeros((2, 28, 28))
    assert compress.mse(a, a + 0.1) == pytest.approx(0.01)


def test_psnr_of_mse_0_01_is_20_db():
    a = np.zeros((3, 28, 28))
    assert compress.psnr(a, a + 0.1) == pytest.approx(20.0)


def test_psnr_is_averaged_over_images_not_computed_from_the_mean_mse():
    a = np.zeros((2, 28, 28))
    b = np.stack([np.full((28, 28), 0.1), np.full((28, 28), 0.01)])  # per-image PSNR 20 dB and 40 dB
    assert compress.psnr(a, b) == pytest.approx(30.0)


def test_ssim_of_identical_images_is_one():
    images = _random_images()
    assert compress.ssim(images, images) == pytest.approx(1.0)


def test_ssim_is_the_mean_of_per_image_skimage_ssim():
    a, b = _random_images(seed=1), _random_images(seed=2)
    per_image = [structural_similarity(x, y, data_range=1.0) for x, y in zip(a, b)]
    assert compress.ssim(a, b) == pytest.approx(np.mean(per_image))


def test_metrics_accept_flat_and_channel_shaped_images():
    a, b = _random_images(seed=3), _random_images(seed=4)
    expected = compress.reconstruction_metrics(a, b)
    assert compress.reconstruction_metrics(a.reshape(4, 784), b.reshape(4, 784)) == pytest.approx(expected)
    assert compress.reconstruction_metrics(a[:, None], b[:, None]) == pytest.approx(expected)


def test_metrics_reject_uint8_scale_images():
    a = np.full((1, 28, 28), 255.0)
    with pytest.raises(ValueError, match=r"original must hold values in \[0, 1\]"):
        compress.mse(a, a)


def test_pca_at_full_rank_reconstructs_exactly():
    rng = np.random.default_rng(0)
    train, test = rng.random((50, 20)), rng.random((10, 20))
    codes, recon = compress.pca_baseline(train, test, code_size=20)
    assert codes.shape == (10, 20)
    np.testing.assert_allclose(recon, test, atol=1e-5)


def test_pca_reconstructions_are_clipped_to_the_unit_range():
    rng = np.random.default_rng(1)
    _, recon = compress.pca_baseline(rng.random((50, 20)), rng.random((10, 20)), code_size=2)
    assert recon.min() >= 0.0 and recon.max() <= 1.0


def test_pca_rejects_a_code_larger_than_the_data():
    with pytest.raises(ValueError, match="code_size"):
        compress.pca_baseline(np.zeros((5, 20)), np.zeros((2, 20)), code_size=6)


def test_pca_on_real_mnist_improves_with_code_size(mnist):
    train = mnist.train_images[:2000].reshape(2000, -1) / 255.0
    test = mnist.test_images[:200].reshape(200, -1) / 255.0
    psnrs = [compress.psnr(test, compress.pca_baseline(train, test, k)[1]) for k in (8, 32)]
    assert 12.0 < psnrs[0] < psnrs[1]


def test_project_2d_keeps_one_row_per_code():
    assert compress.project_2d(np.random.default_rng(0).random((30, 8))).shape == (30, 2)


def test_rate_distortion_table_adds_both_ratios_and_sorts_by_method_then_code_size():
    rows = [
        {"method": "pca", "code_size": 32, "mse": 0.01, "psnr": 20.0, "ssim": 0.9},
        {"method": "pca", "code_size": 16, "mse": 0.02, "psnr": 17.0, "ssim": 0.8, "params": 12_544},
    ]
    table = compress.rate_distortion_table(rows)
    assert table["code_size"].tolist() == [16, 32]
    assert table["ratio"].tolist() == [49.0, 24.5]
    assert table["bit_ratio"].tolist() == [12.25, 6.125]


def test_rate_distortion_table_names_missing_columns():
    with pytest.raises(ValueError, match="ssim"):
        compress.rate_distortion_table([{"method": "pca", "code_size": 8, "mse": 0.1, "psnr": 10.0}])


def test_pca_parameters_count_components_and_mean():
    assert compress.pca_parameters(16) == 16 * 784 + 784
