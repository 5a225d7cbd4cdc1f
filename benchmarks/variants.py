"""What was tried to make training faster, each measured here: `python -m benchmarks.variants [--quick] [--slow]`.

Each group alternates its variants round by round in one process (the competing-load group starts one
process per variant) and reports the medians; results go to benchmarks/variants.json and a printed table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import torch
from torch.nn import functional as F

from benchmarks.machine import LoadMeter, load_average, wait_until_quiet
from benchmarks.seed_style import endless, seed_loader, seed_train_batches
from mnist_helpers.augment.transforms import shah_augmentation
from mnist_helpers.core.atomic import write_json
from mnist_helpers.core.provenance import git_commit, hardware
from mnist_helpers.core.threads import configure_threads
from mnist_helpers.data.mnist import load_mnist, to_keras, to_tensor
from mnist_helpers.models import torch_nets as models
from mnist_helpers.training.torch_fit import fit

DEFAULT_OUT = Path("benchmarks/variants.json")
ROUNDS = 3  # timed rounds per group (1 with --quick)
SHAH_IMAGES = 9600  # images per timed run of a Shah variant (150 batches of 64)
DUTTA_IMAGES = 4800  # images per timed run of a Dutta variant (150 batches of 32)
LOAD_IMAGES = 3840  # images per run in the competing-load group (60 batches of 64)


class TableOrderShahCNN(models.ShahCNN):
    """ShahCNN run exactly in its table's order (conv → ReLU → pool), as before the pool-first forward."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def _fit_speed(model: torch.nn.Module, x, y, batch_size: int, images: int, **kwargs) -> Callable[[], float]:
    def run() -> float:
        n = max(images // batch_size, 1)
        h = fit(model, x, y, None, None, epochs=1, batch_size=batch_size, limit_batches=n, progress="none", **kwargs)
        return n * batch_size / h.rows[-1]["seconds"]

    return run


def _loop_speed(
    model: torch.nn.Module, x, y, images: int, *, fused: bool = True, compiled: bool = False, bf16: bool = False
) -> Callable[[], float]:
    """Shah's step as fit runs it (augmentation, channels_last, NLL, Adam), with one knob changed."""
    model = model.to(memory_format=torch.channels_last)
    forward = torch.compile(model) if compiled else model
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, fused=fused)
    augment, generator = shah_augmentation(True), torch.Generator().manual_seed(0)

    def run() -> float:
        started, n = time.perf_counter(), images // 64
        for b in range(n):
            xb = augment(x[b * 64 : (b + 1) * 64], generator).contiguous(memory_format=torch.channels_last)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                out = forward(xb)
            loss = F.nll_loss(out.float(), y[b * 64 : (b + 1) * 64])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        return n * 64 / (time.perf_counter() - started)

    return run


def _fast_rotation_layer():
    """A Keras RandomRotation(factor, fill constant 0) drawing per-sample angles like Keras but warping the
    whole batch with one grid_sample (Keras's torch backend loops over the batch image by image)."""
    import keras

    from mnist_helpers.augment.transforms import rotate

    class BatchedRandomRotation(keras.layers.Layer):
        def __init__(self, factor: float, channels_first: bool, seed: int | None = None, **kwargs) -> None:
            super().__init__(**kwargs)
            self.factor, self.channels_first = factor, channels_first
            self.seed_generator = keras.random.SeedGenerator(seed)

        def call(self, x, training=None):
            if not training or self.factor == 0:
                return x
            degrees = self.factor * 360
            angles = keras.random.uniform((x.shape[0],), -degrees, degrees, seed=self.seed_generator)
            nchw = x if self.channels_first else x.permute(0, 3, 1, 2)
            out = rotate(nchw, angles, fill_mode="constant", fill=0.0)
            return out if self.channels_first else out.permute(0, 2, 3, 1)

        def compute_output_shape(self, input_shape):
            return input_shape

    return BatchedRandomRotation


def dutta_keras_variant(data_format: str = "channels_last", batched_rotation: bool = True, seed: int = 0):
    """Dutta's Keras CNN, same layers and settings, with a choice of data format and rotation implementation."""
    import keras
    from keras import layers

    from mnist_helpers.augment.transforms import DUTTA_FACTOR as ROTATION_FACTOR
    from mnist_helpers.models.keras_cnn import DROPOUT

    first = data_format == "channels_first"
    fmt, axis = {"data_format": data_format}, (1 if first else -1)
    rotation = (
        _fast_rotation_layer()(ROTATION_FACTOR, first, seed=seed)
        if batched_rotation
        else layers.RandomRotation(ROTATION_FACTOR, fill_mode="constant", fill_value=0.0, seed=seed, **fmt)
    )
    block = lambda k: [
        layers.Conv2D(32, k, **fmt),
        layers.Activation("relu"),
        layers.BatchNormalization(axis=axis),
        layers.MaxPooling2D(2, **fmt),
        layers.Dropout(DROPOUT, seed=seed),
    ]
    dense = lambda: [layers.Dense(512), layers.Activation("relu"), layers.Dropout(DROPOUT, seed=seed)]
    return keras.Sequential(
        [
            keras.Input((1, 28, 28) if first else (28, 28, 1)),
            layers.Rescaling(1 / 255),
            rotation,
            *block(5),
            *block(3),
            layers.Flatten(**fmt),
            *dense(),
            *dense(),
            layers.Dense(10),
            layers.Activation("softmax"),
        ]
    )


