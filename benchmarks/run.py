"""The engine against the seeds' pipelines, side by side: images/s, GFLOP/s and the fraction of matmul's rate.

`python -m benchmarks.run [--quick] [--out benchmarks/results.json]` runs every contender in one process on
real MNIST, alternating them round by round after a warm-up, and reports each one's median; it prints a
table and writes the results (with the machine, its load, the date and the commit) as JSON and Markdown.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import torch

from benchmarks.machine import QUIET_CORES, LoadMeter, load_average, wait_until_quiet
from benchmarks.plain_loop import plain_loop, plain_model
from benchmarks.report import format_table, write_results
from benchmarks.seed_style import endless, seed_loader, seed_train_batches
from benchmarks.sweep_bench import measure_sweep
from mnist_helpers.augment.transforms import shah_augmentation
from mnist_helpers.core.provenance import git_commit, hardware, package_versions
from mnist_helpers.core.threads import configure_threads
from mnist_helpers.data.mnist import MNIST, load_mnist, to_keras, to_tensor
from mnist_helpers.measure.flops import MATMUL_SIZE, matmul_gflops, train_step_flops
from mnist_helpers.models import torch_nets as models
from mnist_helpers.training.torch_fit import fit

EPOCH_IMAGES = 60_000  # MNIST's training split: images per full epoch
SHAH_BATCH = 64  # Shah's batch size (C5)
DUTTA_BATCH = 32  # Dutta's batch size (C1, C3)
DEFAULT_OUT = Path("benchmarks/results.json")
QUIET_WAIT = 120.0  # seconds to wait for other processes to go quiet before a full run
ROUND_WAIT = 30.0  # seconds to wait for quiet before each round: with the first wait, `make bench` stays < 12 min
SWEEP_TARGET = 1.25  # aggregate images/s of 2 one-thread workers over the same runs in sequence with 2 threads
KERAS_TARGET = 2.0  # Keras fit epoch over the torch twin's (issue 11)
PLAIN_TARGET = 1.3  # the twin's training step over the same model in a plain PyTorch loop (issue 21)
PLAIN_PAIRS = {  # engine contender without augmentation -> the plain loop training the same model
    "shah_engine_step": "shah_plain",
    "dutta_engine_step": "dutta_plain",
    "mlp_engine": "mlp_plain",
}

# batches per contender per round: each measurement lasts a few seconds in the full run
FULL_BATCHES = {
    "shah_seed_style": 100,
    "shah_engine": 150,
    "shah_engine_step": 150,
    "dutta_keras": 150,
    "dutta_engine": 300,
    "dutta_engine_step": 300,
    "mlp_engine": 1000,
    "shah_plain": 150,
    "dutta_plain": 300,
    "mlp_plain": 1000,
}
QUICK_BATCHES = dict.fromkeys(FULL_BATCHES, 2)
FULL_SWEEP_BATCHES, QUICK_SWEEP_BATCHES = 150, 2  # batches per run of the two-run sweep
FULL_ROUNDS, QUICK_ROUNDS = 5, 1
FULL_WARMUP, QUICK_WARMUP = 10, 1  # batches per contender before the first timed round


@dataclass
class Contender:
    """One way of training one model: `run(n_batches)` trains that many batches and returns images/s."""

    key: str
    label: str
    model: str  # the architecture, for the FLOP count
    batch_size: int
    run: Callable[[int], float]


def _engine(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int, **fit_kwargs) -> Callable:
    """images/s of `fit` over n batches: the epoch's training wall time from its History (setup left out)."""

    def run(n_batches: int) -> float:
        history = fit(
            model,
            x,
            y,
            None,
            None,
            epochs=1,
            batch_size=batch_size,
            limit_batches=n_batches,
            progress="none",
            **fit_kwargs,
        )
        return n_batches * batch_size / history.rows[-1]["seconds"]

    return run


def _seed_style(mnist: MNIST) -> Callable:
    """images/s of Shah's own pipeline: PIL transforms per sample, DataLoader, contiguous NCHW, Adam, NLLLoss."""
    model = models.ShahCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = endless(seed_loader(mnist.train_images, mnist.train_labels, batch_size=SHAH_BATCH))
    return lambda n_batches: seed_train_batches(model, optimizer, batches, n_batches)


