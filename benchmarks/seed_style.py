"""Shah's pipeline as the seed ran it: one PIL image at a time through C7's transforms, a DataLoader, NCHW batches.

torchvision does not install beside our torch, so its three transforms are rebuilt from the PIL calls
torchvision itself makes (rotate with NEAREST, crop + resize with BILINEAR, an AFFINE transform with
NEAREST for the shift), and its parameter draws are made call for call as torchvision's get_params makes
them (~45 µs a sample; `mnist_helpers.augment.transforms`'s batched samplers cost ~250 µs at batch size 1 and would
flatter the engine). ToTensor and Normalize follow, per sample, as in the report.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset

from mnist_helpers.augment.transforms import CROP_TRIES, SHAH_DEGREES, SHAH_RATIO, SHAH_SCALE, SHAH_TRANSLATE
from mnist_helpers.data.mnist import MEAN, STD

SEED_BATCH_SIZE = 64  # images per batch, Shah's DataLoader
SEED_WORKERS = 0  # DataLoader worker processes: on 2 cores a worker only takes a core from the training step


def rotation_params(degrees: float) -> float:
    """torchvision RandomRotation.get_params: one angle uniform in [-degrees, degrees], from torch's global RNG."""
    return float(torch.empty(1).uniform_(-degrees, degrees).item())


def resized_crop_params(height: int, width: int, scale: tuple[float, float], ratio: tuple[float, float]) -> tuple:
    """torchvision RandomResizedCrop.get_params, call for call: (top, left, crop height, crop width)."""
    area = height * width
    log_ratio = torch.log(torch.tensor(ratio))
    for _ in range(CROP_TRIES):
        target_area = area * torch.empty(1).uniform_(scale[0], scale[1]).item()
        aspect_ratio = math.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1]).item())
        w = int(round(math.sqrt(target_area * aspect_ratio)))
        h = int(round(math.sqrt(target_area / aspect_ratio)))
        if 0 < w <= width and 0 < h <= height:
            i = torch.randint(0, height - h + 1, size=(1,)).item()
            j = torch.randint(0, width - w + 1, size=(1,)).item()
            return i, j, h, w
    return 0, 0, height, width  # torchvision's centre-crop fallback; ratio (0.9, 1.1) contains 1, so the whole image


def translation_params(height: int, width: int, translate: tuple[float, float]) -> tuple[int, int]:
    """torchvision RandomAffine.get_params for degrees=0, translate only: whole-pixel (tx, ty)."""
    torch.empty(1).uniform_(0.0, 0.0)  # the angle draw torchvision makes even for degrees=0
    max_dx, max_dy = float(translate[0] * width), float(translate[1] * height)
    tx = int(round(torch.empty(1).uniform_(-max_dx, max_dx).item()))
    ty = int(round(torch.empty(1).uniform_(-max_dy, max_dy).item()))
    return tx, ty


def shah_pil(image: Image.Image, angle: float, crop: tuple, shift: tuple[int, int], size: int = 28) -> Image.Image:
    """Shah's three transforms on one PIL image with given parameters, by the PIL calls torchvision makes:
    rotate(angle, NEAREST, fill 0), crop (top, left, height, width) + resize(size, BILINEAR), shift (tx, ty)."""
    image = image.rotate(angle, resample=Image.NEAREST, expand=False, fillcolor=0)
    i, j, h, w = crop
    image = image.crop((j, i, j + w, i + h)).resize((size, size), Image.BILINEAR)
    tx, ty = shift
    # torchvision's inverse affine matrix for a pure shift: output (x, y) reads input (x - tx, y - ty)
    return image.transform(image.size, Image.AFFINE, (1, 0, -tx, 0, 1, -ty), Image.NEAREST, fillcolor=0)


class ShahTransform:
    """RandomRotation(10) → RandomResizedCrop(28, (0.7, 1), (0.9, 1.1)) → RandomAffine(0, (0.1, 0.1)) → ToTensor
    → Normalize(MEAN, STD) on one PIL image, drawing from torch's global RNG as torchvision does."""

    def __init__(self, size: int = 28) -> None:
        self.size = size

    def __call__(self, image: Image.Image) -> torch.Tensor:
        angle = rotation_params(SHAH_DEGREES)
        crop = resized_crop_params(image.height, image.width, SHAH_SCALE, SHAH_RATIO)
        shift = translation_params(self.size, self.size, SHAH_TRANSLATE)
        image = shah_pil(image, angle, crop, shift, self.size)
        pixels = torch.from_numpy(np.array(image, np.uint8, copy=True)).view(image.height, image.width, 1)
        tensor = pixels.permute(2, 0, 1).contiguous().to(dtype=torch.float32).div(255)  # ToTensor
        mean, std = torch.as_tensor((MEAN,), dtype=tensor.dtype), torch.as_tensor((STD,), dtype=tensor.dtype)
        if (std == 0).any():  # Normalize's own per-call check, kept for its cost
            raise ValueError("std evaluated to zero after conversion to float32, leading to division by zero.")
        return tensor.sub_(mean.view(-1, 1, 1)).div_(std.view(-1, 1, 1))  # Normalize


class SeedStyleMNIST(Dataset):
    """uint8 (N, 28, 28) images served one at a time as PIL images through `transform`, with int labels."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, transform: ShahTransform) -> None:
        if len(images) != len(labels):
            raise ValueError(f"labels must hold one label per image ({len(images)} images); got {len(labels)}.")
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.transform(Image.fromarray(self.images[index], mode="L")), int(self.labels[index])


def seed_loader(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    seed: int = 0,
    batch_size: int = SEED_BATCH_SIZE,
    num_workers: int = SEED_WORKERS,
) -> DataLoader:
    """Shah's training DataLoader: shuffled, `batch_size` per batch, per-sample augmentation in the Dataset."""
    torch.manual_seed(seed)  # torchvision's transforms draw from the global RNG
    return DataLoader(
        SeedStyleMNIST(images, labels, ShahTransform()),
        batch_size=batch_size,
        shuffle=True,
        num_workers=num_workers,
        generator=torch.Generator().manual_seed(seed),
    )


def seed_train_batches(model: nn.Module, optimizer: torch.optim.Optimizer, batches: Iterator, n_batches: int) -> float:
    """Shah's training loop over the next `n_batches` of `batches`; returns images per second, loading included."""
    model.train()
    running_loss, seen = 0.0, 0
    started = time.perf_counter()
    for _ in range(n_batches):
        images, labels = next(batches)
        optimizer.zero_grad()
        loss = F.nll_loss(model(images), labels)  # the model ends in LogSoftmax; NLLLoss as in the report
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        seen += len(labels)
    return seen / (time.perf_counter() - started)


def endless(loader: DataLoader) -> Iterator:
    """Batches from `loader`, reshuffled epoch after epoch, for as long as asked."""
    while True:
        yield from loader
