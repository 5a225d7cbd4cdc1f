"""A seed sweep two ways, in one run: the runs one after another with every thread, and side by side in workers."""

from __future__ import annotations

import statistics
import time

import numpy as np

from mnist_helpers.core.threads import configure_threads
from mnist_helpers.figures.benchmark_report import SWEEP_BATCH  # Shah's CNN with its augmentation, batch 64
from mnist_helpers.recipes.sweeps import plan_workers, sweep

SWEEP_SEEDS = (0, 1)  # runs per sweep: one per worker on 2 cores


def train_shah(images: np.ndarray, labels: np.ndarray, seed: int, n_batches: int) -> int:
    """One run of the sweep: Shah's CNN, seeded, trained with augmentation for `n_batches`; returns images seen."""
    import torch

    from mnist_helpers.augment.transforms import shah_augmentation
    from mnist_helpers.data.mnist import to_tensor
    from mnist_helpers.models import torch_nets as models
    from mnist_helpers.training.seeding import seed_everything
    from mnist_helpers.training.torch_fit import fit

    seed_everything(seed)
    x, y = to_tensor(np.array(images)), torch.from_numpy(labels.astype(np.int64))  # a copy: workers get read-only maps
    fit(models.ShahCNN(), x, y, None, None, epochs=1, batch_size=SWEEP_BATCH, loss="nll",
        augment=shah_augmentation(True), seed=seed, limit_batches=n_batches, progress="none")  # fmt: skip
    return min(n_batches * SWEEP_BATCH, len(x))


def measure_sweep(images: np.ndarray, labels: np.ndarray, n_batches: int, rounds: int, threads: int) -> dict:
    """Aggregate images/s of the sweep in sequence (one process, `threads` threads) and in parallel workers
    (the cores divided among them), alternating round by round after a warm-up; medians and their ratio.
    Worker start-up is paid once in the warm-up, as a real sweep of many minutes amortises it."""
    n = n_batches * SWEEP_BATCH
    images, labels = np.ascontiguousarray(images[:n]), labels[:n]
    runs = [{"seed": s} for s in SWEEP_SEEDS]
    workers, worker_threads = plan_workers(len(runs))
    sweep(train_shah, runs, images=images, labels=labels, n_batches=2)  # start the workers, import torch there
    train_shah(images, labels, 0, 2)
    sequential, parallel = [], []
    for _ in range(rounds):
        configure_threads(threads)
        started = time.perf_counter()
        seen = sum(train_shah(images, labels, s, n_batches) for s in SWEEP_SEEDS)
        sequential.append(seen / (time.perf_counter() - started))
        started = time.perf_counter()
        seen = sum(sweep(train_shah, runs, images=images, labels=labels, n_batches=n_batches))
        parallel.append(seen / (time.perf_counter() - started))
    configure_threads(threads)
    seq, par = statistics.median(sequential), statistics.median(parallel)
    return {
        "runs": len(runs),
        "batches_per_run": n_batches,
        "workers": workers,
        "threads_per_worker": worker_threads,
        "sequential_threads": threads,
        "sequential_images_per_s": round(seq, 1),
        "sequential_images_per_s_rounds": [round(v, 1) for v in sequential],
        "parallel_images_per_s": round(par, 1),
        "parallel_images_per_s_rounds": [round(v, 1) for v in parallel],
        "ratio": round(par / seq, 2),
    }
