"""One-thread seconds per epoch of every model the full profile trains, to plan a profile within a time budget.

`python -m benchmarks.epoch_costs` times each model's training step (the engine's `fit`, with its augmentation)
and its evaluation at one thread, on real MNIST, and prints images/s and the seconds one epoch costs at the
protocol's sizes (Dutta: 33,600 training images and 8,400 + ~4,000 scored per epoch; Shah and the MLP: 60,000
and 10,000; where no evaluation is timed, scoring an image counts as a third of training one). A chapter's
cost is then runs x epochs x seconds per epoch; two one-thread runs share 2 cores.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import torch

from benchmarks.run import _engine, _keras
from mnist_helpers.augment.transforms import shah_augmentation
from mnist_helpers.core.provenance import hardware
from mnist_helpers.data.mnist import load_mnist, to_tensor
from mnist_helpers.models import torch_nets as models

DUTTA_TRAIN, DUTTA_SCORED = 33_600, 8_400 + 4_000  # the author's split; validation plus the held-out test images
SHAH_TRAIN, SHAH_SCORED = 60_000, 10_000


def eval_rate(model: torch.nn.Module, x: torch.Tensor, batch_size: int) -> float:
    """images/s of the model's forward pass in eval mode, channels-last as the engine runs it."""
    model = model.eval().to(memory_format=torch.channels_last)
    x = x[:5000].contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        model(x[:batch_size])
        start = time.perf_counter()
        for i in range(0, len(x), batch_size):
            model(x[i : i + batch_size])
    return len(x) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=150, help="training batches timed per model")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    mnist = load_mnist()
    x_norm, x_unit = to_tensor(mnist.train_images), to_tensor(mnist.train_images, normalize=False)
    y = torch.from_numpy(mnist.train_labels.astype(np.int64))
    aug = shah_augmentation(True)
    rows = []
    shah = [("Shah CNN (C5)", {}), ("  third convolution", {"conv3": True}), ("  5x5 filters", {"kernel_size": 5})]
    shah += [("  elastic distortions", {"elastic": True})]
    for label, kwargs in shah:
        train = _engine(models.ShahCNN(**kwargs), x_norm, y, 64, loss="nll", augment=aug)
        train(5)
        rows.append(
            (label, train(args.batches), eval_rate(models.ShahCNN(**kwargs), x_norm, 256), SHAH_TRAIN, SHAH_SCORED)
        )
    train = _engine(models.DuttaCNNTorch(seed=0), x_unit, y, 32)
    train(10)
    rows.append(
        (
            "Dutta CNN, torch twin",
            train(2 * args.batches),
            eval_rate(models.DuttaCNNTorch(), x_unit, 256),
            DUTTA_TRAIN,
            DUTTA_SCORED,
        )
    )
    keras = _keras(mnist, args.batches * 32)
    keras(10)
    rows.append(("Dutta CNN, Keras fit", keras(args.batches), float("nan"), DUTTA_TRAIN, 8_400))
    train = _engine(models.MLP(), x_norm, y, 32)
    train(50)
    rows.append(("MLP 784-300-10", train(10 * args.batches), float("nan"), SHAH_TRAIN, SHAH_SCORED))
    print(f"one thread on {hardware().get('cpu', 'this CPU')}, torch {torch.__version__}")
    print(f"{'model':28s} {'train img/s':>11s} {'eval img/s':>10s} {'s/epoch':>8s}")
    for label, train_rate, ev, n_train, n_scored in rows:
        seconds = n_train / train_rate + (n_scored / ev if ev == ev else n_scored / (3 * train_rate))
        print(f"{label:28s} {train_rate:11,.0f} {ev:10,.0f} {seconds:8.1f}")


if __name__ == "__main__":
    main()
