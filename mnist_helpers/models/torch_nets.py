"""The seeds' torch models: Dutta's MLP, Shah's CNN, a torch twin of Dutta's Keras CNN, and two autoencoders.

The autoencoders (claim C4) are written in torch, not Keras: the seed gives no code for them, so we are
free to choose, and torch keeps one training loop and one engine for every model we train ourselves,
lets us use channels_last memory on the convolutional ones, and is the faster of the two on our 2-core
CPU. Only the model the seed really built in Keras (Dutta's CNN, claims C1/C2) lives in `keras_models`.

Input conventions: `MLP` and `ShahCNN` take normalised images (`data.to_tensor(..., normalize=True)`);
`DuttaCNNTorch` and the autoencoders take images scaled to [0, 1] (`normalize=False`).
"""

from __future__ import annotations

import torch
from torch import nn

from mnist_helpers.augment.transforms import DUTTA_FACTOR, check_rotation_factor, dutta_rotate
from mnist_helpers.data.mnist import N_CLASSES, PIXELS
from mnist_helpers.models.train_time import ElasticDistortion, RandomVerticalFlip

# Dutta's Keras CNN, as in the author's public notebooks (rudraneel18/MNIST-Dataset-Model).
DUTTA_DROPOUT = 0.2  # fraction dropped, after every conv block and every hidden dense layer
KERAS_BN_MOMENTUM = 0.01  # torch convention (weight of the new batch) for Keras's momentum=0.99
KERAS_BN_EPSILON = 1e-3  # Keras's BatchNormalization default (torch's is 1e-5)

CODE_SIZE_RANGE = (1, PIXELS)  # allowed autoencoder code sizes, inclusive


