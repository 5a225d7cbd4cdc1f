"""Images per second through Shah's augmentation: the faithful (PIL-exact) and the single-warp pipeline.

python -m benchmarks.augment_speed   # prints one line per (mode, batch size)
"""

from __future__ import annotations

import time

import torch

from mnist_helpers.augment import transforms as aug
from mnist_helpers.data.mnist import load_mnist, to_tensor

BATCH_SIZES = (64, 1000)  # images per batch: Shah's DataLoader, and a large batch
N_IMAGES = 10_000  # training images pushed through per measurement
ROUNDS = 3  # the best of this many passes is kept (the machine is shared)


def augment_speed(x: torch.Tensor, mode: str, batch_size: int, rounds: int = ROUNDS, seed: int = 0) -> float:
    """Best-of-`rounds` images per second of shah_augmentation(normalized=True, mode) over x in batches."""
    transform = aug.shah_augmentation(normalized=True, mode=mode)
    best = float("inf")
    for _ in range(rounds):
        generator = torch.Generator().manual_seed(seed)
        start = time.perf_counter()
        for i in range(0, len(x), batch_size):
            transform(x[i : i + batch_size], generator)
        best = min(best, time.perf_counter() - start)
    return len(x) / best


def main() -> None:
    torch.set_num_threads(1)
    x = to_tensor(load_mnist().train_images[:N_IMAGES], True)
    for mode in aug.SHAH_MODES:
        for batch_size in BATCH_SIZES:
            print(f"{mode:12s} batch {batch_size:5d}: {augment_speed(x, mode, batch_size):9.0f} images/s")


if __name__ == "__main__":
    main()
