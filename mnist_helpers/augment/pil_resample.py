"""PIL's resampling as torchvision's PIL path runs it (rotate NEAREST, crop + resize BILINEAR, shift), batched.

Each function reproduces the arithmetic of Pillow's C code on a whole (N, C, H, W) batch, so that Shah's
augmentation gives the pixels the seed's per-image PIL pipeline gives (see tests/test_pil_resample.py):
- rotate: Image.rotate's inverse matrix (cos/sin rounded to 15 decimals, centre (W/2, H/2)), then Geometry.c's
  nearest affine loop, which walks the source coordinate in 16.16 fixed point and floors it;
- resized_crop: Resample.c's bilinear coefficients on the crop (upscaling: a triangle of support 1, the window
  clipped to the crop and renormalised), converted to 22-bit fixed point, horizontal pass then vertical pass,
  each rounded to 8 bits as PIL's uint8 images are;
- shift: the whole-pixel translation RandomAffine(0, translate) amounts to, read with NEAREST.
Values outside the source image take `fill`. By hand: torchvision does not install beside our torch, and
grid_sample's nearest mode rounds half to even at other coordinates than PIL's truncation.
"""

from __future__ import annotations

import functools
import math

import torch

PRECISION_BITS = 32 - 8 - 2  # Resample.c: fixed-point precision of the 8-bit resampling coefficients