def _keras_speed(model, x, y, batch_size: int, jit_compile: bool = False) -> Callable[[], float]:
    from mnist_helpers.training.keras_fit import LOSS, keras_optimizer

    model.compile(optimizer=keras_optimizer("adam"), loss=LOSS, metrics=["accuracy"], jit_compile=jit_compile)

    def run() -> float:
        started = time.perf_counter()
        model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=True, verbose=0)
        return len(x) / (time.perf_counter() - started)

    return run


def groups(mnist, quick: bool, slow: bool) -> dict[str, dict[str, Callable[[], Callable[[], float]]]]:
    """Variant makers per group; each maker builds its model and returns a function that times one run."""
    scale = 0.1 if quick else 1.0
    shah_n, dutta_n = int(SHAH_IMAGES * scale), int(DUTTA_IMAGES * scale)
    xn, xu = to_tensor(mnist.train_images), to_tensor(mnist.train_images, normalize=False)
    y = torch.from_numpy(mnist.train_labels.astype(np.int64))
    from mnist_helpers.models.keras_cnn import dutta_cnn

    aug = {"loss": "nll", "augment": shah_augmentation(True)}
    kx, ky = to_keras(mnist.train_images[:dutta_n]), mnist.train_labels[:dutta_n].astype(np.int64)
    kx_first = np.ascontiguousarray(kx.transpose(0, 3, 1, 2))
    out = {
        "shah_engine": {
            "fit, channels_last (default)": lambda: _fit_speed(models.ShahCNN(), xn, y, 64, shah_n, **aug),
            "fit, contiguous NCHW": lambda: _fit_speed(models.ShahCNN(), xn, y, 64, shah_n, channels_last=False, **aug),
            "fit, table order conv-ReLU-pool": lambda: _fit_speed(TableOrderShahCNN(), xn, y, 64, shah_n, **aug),
            "fit, batch 128": lambda: _fit_speed(models.ShahCNN(), xn, y, 128, shah_n, **aug),
            "fit, batch 256": lambda: _fit_speed(models.ShahCNN(), xn, y, 256, shah_n, **aug),
            "loop, fused Adam (as fit)": lambda: _loop_speed(models.ShahCNN(), xn, y, shah_n),
            "loop, for-loop Adam": lambda: _loop_speed(models.ShahCNN(), xn, y, shah_n, fused=False),
            "loop, bf16 autocast": lambda: _loop_speed(models.ShahCNN(), xn, y, shah_n, bf16=True),
        },
        "dutta_engine": {
            "fit, channels_last (default)": lambda: _fit_speed(models.DuttaCNNTorch(seed=0), xu, y, 32, dutta_n),
            "fit, contiguous NCHW": lambda: _fit_speed(
                models.DuttaCNNTorch(seed=0), xu, y, 32, dutta_n, channels_last=False
            ),
        },
        "dutta_keras": {
            "keras_models.dutta_cnn (channels_last, Keras RandomRotation)": lambda: _keras_speed(
                dutta_cnn(seed=0), kx, ky, 32
            ),
            "same, batch 64": lambda: _keras_speed(dutta_cnn(seed=0), kx, ky, 64),
            "same, batch 128": lambda: _keras_speed(dutta_cnn(seed=0), kx, ky, 128),
            "same, torch tensors in": lambda: _keras_speed(
                dutta_cnn(seed=0), torch.from_numpy(kx), torch.from_numpy(ky), 32
            ),
            "batched rotation": lambda: _keras_speed(dutta_keras_variant(), kx, ky, 32),
            "batched rotation, channels_first": lambda: _keras_speed(
                dutta_keras_variant("channels_first"), kx_first, ky, 32
            ),
        },
        "shah_seed_style": {f"DataLoader num_workers={w}": (lambda w=w: _seed_speed(mnist, w, shah_n)) for w in (0, 1)},
    }
    if slow:  # compile times of a minute or more
        out["shah_engine"]["loop, torch.compile"] = lambda: _loop_speed(models.ShahCNN(), xn, y, shah_n, compiled=True)
        out["dutta_keras"]["batched rotation, jit_compile=True"] = lambda: _keras_speed(
            dutta_keras_variant(), kx, ky, 32, jit_compile=True
        )
    return out


