"""A Keras RandomRotation that draws its angles exactly as Keras does and warps the whole batch in one pass."""

from __future__ import annotations

from mnist_helpers.core.env import keras_on_torch

keras_on_torch()  # before keras reads its backend: torch, or a clear error

import keras
import torch
from torch.nn import functional as F

IDENTITY = torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 0.0])  # a0, a1, a2, b0, b1, b2 of the identity transform
ROTATION_TOLERANCE = 5e-3  # pixel units on 0..255 input: float32 rounding between the two warps (measured 1.2e-3)


class RandomRotation(keras.layers.RandomRotation):
    """keras.layers.RandomRotation with the same seed generator, angles and rotation matrices, warped by one
    `grid_sample` per batch instead of Keras's torch-backend loop of `map_coordinates` image by image.
    It keeps Keras's class name, so model summaries read as the report's.

    Only the warp changes (bilinear, constant fill, as Dutta's model uses); any other setting, or a backend
    other than torch, falls back to Keras's own warp. Keras's transform maps each output pixel (x, y) to
    the input point (a0·x + a1·y + a2, b0·x + b1·y + b2) in pixel units; `grid_sample` with
    align_corners=True reads the same points, and zero padding is Keras's constant fill with 0.
    """

    def _transform_images(self, images, transformation, interpolation):
        fast = (
            keras.backend.backend() == "torch"
            and self.fill_mode == "constant"
            and float(self.fill_value) == 0.0
            and self.interpolation == "bilinear"
            and len(images.shape) == 4
        )
        if not fast:
            return super()._transform_images(images, transformation, interpolation)
        return warp_batch(images, transformation["rotation_matrix"], self.data_format == "channels_last")


def warp_batch(images: torch.Tensor, transform: torch.Tensor, channels_last: bool = True) -> torch.Tensor:
    """Apply Keras-style 8-number transforms (N, 8) to a batch (N, H, W, C or N, C, H, W), bilinear, zero fill."""
    x = images.permute(0, 3, 1, 2) if channels_last else images
    height, width = x.shape[2], x.shape[3]
    t = transform.to(device=x.device, dtype=x.dtype).reshape(-1, 8)
    if bool((t[:, :6] == IDENTITY.to(t)).all()):  # angle 0 (factor 0): Keras's warp is the identity, exactly
        return images
    cols = torch.arange(width, dtype=x.dtype, device=x.device).view(1, 1, width)
    rows = torch.arange(height, dtype=x.dtype, device=x.device).view(1, height, 1)
    a0, a1, a2, b0, b1, b2 = (t[:, i].view(-1, 1, 1) for i in range(6))
    src_x = a0 * cols + a1 * rows + a2  # input column read by each output pixel
    src_y = b0 * cols + b1 * rows + b2  # input row
    grid = torch.stack((src_x * (2 / (width - 1)) - 1, src_y * (2 / (height - 1)) - 1), dim=-1)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    return out.permute(0, 2, 3, 1) if channels_last else out


class DirectSequential(keras.Sequential):
    """keras.Sequential whose forward pass calls each layer's `call` directly, skipping the per-layer
    `Layer.__call__` bookkeeping (argument conversion, masks, dtype policies, name scopes) that dominates
    a batch-32 step on the torch backend. The same layers run the same operations in the same order;
    `training` is passed as a plain bool. Use it only for models built with a fixed Input (every layer
    already built), float32, and no masking, as Dutta's CNN is.
    """

    def call(self, inputs, training=None, mask=None):
        x, training = inputs, bool(training)
        for layer in self.layers:
            x = layer.call(x, training=training) if layer._call_has_training_arg else layer.call(x)
        return x
