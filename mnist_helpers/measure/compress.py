"""Autoencoder compression measures: compression ratios, MSE/PSNR/SSIM, and the PCA baseline."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from skimage.metrics import structural_similarity
from sklearn.decomposition import PCA

from mnist_helpers.data.mnist import PIXELS, SIDE

INPUT_BITS = 8  # bits per pixel in the IDX files (uint8)
CODE_BITS = 32  # bits per code value (float32)
RANGE_SLACK = 1e-6  # tolerance on the [0, 1] range check


def compression_ratio(
    code_size: int, input_dim: int = PIXELS, input_bits: int = INPUT_BITS, code_bits: int = CODE_BITS
) -> dict[str, float]:
    """Two ways to state how much a code of `code_size` values compresses an image.

    dimension_ratio = input_dim / code_size (784 / 16 = 49): numbers in, numbers out.
    bit_ratio = input_dim * input_bits / (code_size * code_bits) (784*8 / (16*32) = 12.25): storage,
    since a float32 code value costs four times as many bits as an 8-bit pixel.
    """
    if int(code_size) != code_size or code_size < 1:
        raise ValueError(f"code_size must be a positive integer, got {code_size!r}")
    return {"dimension_ratio": input_dim / code_size, "bit_ratio": input_dim * input_bits / (code_size * code_bits)}


def _images(original: np.ndarray, recon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both arrays as float64 (N, 28, 28) in [0, 1]; flat (N, 784) input is reshaped."""
    a, b = np.asarray(original, dtype=np.float64), np.asarray(recon, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"original and recon must have the same shape, got {a.shape} and {b.shape}")
    if a.ndim == 2:
        if a.shape[1] != SIDE * SIDE:
            raise ValueError(
                f"flat images must have {SIDE * SIDE} columns, got shape {a.shape}; "
                "pass (N, 28, 28) arrays or (N, 784) rows"
            )
        a, b = a.reshape(-1, SIDE, SIDE), b.reshape(-1, SIDE, SIDE)
    elif a.ndim == 4 and 1 in (a.shape[1], a.shape[-1]):  # (N,1,H,W) tensors or (N,H,W,1) Keras arrays
        axis = 1 if a.shape[1] == 1 else -1
        a, b = np.squeeze(a, axis=axis), np.squeeze(b, axis=axis)
    elif a.ndim != 3:
        raise ValueError(f"images must be (N, H, W), (N, 784), (N, 1, H, W) or (N, H, W, 1), got {a.shape}")
    for name, x in (("original", a), ("recon", b)):
        if x.size and (x.min() < -RANGE_SLACK or x.max() > 1 + RANGE_SLACK):
            raise ValueError(
                f"{name} must hold values in [0, 1], got [{x.min():.3g}, {x.max():.3g}]; "
                "divide uint8 images by 255 (and undo any mean/std normalisation)"
            )
    return a, b


def mse(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared error over every pixel of every image (images in [0, 1])."""
    a, b = _images(a, b)
    return float(np.mean((a - b) ** 2))


def psnr(a: np.ndarray, b: np.ndarray, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB, computed per image and then averaged over images.

    An image reconstructed exactly has infinite PSNR, so the mean is then inf too.
    """
    # By hand: vectorised over images; skimage's peak_signal_noise_ratio takes one image per call.
    a, b = _images(a, b)
    per_image_mse = np.mean((a - b) ** 2, axis=(1, 2))
    with np.errstate(divide="ignore"):
        return float(np.mean(10.0 * np.log10(data_range**2 / per_image_mse)))


def ssim(a: np.ndarray, b: np.ndarray, data_range: float = 1.0) -> float:
    """Mean structural similarity over images (skimage defaults: 7x7 uniform window), images in [0, 1]."""
    a, b = _images(a, b)
    # Images stacked as channels: skimage computes SSIM per channel and returns their mean.
    return float(
        structural_similarity(np.moveaxis(a, 0, -1), np.moveaxis(b, 0, -1), data_range=data_range, channel_axis=-1)
    )


def reconstruction_metrics(original: np.ndarray, recon: np.ndarray) -> dict[str, float]:
    """MSE, PSNR (dB, per-image mean) and SSIM (per-image mean) of a reconstruction."""
    return {"mse": mse(original, recon), "psnr": psnr(original, recon), "ssim": ssim(original, recon)}


def pca_baseline(
    train_flat: np.ndarray, test_flat: np.ndarray, code_size: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """PCA fitted on train_flat (N, D); returns the test codes (M, code_size) and reconstructions clipped to [0, 1]."""
    train, test = np.asarray(train_flat, dtype=np.float32), np.asarray(test_flat, dtype=np.float32)
    if train.ndim != 2 or test.ndim != 2 or train.shape[1] != test.shape[1]:
        raise ValueError(
            f"train_flat and test_flat must be 2-D with the same number of columns, got "
            f"{train.shape} and {test.shape}; reshape images with .reshape(len(x), -1)"
        )
    if not 1 <= code_size <= min(train.shape):
        raise ValueError(
            f"code_size must be between 1 and min(n_samples, n_features) = {min(train.shape)}, got {code_size}"
        )
    pca = PCA(n_components=code_size, random_state=seed).fit(train)
    codes = pca.transform(test)
    return codes, np.clip(pca.inverse_transform(codes), 0.0, 1.0)


def pca_parameters(code_size: int, input_dim: int = PIXELS) -> int:
    """Numbers a PCA codec stores: code_size components of input_dim values plus the input_dim mean."""
    return code_size * input_dim + input_dim


def project_2d(codes: np.ndarray, seed: int = 0) -> np.ndarray:
    """Codes (N, k) projected onto their first two principal components, for a scatter plot."""
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2 or codes.shape[1] < 2:
        raise ValueError(f"codes must be (N, k) with k >= 2, got shape {codes.shape}")
    if codes.shape[1] == 2:
        return codes
    return PCA(n_components=2, random_state=seed).fit_transform(codes)


def rate_distortion_table(rows: Iterable[dict]) -> pd.DataFrame:
    """One row per (method, code_size) with ratio (dimensions), bit_ratio, mse, psnr, ssim and params.

    Each input row needs method, code_size, mse, psnr and ssim; params (stored numbers) is optional.
    """
    df = pd.DataFrame(list(rows))
    missing = {"method", "code_size", "mse", "psnr", "ssim"} - set(df.columns)
    if missing:
        raise ValueError(f"rows are missing {sorted(missing)}; each row needs method, code_size, mse, psnr, ssim")
    params = df["params"] if "params" in df else [pd.NA] * len(df)
    df["params"] = pd.array(params, dtype="Int64")  # nullable: methods without a parameter count
    ratios = [compression_ratio(int(c)) for c in df["code_size"]]
    df["ratio"] = [r["dimension_ratio"] for r in ratios]
    df["bit_ratio"] = [r["bit_ratio"] for r in ratios]
    columns = ["method", "code_size", "ratio", "bit_ratio", "mse", "psnr", "ssim", "params"]
    return df[columns].sort_values(["method", "code_size"], kind="stable").reset_index(drop=True)
