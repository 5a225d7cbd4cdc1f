"""Chapter 2's demonstrations: each seed transform by name, repeated random draws, and throughput."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch

from mnist_helpers.augment import transforms as aug
from mnist_helpers.data.mnist import to_tensor

Transform = Callable[[torch.Tensor, torch.Generator], torch.Tensor]

# Each of Shah's three transforms on its own (the other two set to identity), Shah's full pipeline,
# and Keras' RandomRotation as Dutta's report describes it and as the author's code configured it.
TRANSFORMS: dict[str, Transform] = {
    "RandomRotation(10)": functools.partial(aug.shah_augment, scale=(1.0, 1.0), ratio=(1.0, 1.0), translate=(0.0, 0.0)),
    "RandomResizedCrop(28, scale=(0.7, 1.0), ratio=(0.9, 1.1))": functools.partial(
        aug.shah_augment, degrees=0.0, translate=(0.0, 0.0)
    ),
    "RandomAffine(0, translate=(0.1, 0.1))": functools.partial(
        aug.shah_augment, degrees=0.0, scale=(1.0, 1.0), ratio=(1.0, 1.0)
    ),
    "Shah's pipeline (all three)": aug.shah_augment,
    "Keras RandomRotation(10/360): the report's ±10°": functools.partial(
        aug.dutta_rotate, factor=aug.DUTTA_FACTOR, fill_mode="constant"
    ),
    "Keras RandomRotation(0.1): the code's ±36°": functools.partial(
        aug.dutta_rotate, factor=aug.AUTHOR_FACTOR, fill_mode="constant"
    ),
}


def draws(x: torch.Tensor, transform: Transform, n_draws: int, seed: int = 0) -> list[np.ndarray]:
    """`n_draws` independent applications of `transform` to the same images, as (N, 28, 28) arrays."""
    gen = torch.Generator().manual_seed(seed)
    return [transform(x, gen)[:, 0].numpy() for _ in range(n_draws)]


def draw_rows(
    examples: np.ndarray, transform: Transform, n_draws: int, seed: int = 0
) -> tuple[list[np.ndarray], list[str]]:
    """The rows of an augmentation grid: the uint8 examples, then `n_draws` draws of `transform`, with labels."""
    x = to_tensor(examples, normalize=False)
    return [examples, *draws(x, transform, n_draws, seed)], ["original"] + [f"draw {i + 1}" for i in range(n_draws)]


def angle_ranges(angles: dict[str, np.ndarray]) -> pd.DataFrame:
    """Smallest and largest sampled angle per setting, with the range the factor implies."""
    return pd.DataFrame(
        {"min (°)": [a.min() for a in angles.values()], "max (°)": [a.max() for a in angles.values()]},
        index=pd.Index(list(angles), name="setting"),
    )


def throughput(x: torch.Tensor, transform: Transform, batch_size: int, seed: int = 0) -> float:
    """Images per second of `transform` over all of `x`, `batch_size` images per call."""
    gen = torch.Generator().manual_seed(seed)
    transform(x[:batch_size], gen)  # warm-up
    start = time.perf_counter()
    for i in range(0, len(x), batch_size):
        transform(x[i : i + batch_size], gen)
    return len(x) / (time.perf_counter() - start)


def throughput_table(
    x: torch.Tensor, transform: Transform, batch_sizes: dict[str, int], per_sample_images: int
) -> pd.DataFrame:
    """Images/s and seconds per 60k-image epoch for each batch size; batch size 1 runs on a smaller slice."""
    rows = []
    for name, bs in batch_sizes.items():
        images = x[:per_sample_images] if bs == 1 else x
        rate = throughput(images, transform, bs)
        rows.append(
            {
                "setting": name,
                "batch size": bs,
                "images timed": len(images),
                "images/s": rate,
                "s per 60k epoch": 60000 / rate,
            }
        )
    return pd.DataFrame(rows).set_index("setting")


def keras_sampled_angles(n: int, factors: dict[str, float], seed: int = 0) -> dict[str, np.ndarray]:
    """Rotation angles (degrees) drawn by Keras's own `keras.layers.RandomRotation(factor)` for each named factor.

    The angles are the ones the layer's `get_random_transformation` draws for a batch of `n` images (its
    "angle" entry, which `transform_images` then applies), so C9's evidence comes from Keras, not our sampler.
    """
    from mnist_helpers.core.env import keras_on_torch

    keras_on_torch()  # torch, or a clear error naming KERAS_BACKEND (not "No module named 'jax'")
    import keras

    images = np.zeros((n, 28, 28, 1), dtype=np.float32)
    out = {}
    for offset, (name, factor) in enumerate(factors.items()):
        layer = keras.layers.RandomRotation(aug.check_rotation_factor(factor), seed=seed + offset)
        angle = layer.get_random_transformation(images, training=True)["angle"]
        out[name] = np.asarray(keras.ops.convert_to_numpy(angle), dtype=np.float64)
    return out


def ink_lost(images: np.ndarray, params: aug.ShahParams) -> np.ndarray:
    """Share of each image's ink (pixel intensity) that Shah's rotate -> crop -> shift carries out of the frame.

    Every inked pixel's centre is followed through the geometry: rotated about the image centre, kept only if it
    falls inside the crop, scaled to the output size, shifted; what lands outside [0, 28) is lost. (N,) in [0, 1].
    """
    x = np.asarray(images, dtype=np.float64)
    height, width = x.shape[1:]
    rows, cols = np.mgrid[0:height, 0:width] + 0.5  # pixel centres
    a = np.deg2rad(params.angle_deg.double().numpy())[:, None, None]  # counter-clockwise on screen (y down)
    dx, dy = cols - width / 2, rows - height / 2
    xr = width / 2 + np.cos(a) * dx + np.sin(a) * dy
    yr = height / 2 - np.sin(a) * dx + np.cos(a) * dy
    i, j, h, w, tx, ty = (
        t.double().numpy()[:, None, None]
        for t in (params.crop_i, params.crop_j, params.crop_h, params.crop_w, params.tx, params.ty)
    )
    in_frame = (xr >= 0) & (xr < width) & (yr >= 0) & (yr < height)
    in_crop = (xr >= j) & (xr < j + w) & (yr >= i) & (yr < i + h)
    xo, yo = (xr - j) * width / w + tx, (yr - i) * height / h + ty
    kept = in_frame & in_crop & (xo >= 0) & (xo < width) & (yo >= 0) & (yo < height)
    ink = x.sum(axis=(1, 2))
    return np.where(ink > 0, (x * ~kept).sum(axis=(1, 2)) / np.maximum(ink, 1e-12), 0.0)


def ink_lost_summary(images: np.ndarray, seed: int = 0, threshold: float = 0.01) -> dict[str, float]:
    """Shah's augmentation drawn once per image: mean and largest share of ink lost, and the share of images
    losing more than `threshold` of their ink (chapter 2's "pushed out of frame", measured)."""
    x = np.asarray(images)
    params = aug.sample_shah_params(len(x), x.shape[1], x.shape[2], torch.Generator().manual_seed(seed))
    lost = ink_lost(x, params)
    return {
        "images": len(x),
        "mean_share_lost": float(lost.mean()),
        "max_share_lost": float(lost.max()),
        "share_of_images_over_threshold": float((lost > threshold).mean()),
        "threshold": threshold,
    }