def _seed_speed(mnist, workers: int, images: int) -> Callable[[], float]:
    model = models.ShahCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = endless(seed_loader(mnist.train_images, mnist.train_labels, num_workers=workers))
    return lambda: seed_train_batches(model, optimizer, batches, images // 64)


def run_group(makers: dict[str, Callable], rounds: int, log=print) -> dict[str, dict]:
    """Build and warm up every variant, then alternate them for `rounds` rounds; medians and load per variant."""
    runs, results = {}, {}
    for name, make in makers.items():
        try:
            runs[name] = make()
            runs[name]()  # warm-up (and compilation, where there is any)
        except Exception as e:  # a variant the backend refuses is a result too
            results[name] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"}
            log(f"  {name}: {results[name]['error']}")
    speeds = {name: [] for name in runs}
    others = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            meter = LoadMeter().start()
            speeds[name].append(run())
            others[name].append(meter.stop()["other_cores"])
    for name in runs:
        ips = statistics.median(speeds[name])
        results[name] = {
            "images_per_s": round(ips, 1),
            "epoch_s_60k": round(60_000 / ips, 1),
            "rounds": [round(v, 1) for v in speeds[name]],
            "other_cores": others[name],
        }
        log(f"  {name:<58} {ips:>9,.0f} img/s {60_000 / ips:>7.1f} s/epoch")
    return results


LOAD_SCRIPT = """
import os, sys, time, torch
from mnist_helpers.data.mnist import load_mnist, to_tensor
from mnist_helpers.augment.transforms import shah_augmentation
from mnist_helpers.models.torch_nets import ShahCNN
from mnist_helpers.training.torch_fit import fit
torch.set_num_threads(int(sys.argv[1])); n = int(sys.argv[2]) // 64
m = load_mnist(); x = to_tensor(m.train_images[:20000]); y = torch.as_tensor(m.train_labels[:20000]).long()
run = lambda k: fit(ShahCNN(), x, y, None, None, epochs=1, batch_size=64, loss="nll",
                    augment=shah_augmentation(True), limit_batches=k, progress="none").rows[-1]["seconds"]
run(5); print(n * 64 / run(n))
"""


def competing_load(images: int, log=print) -> dict[str, dict]:
    """Shah's engine in a fresh process with 2 threads, 1 thread, and 2 passive-waiting threads, on a quiet
    machine and beside one busy single-threaded process (as when another notebook runs)."""
    variants = {
        "2 threads": ("2", {}),
        "1 thread": ("1", {}),
        "2 threads, OMP_WAIT_POLICY=PASSIVE": ("2", {"OMP_WAIT_POLICY": "PASSIVE"}),
    }
    results = {}
    for competitor in (False, True):
        busy = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if competitor else None
        try:
            for name, (threads, env) in variants.items():
                cmd = [sys.executable, "-c", LOAD_SCRIPT, threads, str(images)]
                meter = LoadMeter().start()
                out = subprocess.run(cmd, env=os.environ | env, capture_output=True, text=True, check=True).stdout
                key = f"{name}, {'one busy process beside' if competitor else 'quiet'}"
                speed = round(float(out.split()[-1]), 1)
                results[key] = {"images_per_s": speed, "other_cores": meter.stop()["other_cores"]}
                log(f"  {key:<58} {results[key]['images_per_s']:>9,.0f} img/s")
        finally:
            if busy is not None:
                busy.kill()
                busy.wait()
    return results


def _wait(seconds: float, results: dict, group: str) -> None:
    """Wait (up to `seconds`) for other processes to go quiet before a group, and record the wait."""
    results["quiet_wait"][group] = wait_until_quiet(seconds) if seconds > 0 else None


def main(argv: list[str] | None = None) -> dict:
    """Run the chosen groups of variants, print each median, and write them all as JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.variants", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the images and one round")
    parser.add_argument("--slow", action="store_true", help="also torch.compile and Keras jit_compile (minutes)")
    parser.add_argument("--only", default=None, help="comma-separated groups to run")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--wait", type=float, default=600.0, help="seconds to wait for a quiet machine")
    args = parser.parse_args(argv)
    threads = configure_threads()
    mnist, rounds = load_mnist(), (1 if args.quick else ROUNDS)
    results = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git_commit": git_commit(),
        "machine": hardware() | {"torch_threads": threads},
        "quiet_wait": {},
        "load_average_before": load_average(),
        "groups": {},
    }
    chosen = set(args.only.split(",")) if args.only else None
    for group, makers in groups(mnist, args.quick, args.slow).items():
        if chosen is None or group in chosen:
            print(f"{group}:")
            _wait(args.wait, results, group)
            results["groups"][group] = run_group(makers, rounds)
    if chosen is None or "competing_load" in chosen:
        print("competing_load:")
        _wait(args.wait, results, "competing_load")
        results["groups"]["competing_load"] = competing_load(LOAD_IMAGES // (10 if args.quick else 1))
    results["load_average_after"] = load_average()
    write_json(args.out, results)
    print(f"wrote {args.out}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
