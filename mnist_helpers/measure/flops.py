"""FLOPs of a model's forward pass and training step (torch's FlopCounterMode), and this machine's fp32 matmul
rate: what `make bench` and the from-scratch cost on the reproducibility page measure against."""

from __future__ import annotations

import statistics
import time

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

MATMUL_SIZE = 2048  # rows = columns of the square fp32 matrices timed by matmul_gflops
COUNT_BATCH = 8  # images per counted pass: per-image counts are the batch's total / COUNT_BATCH


def _counted(model: nn.Module, input_shape: tuple[int, ...], backward: bool) -> int:
    """FLOPs torch's own counter (FlopCounterMode) sees for one pass over COUNT_BATCH images, per image.

    By torch's counter, not by hand: it counts every matmul and convolution the autograd graph runs, forward
    and backward (input and weight gradients) exactly; activations, pooling and normalisation count as 0, as
    is usual when comparing with matmul.
    """
    was_training = model.training
    model.train(backward)
    x = torch.zeros(COUNT_BATCH, *input_shape, requires_grad=False)
    try:
        with FlopCounterMode(display=False) as counter:
            out = model(x)
            if backward:
                out.float().sum().backward()
    finally:
        model.zero_grad(set_to_none=True)
        model.train(was_training)
    total = counter.get_total_flops()
    if total == 0:
        raise ValueError(f"model ({type(model).__name__}) runs no matmul or convolution to count.")
    return total // COUNT_BATCH


def forward_flops(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """FLOPs of one forward pass over one image (`input_shape`, no batch axis), by torch's FlopCounterMode."""
    with torch.no_grad():
        return _counted(model, input_shape, backward=False)


def train_step_flops(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """FLOPs of one training step per image, forward and backward, by torch's FlopCounterMode."""
    return _counted(model, input_shape, backward=True)


def matmul_gflops(size: int = MATMUL_SIZE, repeats: int = 5) -> float:
    """Median GFLOP/s of a (size × size) @ (size × size) fp32 torch.mm, after one warm-up, at torch's threads."""
    if size < 1 or repeats < 1:
        raise ValueError(f"size={size} and repeats={repeats} must both be positive.")
    a, b = torch.randn(size, size), torch.randn(size, size)
    out = torch.empty(size, size)
    torch.mm(a, b, out=out)
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        torch.mm(a, b, out=out)
        rates.append(2 * size**3 / (time.perf_counter() - started) / 1e9)
    return statistics.median(rates)
