"""Training-time augmentation as model layers (as Keras's preprocessing layers are): active in train mode only.

Used by the experiments beyond the reports' own (Shah's suggestions, claim C19), so the training loop and Shah's
C7 pipeline stay as they are: a model with these layers trains on C7-augmented batches, then flips or distorts
them once more, per image.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

SIMARD_ALPHA = 34.0  # pixels: the scale of Simard et al. (2003)'s elastic displacement fields on MNIST
SIMARD_SIGMA = 4.0  # pixels: the Gaussian's standard deviation that smooths them


class RandomVerticalFlip(nn.Module):
    """Flip each image upside down with probability `p` (torchvision's RandomVerticalFlip), in train mode."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p={p!r} must be a probability in [0, 1].")
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        flip = torch.rand(x.shape[0], device=x.device) < self.p
        return torch.where(flip[:, None, None, None], x.flip(-2), x)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def _gaussian_kernel(sigma: float) -> torch.Tensor:
    radius = int(round(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-(t**2) / (2 * sigma**2))
    return k / k.sum()


class ElasticDistortion(nn.Module):
    """Simard et al. (2003)'s elastic distortion, per image, in train mode: a displacement field of uniform noise
    in [−1, 1] per pixel and axis, smoothed by a Gaussian of `sigma` pixels and scaled by `alpha` pixels, applied
    by bilinear resampling (edges repeat the border, the background). Batched: one grid_sample per batch."""

    def __init__(self, alpha: float = SIMARD_ALPHA, sigma: float = SIMARD_SIGMA) -> None:
        super().__init__()
        if not (alpha >= 0 and sigma > 0):
            raise ValueError(f"alpha={alpha!r} must be >= 0 and sigma={sigma!r} > 0 (pixels).")
        self.alpha, self.sigma = alpha, sigma
        self.kernel = _gaussian_kernel(sigma)  # moved to the input's device on use; not part of the state dict

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.alpha == 0.0:
            return x
        n, _, h, w = x.shape
        field = torch.rand(n * 2, 1, h, w, device=x.device) * 2 - 1
        k = self.kernel.to(x.device)
        pad = len(k) // 2
        field = F.conv2d(field, k.view(1, 1, 1, -1), padding=(0, pad))  # separable Gaussian: rows, then columns
        field = F.conv2d(field, k.view(1, 1, -1, 1), padding=(pad, 0))
        field = (self.alpha * field).view(n, 2, h, w).permute(0, 2, 3, 1)  # pixels, (x, y) last
        scale = torch.tensor([2 / (w - 1), 2 / (h - 1)], device=x.device)  # pixels -> grid units
        ys, xs = torch.meshgrid(
            torch.linspace(-1, 1, h, device=x.device), torch.linspace(-1, 1, w, device=x.device), indexing="ij"
        )
        grid = torch.stack([xs, ys], dim=-1).expand(n, h, w, 2) + field * scale
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=True)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}, sigma={self.sigma}"