def _keras(mnist: MNIST, n_images: int) -> Callable:
    """images/s of Dutta's Keras model under `fit_keras` (Keras fit, torch backend) on the first n_images."""
    from mnist_helpers.models.keras_cnn import dutta_cnn
    from mnist_helpers.training.keras_fit import fit_keras

    model = dutta_cnn(seed=0)
    x, y = to_keras(mnist.train_images[:n_images]), mnist.train_labels[:n_images].astype(np.int64)

    def run(n_batches: int) -> float:
        n = min(n_batches * DUTTA_BATCH, n_images)
        history = fit_keras(model, x[:n], y[:n], None, None, epochs=1, batch_size=DUTTA_BATCH, progress="none")
        return n / history.rows[-1]["seconds"]

    return run


def build_contenders(mnist: MNIST, batches: dict[str, int]) -> list[Contender]:
    """The ten contenders, each with fresh seeded weights, on the full training split: the seeds' pipeline, the
    engine with and without augmentation, Keras, and a plain PyTorch loop for each model (`plain_loop`)."""
    torch.manual_seed(0)
    x_norm, x_unit = to_tensor(mnist.train_images), to_tensor(mnist.train_images, normalize=False)
    y = torch.from_numpy(mnist.train_labels.astype(np.int64))
    keras_images = batches["dutta_keras"] * DUTTA_BATCH
    return [
        Contender(
            "shah_seed_style",
            "Shah CNN, seed-style (PIL per sample, DataLoader, NCHW)",
            "shah_cnn",
            SHAH_BATCH,
            _seed_style(mnist),
        ),
        Contender(
            "shah_engine",
            "Shah CNN, engine (fit, batched augmentation)",
            "shah_cnn",
            SHAH_BATCH,
            _engine(models.ShahCNN(), x_norm, y, SHAH_BATCH, loss="nll", augment=shah_augmentation(True)),
        ),
        Contender(
            "shah_engine_step",
            "Shah CNN, engine training step (fit, no augmentation)",
            "shah_cnn",
            SHAH_BATCH,
            _engine(models.ShahCNN(), x_norm, y, SHAH_BATCH, loss="nll"),
        ),
        Contender(
            "dutta_keras",
            "Dutta CNN, Keras fit (torch backend)",
            "dutta_cnn_torch",
            DUTTA_BATCH,
            _keras(mnist, keras_images),
        ),
        Contender(
            "dutta_engine",
            "Dutta CNN, engine (fit, torch twin)",
            "dutta_cnn_torch",
            DUTTA_BATCH,
            _engine(models.DuttaCNNTorch(seed=0), x_unit, y, DUTTA_BATCH),
        ),
        Contender(
            "dutta_engine_step",
            "Dutta CNN, engine training step (fit, torch twin, no rotation)",
            "dutta_cnn_torch",
            DUTTA_BATCH,
            _engine(models.DuttaCNNTorch(rotation_factor=0.0, seed=0), x_unit, y, DUTTA_BATCH),
        ),
        Contender(
            "mlp_engine",
            "MLP 784-300-10, engine (fit)",
            "mlp",
            DUTTA_BATCH,
            _engine(models.MLP(), x_norm, y, DUTTA_BATCH),
        ),
        Contender(
            "shah_plain",
            "Shah CNN, plain PyTorch loop (TensorDataset, DataLoader, nn.Sequential)",
            "shah_cnn",
            SHAH_BATCH,
            plain_loop(plain_model("shah_cnn"), x_norm, y, SHAH_BATCH),
        ),
        Contender(
            "dutta_plain",
            "Dutta CNN, plain PyTorch loop (TensorDataset, DataLoader, nn.Sequential)",
            "dutta_cnn_torch",
            DUTTA_BATCH,
            plain_loop(plain_model("dutta_cnn_torch"), x_unit, y, DUTTA_BATCH),
        ),
        Contender(
            "mlp_plain",
            "MLP 784-300-10, plain PyTorch loop (TensorDataset, DataLoader, nn.Sequential)",
            "mlp",
            DUTTA_BATCH,
            plain_loop(plain_model("mlp"), x_norm, y, DUTTA_BATCH),
        ),
    ]


