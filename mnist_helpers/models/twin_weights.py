"""Copying Dutta's Keras CNN weights into its torch twin (models.DuttaCNNTorch), layout for layout."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

# Keras layer name -> index of the matching module in DuttaCNNTorch (features, then classifier).
CONV_LAYERS = {"conv2d": ("features", 0), "conv2d_1": ("features", 5)}
BN_LAYERS = {"batch_normalization": ("features", 2), "batch_normalization_1": ("features", 7)}
DENSE_LAYERS = {"dense": ("classifier", 0), "dense_1": ("classifier", 3), "dense_2": ("classifier", 6)}
FLAT_SHAPE = (5, 5, 32)  # height, width, channels of the last feature map, flattened into "dense"


def _numpy(variable: Any) -> np.ndarray:
    value = variable.value if hasattr(variable, "value") else variable
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _set(param: torch.Tensor, array: np.ndarray, where: str) -> None:
    if tuple(param.shape) != array.shape:
        raise ValueError(f"{where}: Keras gives shape {array.shape}, the torch twin has {tuple(param.shape)}.")
    with torch.no_grad():
        param.copy_(torch.from_numpy(np.ascontiguousarray(array)).to(param.dtype))


def copy_keras_to_torch(keras_model: Any, torch_model: nn.Module) -> nn.Module:
    """Load `keras_model`'s (keras_models.dutta_cnn) weights into `torch_model` (models.DuttaCNNTorch); returns it.

    Conv kernels (kh, kw, in, out) become (out, in, kh, kw); dense kernels are transposed; the first dense
    layer's rows are reordered from Keras's (h, w, c) flattening to torch's (c, h, w); BatchNorm gamma,
    beta, moving mean and variance map to weight, bias, running_mean and running_var.
    """
    for name, (part, index) in {**CONV_LAYERS, **DENSE_LAYERS, **BN_LAYERS}.items():
        module = getattr(torch_model, part)[index]
        weights = [_numpy(w) for w in keras_model.get_layer(name).weights]
        where = f"Keras layer {name!r} -> torch {part}[{index}]"
        if name in CONV_LAYERS:
            _set(module.weight, weights[0].transpose(3, 2, 0, 1), where)
            _set(module.bias, weights[1], where)
        elif name in DENSE_LAYERS:
            kernel = weights[0]
            if name == "dense":  # rows in (h, w, c) order -> (c, h, w)
                kernel = kernel.reshape(*FLAT_SHAPE, -1).transpose(2, 0, 1, 3).reshape(kernel.shape)
            _set(module.weight, kernel.T, where)
            _set(module.bias, weights[1], where)
        else:
            for target, array in zip((module.weight, module.bias, module.running_mean, module.running_var), weights):
                _set(target, array, where)
    return torch_model