def pil_rotation_matrices(angle_deg: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """(N, 6) float64 inverse affine matrices (a, b, c, d, e, f) exactly as Image.rotate(angle) builds them."""
    rows = []
    cx, cy = width / 2, height / 2
    for angle in angle_deg.double().tolist():  # Python floats: math.cos and round() as PIL calls them
        t = -math.radians(angle % 360.0)
        a, b, d, e = round(math.cos(t), 15), round(math.sin(t), 15), round(-math.sin(t), 15), round(math.cos(t), 15)
        c = a * -cx + b * -cy + 0.0 + cx
        f = d * -cx + e * -cy + 0.0 + cy
        rows.append((a, b, c, d, e, f))
    return torch.tensor(rows, dtype=torch.float64).reshape(-1, 6)


def _affine_source(matrix: torch.Tensor, height: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, H, W) source columns and rows of Geometry.c's nearest affine loop in 16.16 fixed point (affine_fixed).

    PIL rounds each matrix entry to a multiple of 1/65536 (the first pixel's centre after adding the half-pixel
    offsets), steps by whole fixed-point increments and floors: integer arithmetic, so reproduced exactly.
    """
    fix = lambda v: torch.floor(v * 65536.0 + 0.5).long()  # FIX(v)
    a, b, c, d, e, f = matrix.unbind(1)
    a0, a1, a3, a4 = fix(a), fix(b), fix(d), fix(e)
    a2, a5 = fix(c + a * 0.5 + b * 0.5), fix(f + d * 0.5 + e * 0.5)
    xs = torch.arange(width)[None, None, :]
    ys = torch.arange(height)[None, :, None]
    col = a2[:, None, None] + ys * a1[:, None, None] + xs * a0[:, None, None]
    row = a5[:, None, None] + ys * a4[:, None, None] + xs * a3[:, None, None]
    return col >> 16, row >> 16  # an arithmetic shift: floor, so negative coordinates fall outside


def _gather(x: torch.Tensor, col: torch.Tensor, row: torch.Tensor, fill: float) -> torch.Tensor:
    """x[n, :, row, col] per output pixel, `fill` where (row, col) lies outside the image."""
    n, channels, height, width = x.shape
    inside = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    outside = height * width  # the index of a fill pixel appended to every flattened image
    index = torch.where(inside, row * width + col, outside).reshape(n, 1, -1).expand(n, channels, -1)
    padded = torch.cat([x.reshape(n, channels, -1), x.new_full((n, channels, 1), fill)], dim=2)
    return padded.gather(2, index).reshape(x.shape)


def rotate(x: torch.Tensor, angle_deg: torch.Tensor, fill: float = 0.0) -> torch.Tensor:
    """Image.rotate(angle, NEAREST, expand=False, fillcolor=fill) on every image (angle counter-clockwise)."""
    height, width = x.shape[2], x.shape[3]
    col, row = _affine_source(pil_rotation_matrices(angle_deg.cpu(), height, width), height, width)
    return _gather(x, col.to(x.device), row.to(x.device), fill)


def shift(x: torch.Tensor, tx: torch.Tensor, ty: torch.Tensor, fill: float = 0.0) -> torch.Tensor:
    """RandomAffine's whole-pixel translation with NEAREST: output (x, y) reads input (x - tx, y - ty)."""
    height, width = x.shape[2], x.shape[3]
    col = torch.arange(width, device=x.device)[None, None, :] - tx.to(x.device).long()[:, None, None]
    row = torch.arange(height, device=x.device)[None, :, None] - ty.to(x.device).long()[:, None, None]
    return _gather(x, col.expand(-1, height, -1), row.expand(-1, -1, width), fill)


def bilinear_coefficients(start: torch.Tensor, size: torch.Tensor, in_size: int, out_size: int) -> torch.Tensor:
    """(N, out_size, in_size) Resample.c bilinear weights, in 2**PRECISION_BITS fixed point, of resizing the
    crop [start, start + size) of each row to out_size pixels (upscaling or identity: size <= out_size)."""
    if (size > out_size).any():
        raise ValueError(f"crop sizes must be <= out_size={out_size} (only upscaling is PIL's plain bilinear)")
    size_f = size.double()[:, None]
    scale = size_f / out_size  # filterscale is 1 when upscaling, so support = 1 and ss = 1
    center = (torch.arange(out_size, dtype=torch.float64)[None, :] + 0.5) * scale
    xmin = (center - 1.0 + 0.5).trunc().clamp(min=0)
    xmax = torch.minimum((center + 1.0 + 0.5).trunc(), size_f) - xmin
    weights = []
    for t in range(3):  # ksize = 2 * ceil(support) + 1
        w = (1.0 - ((t + xmin) - center + 0.5).abs()).clamp(min=0.0)
        weights.append(torch.where(t < xmax, w, 0.0))
    total = weights[0] + weights[1] + weights[2]  # summed in PIL's order
    kernel = torch.zeros(len(size), out_size, in_size, dtype=torch.float64)
    for t, w in enumerate(weights):
        k = w / total
        fixed = torch.where(
            k < 0, (-0.5 + k * (1 << PRECISION_BITS)).trunc(), (0.5 + k * (1 << PRECISION_BITS)).trunc()
        )
        column = (start.long()[:, None] + xmin.long() + t).clamp(max=in_size - 1)
        kernel.scatter_add_(2, column[:, :, None], torch.where(t < xmax, fixed, 0.0)[:, :, None])
    return kernel


@functools.lru_cache(maxsize=8)
def _kernel_table(size: int) -> torch.Tensor:
    """Every crop's kernel for one image size, computed once: (start * (size + 1) + crop size, size, size)."""
    starts, sizes = torch.meshgrid(torch.arange(size + 1), torch.arange(size + 1), indexing="ij")
    valid = (sizes >= 1) & (starts + sizes <= size)
    table = torch.zeros((size + 1) * (size + 1), size, size, dtype=torch.float64)
    table[valid.flatten()] = bilinear_coefficients(starts[valid], sizes[valid], size, size)
    return table


def crop_kernels(start: torch.Tensor, size: torch.Tensor, length: int) -> torch.Tensor:
    """(N, length, length) bilinear_coefficients for crops of an image side `length`, looked up from a table."""
    if (size < 1).any() or (start < 0).any() or (start + size > length).any():
        raise ValueError(f"crops must lie inside the image (0 <= start, 1 <= size, start + size <= {length})")
    return _kernel_table(length)[start.cpu().long() * (length + 1) + size.cpu().long()]


def _pass8(pixels: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """One 8-bit resampling pass along the last axis: (sum(k * v) + 2**21) >> 22, clipped to 0..255.
    float64 holds these integer sums exactly (< 2**32)."""
    n, channels, rows, cols = pixels.shape
    acc = torch.bmm(pixels.reshape(n, channels * rows, cols), kernel.transpose(1, 2)) + (1 << (PRECISION_BITS - 1))
    return torch.floor(acc / (1 << PRECISION_BITS)).clamp_(0, 255).reshape(n, channels, rows, -1)


def resized_crop(
    x: torch.Tensor,
    i: torch.Tensor,
    j: torch.Tensor,
    h: torch.Tensor,
    w: torch.Tensor,
    *,
    mean: float = 0.0,
    std: float = 1.0,
) -> torch.Tensor:
    """crop((j, i, j + w, i + h)).resize((W, H), BILINEAR) per image, rounded to 8 bits after each pass as PIL's
    uint8 images are. x holds (pixel / 255 - mean) / std; the result is in the same scale."""
    height, width = x.shape[2], x.shape[3]
    pixels = ((x.double() * std + mean) * 255).round()  # back to the uint8 values PIL holds
    kx, ky = crop_kernels(j, w, width).to(x.device), crop_kernels(i, h, height).to(x.device)
    pixels = _pass8(pixels, kx)  # horizontal first, as Resample.c
    pixels = _pass8(pixels.transpose(-1, -2), ky).transpose(-1, -2)
    return (pixels.to(x.dtype) / 255 - mean) / std