class MLP(nn.Module):
    """Dutta's 784-300-10 network with a sigmoid hidden layer (C3); returns logits for CrossEntropyLoss."""

    loss = "cross_entropy"  # the loss `train.fit` pairs with this model's output
    normalized_input = True  # takes images normalised with Shah's mean/std (C6)

    def __init__(self, hidden: int = 300) -> None:
        super().__init__()
        self.hidden = nn.Linear(PIXELS, hidden)
        self.out = nn.Linear(hidden, N_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map (N, 1, 28, 28) or (N, 784) images to (N, 10) logits."""
        return self.out(torch.sigmoid(self.hidden(x.flatten(start_dim=1))))


class MLPMSE(MLP):
    """Dutta's MLP trained with mean squared error on one-hot targets (claim C15), sigmoid outputs as LeCun et al.
    (1998)'s 300-unit networks: with p = sigmoid(logits), it returns z_k = −(Σ_j p_j² − 2 p_k + 1) / 10 for each
    class k, so that NLLLoss(z, y) = −z_y = mean_j (p_j − [j = y])², the MSE, and argmax z = argmax p. Its softmax is
    not a calibrated probability: read its accuracy, not its log-loss or calibration."""

    loss = "nll"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = torch.sigmoid(super().forward(x))
        return -((p * p).sum(dim=1, keepdim=True) - 2 * p + 1) / N_CLASSES


SHAH_DROPOUT_PLACES = ("fc1", "pools")  # where an extra dropout layer may go (claim C13)


class ShahCNN(nn.Module):
    """Shah's CNN (C5), layer for layer as the report's Table 1; returns log-probabilities for NLLLoss.

    The table puts no activation between FC(3136→128) and FC(128→10), and we follow it literally, so the
    two layers compose to one linear map of rank ≤ 128. `fc_relu=True` inserts the ReLU most readers
    would expect (same parameter count) for comparison. The other options are the experiments beyond the
    report, each off by default: an extra dropout layer of rate `dropout` after FC1 or after each pooling
    (`dropout_at`, C13); a third 3×3 convolution (64 filters) after the second block (`conv3`) or 5×5 filters
    in both convolutions (`kernel_size=5`), Shah's second suggestion; and training-time random vertical flips
    (`vflip`, the probability, C19) or elastic distortions (`elastic`, Simard et al. 2003), as model layers.
    """

    loss = "nll"  # the loss `train.fit` pairs with this model's output
    normalized_input = True  # takes images normalised with Shah's mean/std (C6)

    def __init__(
        self,
        fc_relu: bool = False,
        dropout: float = 0.0,
        dropout_at: str = "fc1",
        conv3: bool = False,
        kernel_size: int = 3,
        vflip: float = 0.0,
        elastic: bool = False,
    ) -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0 or dropout_at not in SHAH_DROPOUT_PLACES:
            raise ValueError(
                f"dropout={dropout!r} must be in [0, 1) and dropout_at={dropout_at!r} one of {SHAH_DROPOUT_PLACES}."
            )
        if kernel_size not in (3, 5):
            raise ValueError(f"kernel_size={kernel_size!r}: Shah's 3, or 5 (wider filters).")
        pad = kernel_size // 2
        layers = [RandomVerticalFlip(vflip)] if vflip else []
        self.augment = nn.Sequential(*layers, *([ElasticDistortion()] if elastic else []))
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=kernel_size, padding=pad),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, kernel_size=kernel_size, padding=pad),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.pool_dropout = nn.Dropout(dropout) if dropout and dropout_at == "pools" else nn.Identity()
        self.conv3 = nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.ReLU()) if conv3 else nn.Identity()
        self.classifier = nn.Sequential(
            nn.Linear(64 * 7 * 7, 128),
            nn.ReLU() if fc_relu else nn.Identity(),
            nn.Dropout(dropout) if dropout and dropout_at == "fc1" else nn.Identity(),
            nn.Linear(128, N_CLASSES),
            nn.LogSoftmax(dim=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map (N, 1, 28, 28) images to (N, 10) log-probabilities.

        Runs each block as conv → pool → ReLU: max-pooling and ReLU commute exactly (same values, same
        gradients), and pooling first applies the ReLU to a quarter of the values (~8% faster training).
        """
        conv1, relu1, pool1, conv2, relu2, pool2, flatten = self.features
        x = self.augment(x)
        x = self.pool_dropout(relu1(pool1(conv1(x))))
        x = self.conv3(self.pool_dropout(relu2(pool2(conv2(x)))))
        return self.classifier(flatten(x))


class RandomRotation(nn.Module):
    """Keras's RandomRotation(factor, fill_mode="constant", fill_value=0) as a torch module.

    Each image gets its own angle in ±factor·360° in training mode (one batched grid_sample, via
    `augment.dutta_rotate`); eval mode and factor 0 return the input unchanged. A `seed` makes the angles
    reproducible; without one they come from torch's global generator.
    """

    def __init__(self, factor: float, seed: int | None = None) -> None:
        super().__init__()
        self.factor = check_rotation_factor(factor)
        self.generator = None if seed is None else torch.Generator().manual_seed(seed)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return x rotated about the image centre (training) or x itself (eval or factor 0)."""
        if not self.training or self.factor == 0.0:
            return x
        generator = self.generator if self.generator is not None else torch.default_generator
        return dutta_rotate(x, generator, self.factor, fill_mode="constant")

    def extra_repr(self) -> str:
        return f"factor={self.factor}"


def _keras_batch_norm(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=KERAS_BN_EPSILON, momentum=KERAS_BN_MOMENTUM)


class DuttaCNNTorch(nn.Module):
    """Dutta's Keras CNN (C1) rebuilt in torch: same layers, order, BatchNorm settings and initialisers.

    Conv → ReLU → BatchNorm (the Keras order), valid padding, dropout 0.2 everywhere as in the author's
    code; returns logits (the Keras model's final softmax is folded into CrossEntropyLoss). Input is
    (N, 1, 28, 28) in [0, 1]; the Keras model's Rescaling(1/255) is done by the data pipeline instead.
    Trainable parameters 688,106; with the 128 BatchNorm running statistics, 688,234 as Keras counts.
    `seed` fixes the rotation angles; seed the initial weights with torch.manual_seed before building.
    """

    loss = "keras_cross_entropy"  # Keras clips probabilities to [1e-7, 1 - 1e-7] before the log, as the author's model
    normalized_input = False  # takes images in [0, 1]

    def __init__(
        self, rotation_factor: float = DUTTA_FACTOR, dropout: float = DUTTA_DROPOUT, seed: int | None = None
    ) -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be a probability in [0, 1) (got {dropout}); the author used 0.2")
        self.rotate = RandomRotation(rotation_factor, seed=seed)
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=5),
            nn.ReLU(),
            _keras_batch_norm(32),
            nn.MaxPool2d(2),
            nn.Dropout(dropout),
            nn.Conv2d(32, 32, kernel_size=3),
            nn.ReLU(),
            _keras_batch_norm(32),
            nn.MaxPool2d(2),
            nn.Dropout(dropout),
            nn.Flatten(),
        )
        self.classifier = nn.Sequential(
            nn.Linear(32 * 5 * 5, 512),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(512, N_CLASSES),
        )
        for module in self.modules():  # Keras defaults: Glorot-uniform kernels, zero biases
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map (N, 1, 28, 28) images in [0, 1] to (N, 10) logits (rotating them in training mode)."""
        return self.classifier(self.features(self.rotate(x)))


def _check_code_size(code_size: int) -> int:
    low, high = CODE_SIZE_RANGE
    if isinstance(code_size, bool) or not isinstance(code_size, int) or not low <= code_size <= high:
        raise ValueError(
            f"code_size must be an integer from {low} to {high} (got {code_size!r}); "
            "a code larger than the 784 input pixels compresses nothing"
        )
    return code_size


class _Autoencoder(nn.Module):
    """Shared interface: subclasses set `self.encoder` and `self.decoder`."""

    encoder: nn.Module
    decoder: nn.Module
    loss = "mse"  # reconstruction error on pixels in [0, 1]
    normalized_input = False  # takes images in [0, 1]

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Map (N, 1, 28, 28) images in [0, 1] to (N, code_size) codes."""
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Map (N, code_size) codes to (N, 1, 28, 28) images in [0, 1]."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruct (N, 1, 28, 28) images in [0, 1]."""
        return self.decode(self.encode(x))


class DenseAutoencoder(_Autoencoder):
    """784-256-128-code encoder (ReLU, linear code) and code-128-256-784 decoder with a sigmoid output."""

    def __init__(self, code_size: int) -> None:
        super().__init__()
        self.code_size = _check_code_size(code_size)
        self.encoder = nn.Sequential(
            nn.Flatten(),
            nn.Linear(PIXELS, 256),
            nn.ReLU(),
            nn.Linear(256, 128),
            nn.ReLU(),
            nn.Linear(128, code_size),
        )
        self.decoder = nn.Sequential(
            nn.Linear(code_size, 128),
            nn.ReLU(),
            nn.Linear(128, 256),
            nn.ReLU(),
            nn.Linear(256, PIXELS),
            nn.Sigmoid(),
            nn.Unflatten(1, (1, 28, 28)),
        )


class ConvAutoencoder(_Autoencoder):
    """Conv encoder 1→16→32 channels (stride 2 each: 28→14→7) then linear to the code; mirrored decoder."""

    def __init__(self, code_size: int) -> None:
        super().__init__()
        self.code_size = _check_code_size(code_size)
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(32 * 7 * 7, code_size),
        )
        self.decoder = nn.Sequential(
            nn.Linear(code_size, 32 * 7 * 7),
            nn.ReLU(),
            nn.Unflatten(1, (32, 7, 7)),
            nn.ConvTranspose2d(32, 16, kernel_size=3, stride=2, padding=1, output_padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(16, 1, kernel_size=3, stride=2, padding=1, output_padding=1),
            nn.Sigmoid(),
        )


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameter elements in `model` (only those with requires_grad if `trainable_only`)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def keras_style_counts(model: nn.Module) -> dict[str, int]:
    """Parameter counts as Keras's summary reports them: BatchNorm running mean/var count as non-trainable.

    Returns {"total", "trainable", "non_trainable"}; BatchNorm's integer `num_batches_tracked` is left out,
    as Keras has no such weight.
    """
    trainable = count_parameters(model, trainable_only=True)
    frozen = count_parameters(model) - trainable
    running_stats = sum(
        m.running_mean.numel() + m.running_var.numel()
        for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.running_mean is not None and m.running_var is not None
    )
    non_trainable = frozen + running_stats
    return {"total": trainable + non_trainable, "trainable": trainable, "non_trainable": non_trainable}


CLASSIFIERS = ("mlp", "mlp_mse", "shah_cnn", "dutta_cnn_torch")  # names in MODELS that output class scores
AUTOENCODERS = ("dense_ae", "conv_ae")  # names in MODELS that reconstruct their input
MODELS: dict[str, type[nn.Module]] = {
    "mlp": MLP,
    "mlp_mse": MLPMSE,
    "shah_cnn": ShahCNN,
    "dutta_cnn_torch": DuttaCNNTorch,
    "dense_ae": DenseAutoencoder,
    "conv_ae": ConvAutoencoder,
}


def build_model(name: str, **kwargs) -> nn.Module:
    """Build the model registered under `name`, passing `kwargs` to its constructor."""
    if name not in MODELS:
        raise ValueError(f"name must be one of {', '.join(sorted(MODELS))} (got {name!r})")
    return MODELS[name](**kwargs)