def measure(
    contenders: list[Contender],
    batches: dict[str, int],
    rounds: int,
    warmup: int,
    wait: float,
    log: Callable[[str], None] = print,
) -> tuple[dict[str, list[float]], list[float], list[dict]]:
    """Warm every contender up, then run them in turn (A, B, C, ..., A, B, C, ...) for `rounds` rounds.

    With `wait` > 0, each round starts on a quiet machine (waiting up to `wait` s), and a round during
    which other processes used more than QUIET_CORES is set aside and run again (at most `rounds` times
    over): two threads collapse beside a busy process, so such a round measures the neighbour, not us.
    Returns images/s per contender per kept round, the matmul GFLOP/s of each kept round, and the load of
    every round run, kept or not.
    """
    for c in contenders:
        c.run(warmup)
    matmul_gflops(repeats=1)
    speeds: dict[str, list[float]] = {c.key: [] for c in contenders}
    matmul, loads = [], []
    for attempt in range(1, 2 * rounds + 1):
        if len(matmul) == rounds:
            break
        if wait > 0:
            wait_until_quiet(min(wait, ROUND_WAIT), log)
        meter = LoadMeter().start()
        speed = {c.key: c.run(batches[c.key]) for c in contenders}
        peak = matmul_gflops()
        load = meter.stop()
        kept = wait <= 0 or load["other_cores"] is None or load["other_cores"] < QUIET_CORES
        loads.append(load | {"kept": kept})
        log(
            f"round {attempt} ({'kept' if kept else 'set aside: the machine was busy'}): "
            + ", ".join(f"{k} {v:,.0f}" for k, v in speed.items())
            + f" img/s; matmul {peak:.0f} GFLOP/s; other processes {load['other_cores']} cores"
        )
        if kept:
            for key, value in speed.items():
                speeds[key].append(value)
            matmul.append(peak)
    if not matmul:
        raise RuntimeError(f"every one of {2 * rounds} rounds ran on a busy machine; run again when it is quiet.")
    return speeds, matmul, loads


