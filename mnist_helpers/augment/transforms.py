"""Batched, seeded augmentation of (N, C, H, W) tensors: torchvision/Keras random draws, PIL-exact or one-warp."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from mnist_helpers.augment import pil_resample
from mnist_helpers.data.mnist import MEAN, STD

# Shah's augmentation (SPEC C7); torchvision defaults where the report names none.
SHAH_DEGREES = 10.0  # degrees, RandomRotation(10): angle uniform in [-10, +10]
SHAH_SCALE = (0.7, 1.0)  # fraction of the image area kept by RandomResizedCrop
SHAH_RATIO = (0.9, 1.1)  # crop aspect ratio w/h, drawn log-uniformly
SHAH_TRANSLATE = (0.1, 0.1)  # fraction of width, height: RandomAffine(0, translate=...)
CROP_TRIES = 10  # torchvision draws up to 10 crops before its centre-crop fallback
DUTTA_FACTOR = 10 / 360  # fraction of a full turn: the report's 10 degrees as a Keras factor
AUTHOR_FACTOR = 0.1  # what Dutta's code passed to Keras RandomRotation: ±36° (claim C9)
MAX_FACTOR = 0.5  # a half turn either way covers every angle
SHAH_MODES = ("faithful", "single_warp")  # PIL pixel for pixel (three passes) | one bilinear warp
KERAS_FILL_MODES = {"reflect": "reflection", "nearest": "border", "constant": "zeros"}  # Keras -> grid_sample


@dataclass(frozen=True)
class ShahParams:
    """Per-sample parameters of Shah's augmentation; every field is an (N,) tensor."""

    angle_deg: torch.Tensor  # float64, degrees, positive = counter-clockwise (torchvision)
    crop_i: torch.Tensor  # int64, top row of the crop, pixels
    crop_j: torch.Tensor  # int64, left column of the crop, pixels
    crop_h: torch.Tensor  # int64, crop height, pixels
    crop_w: torch.Tensor  # int64, crop width, pixels
    tx: torch.Tensor  # int64, shift right, pixels
    ty: torch.Tensor  # int64, shift down, pixels


def _check_images(x: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor) or x.ndim != 4:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x must be a 4-D tensor (N, C, H, W), got {shape}; add a channel axis with x[:, None]")
    if not x.is_floating_point():
        raise ValueError(f"x must be a floating-point tensor, got {x.dtype}; convert with data.to_tensor or x.float()")


def _check_range(name: str, value: tuple[float, float], low: float = 0.0, strict: bool = False) -> None:
    if len(value) != 2 or value[0] > value[1]:
        raise ValueError(f"{name} must be a (min, max) pair with min <= max, got {value}")
    if value[0] < low or (strict and value[0] == low):
        raise ValueError(f"{name} values must be {'>' if strict else '>='} {low}, got {value}")


