"""Where training runs: "cpu" (the default) or "cuda" when a GPU is present; anything else is refused clearly."""

from __future__ import annotations

import torch

DEVICES = ("cpu", "cuda")  # the values the `device` parameter may take


def resolve_device(device: str | torch.device = "cpu") -> torch.device:
    """The torch.device for `device` ("cpu", "cuda" or "cuda:N"); ValueError naming the fix when CUDA is absent."""
    name = str(device).lower()
    if name.split(":")[0] not in DEVICES:
        raise ValueError(f"device={device!r} is not supported; use one of {', '.join(DEVICES)}.")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was asked for, but torch {torch.__version__} sees no CUDA GPU "
            f"(a CPU build, or no driver); pass device='cpu', or install a CUDA build of torch on a GPU machine."
        )
    return torch.device(name)
