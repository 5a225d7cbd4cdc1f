"""FLOPs of a model's forward pass from its layer shapes, and the fp32 matmul rate this machine reaches."""

from __future__ import annotations

import statistics
import time

import torch
from torch import nn

MATMUL_SIZE = 2048  # rows = columns of the square fp32 matrices timed by matmul_gflops
TRAIN_STEP_FACTOR = 3  # forward + backward (grad w.r.t. inputs and weights) ≈ 3 forward passes


def forward_flops(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """FLOPs of one forward pass over one sample: 2 × multiply-adds of every Conv2d and Linear layer.

    Output shapes come from forward hooks on a zero input of `input_shape` (one sample, no batch axis);
    biases, activations, pooling and normalisation are left out, as is usual when comparing with matmul.
    """
    macs: list[int] = []

    def conv_hook(module: nn.Conv2d, _inputs: tuple, out: torch.Tensor) -> None:
        kernel = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
        macs.append(out[0].numel() * kernel)  # every output element is one kernel-sized dot product

    def linear_hook(module: nn.Linear, _inputs: tuple, out: torch.Tensor) -> None:
        macs.append(out[0].numel() * module.in_features)

    hooks = []
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            hooks.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, nn.Linear):
            hooks.append(module.register_forward_hook(linear_hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, *input_shape))
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    if not macs:
        raise ValueError(f"model ({type(model).__name__}) has no Conv2d or Linear layer to count.")
    return 2 * sum(macs)


def train_step_flops(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """FLOPs of one training step per sample: TRAIN_STEP_FACTOR × the forward pass."""
    return TRAIN_STEP_FACTOR * forward_flops(model, input_shape)


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