def _uniform(shape: tuple[int, ...], low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(shape, generator=generator, dtype=torch.float64, device=generator.device)


def _randint_below(high: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Uniform integers in [0, high) with a per-element `high` (torch.randint takes only one bound)."""
    u = torch.rand(high.shape, generator=generator, dtype=torch.float64, device=generator.device)
    return torch.minimum((u * high).floor().long(), high - 1)


def check_rotation_factor(factor: float) -> float:
    """A Keras rotation factor (fraction of a full turn) in [0, 0.5], or ValueError saying what to pass."""
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0.0 <= factor <= MAX_FACTOR:
        raise ValueError(
            f"rotation_factor must be a fraction of a full turn from 0 to {MAX_FACTOR} (got {factor!r}); "
            f"use {DUTTA_FACTOR:.6f} (10/360) for the report's ±10°, {AUTHOR_FACTOR} for the author's code's ±36°, "
            "0 to switch rotation off"
        )
    return float(factor)


def keras_factor_to_degrees(factor: float) -> float:
    """Keras RandomRotation's `factor` is a fraction of a full turn: the angle range is +-factor*360 degrees."""
    return float(factor) * 360.0


def sample_angles(n: int, degrees: float, generator: torch.Generator) -> torch.Tensor:
    """(n,) angles uniform in [-degrees, +degrees], as torchvision's RandomRotation.get_params."""
    if degrees < 0:
        raise ValueError(f"degrees must be >= 0 (the range is [-degrees, +degrees]), got {degrees}")
    return _uniform((n,), -float(degrees), float(degrees), generator)


def sample_dutta_angles(n: int, generator: torch.Generator, factor: float = DUTTA_FACTOR) -> torch.Tensor:
    """(n,) angles as Keras RandomRotation(factor) draws them: uniform in [-factor*360, +factor*360] degrees."""
    return sample_angles(n, keras_factor_to_degrees(check_rotation_factor(factor)), generator)


def sample_resized_crops(
    n: int, height: int, width: int, scale: tuple[float, float], ratio: tuple[float, float], generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(i, j, h, w) per sample as RandomResizedCrop.get_params: 10 tries, first that fits wins, else centre crop."""
    _check_range("scale", scale, strict=True)
    _check_range("ratio", ratio, strict=True)
    area = height * width
    target_area = area * _uniform((n, CROP_TRIES), scale[0], scale[1], generator)
    aspect = torch.exp(_uniform((n, CROP_TRIES), math.log(ratio[0]), math.log(ratio[1]), generator))
    w = torch.round(torch.sqrt(target_area * aspect)).long()  # torch.round is half-to-even, like Python's round
    h = torch.round(torch.sqrt(target_area / aspect)).long()
    fits = (w > 0) & (w <= width) & (h > 0) & (h <= height)
    first = fits.int().argmax(dim=1, keepdim=True)  # argmax returns the first maximum: the first try that fits
    w, h = w.gather(1, first).squeeze(1), h.gather(1, first).squeeze(1)
    i = _randint_below(height - h + 1, generator)
    j = _randint_below(width - w + 1, generator)
    # torchvision's fallback: the largest centred crop whose aspect ratio lies within `ratio`
    in_ratio = width / height
    if in_ratio < min(ratio):
        fw, fh = width, int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        fw, fh = int(round(height * max(ratio))), height
    else:
        fw, fh = width, height
    ok = fits.any(dim=1)
    fallback = torch.tensor([(height - fh) // 2, (width - fw) // 2, fh, fw], device=i.device)
    i, j = torch.where(ok, i, fallback[0]), torch.where(ok, j, fallback[1])
    h, w = torch.where(ok, h, fallback[2]), torch.where(ok, w, fallback[3])
    return i, j, h, w


def sample_translations(
    n: int, height: int, width: int, translate: tuple[float, float], generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """(tx, ty) whole pixels as RandomAffine.get_params: tx = round(uniform(-translate[0]*W, +translate[0]*W))."""
    if len(translate) != 2 or not all(0.0 <= t <= 1.0 for t in translate):
        raise ValueError(f"translate must be a (fx, fy) pair of fractions in [0, 1], got {translate}")
    max_dx, max_dy = translate[0] * width, translate[1] * height
    tx = torch.round(_uniform((n,), -max_dx, max_dx, generator)).long()
    ty = torch.round(_uniform((n,), -max_dy, max_dy, generator)).long()
    return tx, ty


def sample_shah_params(
    n: int,
    height: int,
    width: int,
    generator: torch.Generator,
    *,
    degrees: float = SHAH_DEGREES,
    scale: tuple[float, float] = SHAH_SCALE,
    ratio: tuple[float, float] = SHAH_RATIO,
    translate: tuple[float, float] = SHAH_TRANSLATE,
    per_batch: bool = False,
) -> ShahParams:
    """Draw rotation, crop and shift per sample (or one set for all n when per_batch=True)."""
    draws = 1 if per_batch else n
    angle = sample_angles(draws, degrees, generator)
    i, j, h, w = sample_resized_crops(draws, height, width, scale, ratio, generator)
    tx, ty = sample_translations(draws, height, width, translate, generator)
    fields = [t.expand(n) for t in (angle, i, j, h, w, tx, ty)]
    return ShahParams(*fields)


def _theta(cos, sin, sx, sy, ox, oy, height: int, width: int) -> torch.Tensor:
    """(N,2,3) affine_grid theta of the output->input map  p_in = R(-angle) (diag(sx, sy) p_out + (ox, oy)).

    p is in pixels from the image centre, x right, y down; R(-angle) = [[cos, -sin], [sin, cos]] undoes a
    counter-clockwise turn. theta is that map rescaled to affine_grid's [-1, 1] coordinates (align_corners=False).
    """
    row0 = [cos * sx, -sin * sy * height / width, (cos * ox - sin * oy) * 2 / width]
    row1 = [sin * sx * width / height, cos * sy, (sin * ox + cos * oy) * 2 / height]
    return torch.stack([torch.stack(row0, -1), torch.stack(row1, -1)], -2)


def rotation_matrices(angle_deg: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """(N,2,3) theta rotating each image about its centre by angle_deg (positive = counter-clockwise)."""
    a = torch.deg2rad(torch.as_tensor(angle_deg, dtype=torch.float64))
    one, zero = torch.ones_like(a), torch.zeros_like(a)
    return _theta(a.cos(), a.sin(), one, one, zero, zero, height, width)


def shah_matrices(params: ShahParams, height: int, width: int) -> torch.Tensor:
    """(N,2,3) theta of rotate -> resized crop back to (H, W) -> shift, composed into one output->input map."""
    p = params
    a = torch.deg2rad(p.angle_deg.double())
    i, j, h, w, tx, ty = (t.double() for t in (p.crop_i, p.crop_j, p.crop_h, p.crop_w, p.tx, p.ty))
    sx, sy = w / width, h / height  # crop size over output size
    # undo the shift, then map the resized crop's pixel back into the rotated image
    ox = j + w / 2 - width / 2 - sx * tx
    oy = i + h / 2 - height / 2 - sy * ty
    return _theta(a.cos(), a.sin(), sx, sy, ox, oy, height, width)


def affine_grid(theta: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """F.affine_grid(theta, (N, C, H, W), align_corners=False) by broadcasting: same grid, ~2.5x faster on
    CPU for small images (the library multiplies by theta with a bmm whose inner dimension is 3)."""
    xs = (torch.arange(width, dtype=theta.dtype, device=theta.device) * 2 + 1) / width - 1
    ys = (torch.arange(height, dtype=theta.dtype, device=theta.device) * 2 + 1) / height - 1
    t = theta[:, :, :, None, None]  # (N, 2, 3, 1, 1)
    grid = t[:, :, 0] * xs + t[:, :, 1] * ys[:, None] + t[:, :, 2]  # (N, 2, H, W)
    return grid.permute(0, 2, 3, 1)


def warp(x: torch.Tensor, theta: torch.Tensor, *, fill: float = 0.0, padding_mode: str = "zeros") -> torch.Tensor:
    """Resample the whole batch once: bilinear, align_corners=False; outside the image is `fill` (zeros mode)."""
    _check_images(x)
    if theta.shape != (x.shape[0], 2, 3):
        raise ValueError(f"theta must have shape ({x.shape[0]}, 2, 3) to match x, got {tuple(theta.shape)}")
    grid = affine_grid(theta.to(device=x.device, dtype=x.dtype), x.shape[2], x.shape[3])
    if padding_mode != "zeros" or fill == 0.0:
        return F.grid_sample(x, grid, mode="bilinear", padding_mode=padding_mode, align_corners=False)
    # zeros padding of (x - fill), shifted back, fills with `fill` and blends it at the border exactly as torchvision
    return F.grid_sample(x - fill, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + fill


def shah_augment(
    x: torch.Tensor,
    generator: torch.Generator,
    *,
    degrees: float = SHAH_DEGREES,
    scale: tuple[float, float] = SHAH_SCALE,
    ratio: tuple[float, float] = SHAH_RATIO,
    translate: tuple[float, float] = SHAH_TRANSLATE,
    fill: float = 0.0,
    per_batch: bool = False,
    mode: str = "faithful",
    mean_std: tuple[float, float] = (0.0, 1.0),
) -> torch.Tensor:
    """Shah's RandomRotation -> RandomResizedCrop(H) -> RandomAffine(0, translate) on a batch, torchvision's draws.

    mode="faithful" (default) resamples as torchvision's PIL path does, one batched pass per transform: rotation
    NEAREST, crop + resize BILINEAR rounded to 8 bits, shift NEAREST; the pixels equal the seed's per-image PIL
    pipeline's (tests/test_pil_resample.py). mode="single_warp" composes the three into one bilinear warp (one
    interpolation instead of three: smoother rotations, crops that read neighbours at their rim).
    `fill` is the background: 0 for images in [0, 1] (Shah augments before Normalize), -MEAN/STD if already
    normalised; `mean_std` is the (mean, std) x was normalised with, so the faithful crop can round to 8-bit
    pixels as PIL does. per_batch=True applies one random draw to every image in the batch.
    """
    _check_images(x)
    if mode not in SHAH_MODES:
        raise ValueError(f"mode must be one of {SHAH_MODES}, got {mode!r}")
    n, _, height, width = x.shape
    p = sample_shah_params(
        n, height, width, generator, degrees=degrees, scale=scale, ratio=ratio, translate=translate, per_batch=per_batch
    )
    if mode == "single_warp":
        return warp(x, shah_matrices(p, height, width), fill=fill)
    x = pil_resample.rotate(x, p.angle_deg, fill)
    x = pil_resample.resized_crop(x, p.crop_i, p.crop_j, p.crop_h, p.crop_w, mean=mean_std[0], std=mean_std[1])
    return pil_resample.shift(x, p.tx, p.ty, fill)


def rotate(x: torch.Tensor, angle_deg: torch.Tensor, *, fill_mode: str = "constant", fill: float = 0.0) -> torch.Tensor:
    """Rotate each image about its centre by angle_deg[k] (counter-clockwise); fill_mode as Keras names them."""
    _check_images(x)
    if fill_mode not in KERAS_FILL_MODES:
        raise ValueError(f"fill_mode must be one of {sorted(KERAS_FILL_MODES)}, got {fill_mode!r}")
    theta = rotation_matrices(torch.as_tensor(angle_deg).expand(x.shape[0]), x.shape[2], x.shape[3])
    return warp(x, theta, fill=fill, padding_mode=KERAS_FILL_MODES[fill_mode])


def dutta_rotate(
    x: torch.Tensor,
    generator: torch.Generator,
    factor: float = DUTTA_FACTOR,
    *,
    fill_mode: str = "reflect",
    per_batch: bool = False,
) -> torch.Tensor:
    """Keras RandomRotation(factor) on a batch: per-sample angles in +-factor*360 degrees, Keras's default
    'reflect' fill. factor=0.1 (Dutta's code) is +-36 degrees; the report's 10 degrees is factor=10/360."""
    _check_images(x)
    angles = sample_dutta_angles(1 if per_batch else x.shape[0], generator, factor)
    return rotate(x, angles.expand(x.shape[0]), fill_mode=fill_mode)


def hflip(x: torch.Tensor) -> torch.Tensor:
    """Mirror left-right (last axis)."""
    _check_images(x)
    return x.flip(-1)


def vflip(x: torch.Tensor) -> torch.Tensor:
    """Mirror top-bottom (second-to-last axis)."""
    _check_images(x)
    return x.flip(-2)


def rot180(x: torch.Tensor) -> torch.Tensor:
    """Turn half a circle: both flips at once, the move that makes a 6 read as a 9."""
    _check_images(x)
    return x.flip(-2, -1)


def shah_augmentation(
    normalized: bool = True, mode: str = "faithful"
) -> Callable[[torch.Tensor, torch.Generator], torch.Tensor]:
    """Shah's C7 pipeline as a batch transform; fill and 8-bit rounding follow the input's normalisation.
    mode: "faithful" (PIL pixel for pixel, the default) or "single_warp" (one bilinear warp, faster)."""
    if mode not in SHAH_MODES:
        raise ValueError(f"mode must be one of {SHAH_MODES}, got {mode!r}")
    mean_std = (MEAN, STD) if normalized else (0.0, 1.0)
    return functools.partial(shah_augment, fill=-mean_std[0] / mean_std[1], mode=mode, mean_std=mean_std)