def summarise(
    contenders: list[Contender], speeds: dict[str, list[float]], matmul: list[float], sweep: dict | None = None
) -> dict:
    """Medians, FLOP rates, ratios and the targets of issues 5 and 11, as plain values."""
    peak = statistics.median(matmul)
    rows = []
    for c in contenders:
        ips = statistics.median(speeds[c.key])
        flops = train_step_flops(models.build_model(c.model), (1, 28, 28))
        rows.append(
            {
                "key": c.key,
                "label": c.label,
                "batch_size": c.batch_size,
                "images_per_s": round(ips, 1),
                "images_per_s_rounds": [round(v, 1) for v in speeds[c.key]],
                "epoch_s_60k": round(EPOCH_IMAGES / ips, 2),
                "train_mflop_per_image": round(flops / 1e6, 3),
                "gflops": round(ips * flops / 1e9, 2),
                "fraction_of_matmul": round(ips * flops / 1e9 / peak, 3),
            }
        )
    by = {row["key"]: row for row in rows}
    speedup = by["shah_engine"]["images_per_s"] / by["shah_seed_style"]["images_per_s"]
    keras_ratio = by["dutta_keras"]["epoch_s_60k"] / by["dutta_engine"]["epoch_s_60k"]
    step_fraction = by["shah_engine_step"]["fraction_of_matmul"]
    over_plain = {
        engine: round(by[engine]["images_per_s"] / by[plain]["images_per_s"], 2)
        for engine, plain in PLAIN_PAIRS.items()
        if engine in by and plain in by
    }
    targets = [
        {
            "name": "Shah CNN with augmentation: engine images/s over seed-style",
            "target": ">= 3.0",
            "measured": round(speedup, 2),
            "met": speedup >= 3.0,
        },
        {
            "name": "Shah CNN training step GFLOP/s over matmul GFLOP/s",
            "target": ">= 0.45",
            "measured": step_fraction,
            "met": step_fraction >= 0.45,
        },
        {
            "name": "Dutta CNN epoch: Keras fit over the torch engine",
            "target": f"<= {KERAS_TARGET}",
            "measured": round(keras_ratio, 2),
            "met": keras_ratio <= KERAS_TARGET,
        },
    ]
    if "dutta_engine_step" in over_plain:
        twin = over_plain["dutta_engine_step"]
        targets.append(
            {
                "name": "Dutta CNN training step: the torch twin's images/s over a plain PyTorch loop's",
                "target": f">= {PLAIN_TARGET}",
                "measured": twin,
                "met": twin >= PLAIN_TARGET,
            }
        )
    if sweep is not None:
        targets.append(
            {
                "name": f"Seed sweep: {sweep['workers']} workers x {sweep['threads_per_worker']} thread over "
                f"the same runs in sequence with {sweep['sequential_threads']} threads (aggregate images/s)",
                "target": f">= {SWEEP_TARGET}",
                "measured": sweep["ratio"],
                "met": sweep["ratio"] >= SWEEP_TARGET,
            }
        )
    return {
        "matmul_gflops": round(peak, 1),
        "matmul_gflops_rounds": [round(v, 1) for v in matmul],
        "rows": rows,
        "ratios": {
            "shah_engine_over_seed_style": round(speedup, 2),
            "keras_epoch_over_engine_epoch": round(keras_ratio, 2),
            "shah_engine_with_augmentation_fraction_of_matmul": by["shah_engine"]["fraction_of_matmul"],
            "sweep_parallel_over_sequential": None if sweep is None else sweep["ratio"],
            **{f"{engine}_over_plain_loop": ratio for engine, ratio in over_plain.items()},
        },
        "sweep": sweep,
        "targets": targets,
    }


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark, print its table and write the JSON and Markdown results; returns the results."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few batches per contender, one round (smoke test)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results JSON (Markdown beside it)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: every allowed core)")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds (default 5; 1 with --quick)")
    parser.add_argument(
        "--wait",
        type=float,
        default=None,
        help=f"seconds to wait for a quiet machine (default {QUIET_WAIT:.0f}; 0 with --quick)",
    )
    args = parser.parse_args(argv)
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else FULL_ROUNDS)
    batches, warmup = (QUICK_BATCHES, QUICK_WARMUP) if args.quick else (FULL_BATCHES, FULL_WARMUP)
    threads = configure_threads(args.threads)
    wait = args.wait if args.wait is not None else (0.0 if args.quick else QUIET_WAIT)
    quiet = wait_until_quiet(wait) if wait > 0 else {"quiet": None, "waited_s": 0.0, "last_other_cores": None}
    started, load_before = time.perf_counter(), load_average()
    mnist = load_mnist()
    contenders = build_contenders(mnist, batches)
    speeds, matmul, loads = measure(contenders, batches, rounds, warmup, wait)
    sweep_batches = QUICK_SWEEP_BATCHES if args.quick else FULL_SWEEP_BATCHES
    sweep = measure_sweep(mnist.train_images, mnist.train_labels, sweep_batches, rounds, threads)
    summary = summarise(contenders, speeds, matmul, sweep)
    results = {
        "format": "benchmarks.results/1",
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git_commit": git_commit(),
        "command": "python -m benchmarks.run" + (" --quick" if args.quick else ""),
        "quick": args.quick,
        "machine": hardware() | {"torch_threads": threads, "torch_interop_threads": torch.get_num_interop_threads()},
        "load": {
            "quiet_wait": quiet,
            "load_average_before": load_before,
            "load_average_after": load_average(),
            "other_cores_per_round": [load["other_cores"] for load in loads],
            "steal_cores_per_round": [load["steal_cores"] for load in loads],
            "round_kept": [load["kept"] for load in loads],
        },
        "packages": package_versions(),
        "settings": {
            "rounds": rounds,
            "warmup_batches": warmup,
            "batches": batches,
            "matmul_size": MATMUL_SIZE,
            "sweep_batches_per_run": sweep_batches,
            "epoch_images": EPOCH_IMAGES,
        },
        **summary,
        "wall_time_s": round(time.perf_counter() - started, 1),
    }
    print(format_table(summary))
    write_results(results, args.out)
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
