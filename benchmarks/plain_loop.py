"""What a PyTorch user would write: each model as a plain nn.Sequential and trained the pytorch/examples way.

In-memory tensors in a TensorDataset, a shuffling DataLoader (no workers: on 2 cores a worker only takes a core
from the step), contiguous NCHW batches, `optimizer.zero_grad(); loss.backward(); optimizer.step()`, no
augmentation, nothing read back per step. The engine's contenders without augmentation are measured against it:
if the engine is not faster than this, its machinery costs more than it gives.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from benchmarks.seed_style import endless


def plain_model(name: str) -> nn.Module:
    """The model `name` of `models.torch_nets.MODELS`, layer for layer, as a plain nn.Sequential returning logits.

    Same layers, sizes and order as the engine's class, with torch's default initialisation and no options:
    "shah_cnn" (Table 1 of Shah's report, no ReLU between the two linear layers), "dutta_cnn_torch" (Dutta's CNN:
    Conv → ReLU → BatchNorm, dropout 0.2; no rotation, which is augmentation) and "mlp" (784-300-10, sigmoid).
    """
    if name == "shah_cnn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, 128),
            nn.Linear(128, 10),
        )
    if name == "dutta_cnn_torch":
        return nn.Sequential(
            nn.Conv2d(1, 32, 5),
            nn.ReLU(),
            nn.BatchNorm2d(32),
            nn.MaxPool2d(2),
            nn.Dropout(0.2),
            nn.Conv2d(32, 32, 3),
            nn.ReLU(),
            nn.BatchNorm2d(32),
            nn.MaxPool2d(2),
            nn.Dropout(0.2),
            nn.Flatten(),
            nn.Linear(32 * 5 * 5, 512),
            nn.ReLU(),
            nn.Dropout(0.2),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Dropout(0.2),
            nn.Linear(512, 10),
        )
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 300), nn.Sigmoid(), nn.Linear(300, 10))
    raise ValueError(f"no plain version of {name!r}: one of 'shah_cnn', 'dutta_cnn_torch', 'mlp'.")


def plain_batches(x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int = 0) -> Iterator:
    """Shuffled (images, labels) batches from in-memory tensors, without end (a new shuffle each pass)."""
    loader = DataLoader(
        TensorDataset(x, y), batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed)
    )
    return endless(loader)


def plain_loop(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int) -> Callable[[int], float]:
    """`run(n_batches)` trains `model` (logits out) with Adam (lr 1e-3) on that many batches; returns images/s."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = plain_batches(x, y, batch_size)

    def run(n_batches: int) -> float:
        model.train()
        start = time.perf_counter()
        for _ in range(n_batches):
            images, labels = next(batches)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
        return n_batches * batch_size / (time.perf_counter() - start)

    return run
