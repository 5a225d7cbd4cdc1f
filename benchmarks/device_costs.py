"""Seconds per epoch of every kind of model the seed profile trains, on a device, and the seed profile's time.

`python -m benchmarks.device_costs --device cuda` trains each kind for two whole epochs at its protocol's sizes
through the book's own entry points (`fit`; `fit_keras` for Dutta's Keras model, built under `keras.device`), reads
the second epoch's seconds from its History (the first pays for start-up and kernel selection), and multiplies them
by the epochs the seed profile trains of that kind (`seed_plan`, from the seed profile's parameters). The chapters'
inference, tables and figures are left out: on a GPU they take a few seconds each. Chapter 6's autoencoders stop on
patience; they are counted at their epoch limit, so the estimate is an upper bound there.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import torch

from mnist_helpers.augment.transforms import shah_augmentation
from mnist_helpers.core.device import resolve_device
from mnist_helpers.core.provenance import hardware
from mnist_helpers.data.mnist import MNIST, load_mnist, to_keras, to_tensor
from mnist_helpers.models import torch_nets as models
from mnist_helpers.recipes.sweeps import ablation_budget
from mnist_helpers.reproduce.profile_spec import profile_values
from mnist_helpers.training.torch_fit import fit

DUTTA_TRAIN, DUTTA_VAL = 33_600, 8_400  # the author's split per seed
AE_TRAIN = 55_000  # chapter 6's training images; the next 5,000 validate


def seed_plan(profile: str = "seed") -> dict[str, int]:
    """Epochs trained per kind of model in `profile`, chapter by chapter, as the chapters plan their runs."""
    chapters = ("03_mlp", "04_cnn", "05_optimizers", "06_autoencoders", "08_beyond")
    mlp, cnn, opt, ae, beyond = (profile_values(profile, ch) for ch in chapters)
    mlp_ab_epochs, mlp_ab_seeds = ablation_budget(mlp["epochs"], mlp["ablation_epochs"], mlp["seeds"])
    cnn_ab_epochs, cnn_ab_seeds = ablation_budget(cnn["epochs"], cnn["ablation_epochs"], cnn["seeds"])
    dutta_engine = "Dutta CNN, Keras fit" if opt["engine"] == "keras" else "Dutta CNN, torch twin"
    n_ae = len(ae["seeds"]) * len(ae["code_sizes"])
    plan = {
        # chapter 3: headline, MSE (C15) and 3 ablation arms; chapter 5: C16's MLPs on the author's splits
        "MLP 784-300-10": len(mlp["seeds"]) * mlp["epochs"] * 2
        + 3 * len(mlp_ab_seeds) * mlp_ab_epochs
        + len(opt["seeds"]) * opt["epochs"],
        # chapter 4: C5 and 2 ablation arms; chapter 8: 4 claim arms and 5 other arms (the references are chapter 4's)
        "Shah CNN": len(cnn["seeds"]) * cnn["epochs"]
        + 2 * len(cnn_ab_seeds) * cnn_ab_epochs
        + 4 * len(beyond["seeds"]) * beyond["claim_epochs"]
        + 5 * len(beyond["few_seeds"]) * beyond["epochs"],
        "Dutta CNN, torch twin": 0,
        "Dutta CNN, Keras fit": cnn["dutta_epochs"] + opt["keras_epochs"],  # chapter 4's run; chapter 5's check
        "dense autoencoder (at most)": n_ae * ae["epochs"],
        "conv autoencoder (at most)": n_ae * ae["epochs"],
    }
    plan[dutta_engine] += 2 * len(opt["seeds"]) * opt["epochs"]  # chapter 5: two optimizers, on the profile's engine
    return plan


def _epoch_seconds(train: Callable[[], Any]) -> float:
    """The second of two epochs' seconds, from the History `train` returns."""
    return float(train().rows[-1]["seconds"])


def kinds(mnist: MNIST, device: str) -> dict[str, Callable[[], Any]]:
    """Two whole epochs of each kind at its protocol's sizes, through the book's entry points on `device`."""
    x_norm, x_unit = to_tensor(mnist.train_images), to_tensor(mnist.train_images, normalize=False)
    y = torch.from_numpy(mnist.train_labels.astype(np.int64))
    x_test, y_test = to_tensor(mnist.test_images), torch.from_numpy(mnist.test_labels.astype(np.int64))
    quiet = {"epochs": 2, "progress": "none", "device": device}

    def keras_fit():
        import keras

        from mnist_helpers.models.keras_cnn import dutta_cnn
        from mnist_helpers.training.keras_fit import fit_keras

        with keras.device(device):
            model = dutta_cnn(seed=0)
        kx, ky = to_keras(mnist.train_images), mnist.train_labels.astype(np.int64)
        val = slice(DUTTA_TRAIN, DUTTA_TRAIN + DUTTA_VAL)
        return fit_keras(model, kx[:DUTTA_TRAIN], ky[:DUTTA_TRAIN], kx[val], ky[val], batch_size=32, **quiet)

    def autoencoder(model):
        x = to_tensor(mnist.train_images, normalize=False)
        return lambda: fit(
            model, x[:AE_TRAIN], None, None, None, val_x=x[AE_TRAIN:], batch_size=128, loss="mse", **quiet
        )

    return {
        "MLP 784-300-10": lambda: fit(models.MLP(), x_norm, y, x_test, y_test, batch_size=32, decay=1e-4, **quiet),
        "Shah CNN": lambda: fit(
            models.ShahCNN(),
            x_norm,
            y,
            x_test,
            y_test,
            batch_size=64,
            loss="nll",
            augment=shah_augmentation(True),
            **quiet,
        ),
        "Dutta CNN, torch twin": lambda: fit(
            models.DuttaCNNTorch(seed=0),
            x_unit[:DUTTA_TRAIN],
            y[:DUTTA_TRAIN],
            x_unit[DUTTA_TRAIN : DUTTA_TRAIN + DUTTA_VAL],
            y[DUTTA_TRAIN : DUTTA_TRAIN + DUTTA_VAL],
            batch_size=32,
            **quiet,
        ),
        "Dutta CNN, Keras fit": keras_fit,
        "dense autoencoder (at most)": autoencoder(models.DenseAutoencoder(32)),
        "conv autoencoder (at most)": autoencoder(models.ConvAutoencoder(32)),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cpu | cuda (default)")
    parser.add_argument("--profile", default="seed", help="the profile whose runs are counted (default: seed)")
    parser.add_argument("--only", nargs="*", help="time only these kinds (names as printed); the rest count as 0 s")
    args = parser.parse_args(argv)
    try:
        resolve_device(args.device)  # refused before any data is loaded: no GPU, or an unknown device
    except ValueError as error:
        parser.exit(2, f"device_costs: {error}\n")
    start = time.perf_counter()
    plan = seed_plan(args.profile)
    runs = kinds(load_mnist(), args.device)
    hw = hardware()
    print(f"{args.device} on {hw.get('gpu', 'none')} / {hw.get('cpu', 'this CPU')}, torch {torch.__version__}")
    print(f"{'kind':30s} {'s/epoch':>8s} {'epochs in ' + args.profile:>16s} {'hours':>6s}")
    total = 0.0
    for kind, epochs in plan.items():
        if args.only and kind not in args.only:
            continue
        seconds = _epoch_seconds(runs[kind])
        total += seconds * epochs
        print(f"{kind:30s} {seconds:8.2f} {epochs:16,d} {seconds * epochs / 3600:6.2f}", flush=True)
    print(f"training in the {args.profile} profile, one run at a time: {total / 3600:.2f} h")
    print(f"(measured in {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
