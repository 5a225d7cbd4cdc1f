"""How long the models behind a run took to train: the from-scratch cost of a profile, as its own runs measured it.

Every saved model carries its History, whose rows hold the seconds each epoch took as it trained (training plus
that epoch's evaluation, whatever else shared the machine). Summed over the models each chapter's record lists
(`models`), they give what re-running the profile without its saved models would cost, chapter by chapter; a model
two chapters use counts in the first. By model, what dominates: images trained, the FLOPs of their training steps
(counted with torch's FlopCounterMode on the model each run trained) and the rate each run reached; against a
machine's fp32 matmul rate, the least time any fp32 engine could train them in.
`python -m mnist_helpers.reproduce.training_cost artifacts/full` prints it.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mnist_helpers.core.paths import resolve_dir

if TYPE_CHECKING:
    import pandas as pd
    from torch import nn

RUNS_AT_ONCE = 2  # a sweep on 2 cores runs two one-thread runs side by side


def _meta(path: Path) -> dict[str, Any]:
    """A saved model's stored meta (its key and history), torch .pt or Keras .weights.h5."""
    from mnist_helpers.recipes.saved import keras_meta
    from mnist_helpers.training.checkpoints import weights_meta

    return (keras_meta(path) if path.name.endswith(".h5") else weights_meta(path)) or {}


def _rows(meta: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    rows = (meta.get("history") or {}).get("rows")
    if not rows:
        raise ValueError(f"{path}: no training history in it (an older format?); delete it and re-run its chapter.")
    return rows


def model_seconds(path: Path) -> tuple[int, float]:
    """(epochs, seconds) of one saved model's History; ValueError naming the file when it holds none."""
    rows = _rows(_meta(path), path)
    return len(rows), float(sum(r["seconds"] for r in rows))


@dataclass(frozen=True)
class ModelCost:
    """One saved model's training: its model's name, epochs, seconds, images seen and training-step FLOPs."""

    model: str
    epochs: int
    seconds: float
    images: int
    flop: float


def model_cost(path: Path) -> ModelCost:
    """What training one saved model took: epochs × the images it trained on, each costing its training step's
    FLOPs (forward and backward, counted on the model its key names); ValueError naming the file when it can't."""
    meta = _meta(path)
    rows = _rows(meta, path)
    key = meta.get("key") or {}
    name = str(key.get("name") or key.get("kind") or "")
    n_train = (meta["history"].get("meta") or {}).get("n_train")
    if not name or not n_train:
        raise ValueError(f"{path}: its key names no model or its history no training-set size; re-run its chapter.")
    settings = {k: key[k] for k in ("model_kwargs", "code_size", "rotation_factor") if key.get(k) is not None}
    images = len(rows) * int(n_train)
    flop = images * step_flops(name, json.dumps(settings, sort_keys=True))
    return ModelCost(name, len(rows), float(sum(r["seconds"] for r in rows)), images, float(flop))


def counted_model(name: str, settings: dict[str, Any]) -> nn.Module:
    """The torch model whose FLOPs a saved model's training cost: its own, or for Dutta's Keras model its
    layer-for-layer torch twin (the same convolutions and matrix products)."""
    from mnist_helpers.models import torch_nets as models

    if name == "dutta_keras":
        return models.MODELS["dutta_cnn_torch"](rotation_factor=settings.get("rotation_factor", 0.0))
    if name in models.AUTOENCODERS:
        return models.MODELS[name](settings["code_size"])
    if name in models.CLASSIFIERS:
        return models.MODELS[name](**(settings.get("model_kwargs") or {}))
    raise ValueError(f"model {name!r} is not one the recipes train; known: {', '.join(models.MODELS)}, dutta_keras.")


@cache
def step_flops(name: str, settings_json: str) -> int:
    """Training-step FLOPs per image of the model `name` built with `settings` (JSON, so that it can be cached)."""
    from mnist_helpers.measure.flops import train_step_flops

    return train_step_flops(counted_model(name, json.loads(settings_json)), (1, 28, 28))


def training_table(metrics: dict[str, dict[str, Any]], models_dir: str | os.PathLike) -> pd.DataFrame:
    """One row per chapter record, in chapter order: the models it trained first, their epochs and run-hours, and
    how many of its models are not in `models_dir` (their time is unknown, not zero)."""
    import pandas as pd

    seen: set[str] = set()
    rows = []
    for chapter in sorted(metrics):
        names = sorted(set(metrics[chapter].get("models") or {}) - seen)
        seen |= set(names)
        present = [n for n in names if (Path(models_dir) / n).is_file()]
        timed = [model_seconds(Path(models_dir) / n) for n in present]
        rows.append(
            {
                "chapter": chapter,
                "models": len(names),
                "epochs": sum(e for e, _ in timed),
                "run-hours": sum(s for _, s in timed) / 3600,
                "models missing": len(names) - len(present),
            }
        )
    return pd.DataFrame(rows, columns=["chapter", "models", "epochs", "run-hours", "models missing"])


def profile_training(
    artifacts_dir: str | os.PathLike | None, profile: str, metrics: dict[str, dict[str, Any]]
) -> pd.DataFrame:
    """`training_table` for a profile's saved models (artifacts_dir/profile/models)."""
    return training_table(metrics, resolve_dir(artifacts_dir) / profile / "models")


def model_table(metrics: dict[str, dict[str, Any]], models_dir: str | os.PathLike) -> pd.DataFrame:
    """What dominates: one row per model (as the saved models' keys name it), most run-hours first, over every
    model a chapter lists that is in `models_dir`: runs, epochs, millions of images trained, TFLOP of training
    steps, run-hours, their share of all run-hours, and the training GFLOP/s each run reached (FLOPs ÷ its seconds,
    which also hold its epochs' evaluation and augmentation)."""
    import pandas as pd

    names = sorted({n for record in metrics.values() for n in record.get("models") or {}})
    costs = [model_cost(Path(models_dir) / n) for n in names if (Path(models_dir) / n).is_file()]
    columns = ["model", "runs", "epochs", "images (M)", "TFLOP", "run-hours", "share", "GFLOP/s per run"]
    if not costs:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame([c.__dict__ for c in costs])
    g = frame.groupby("model").sum().sort_values("seconds", ascending=False)
    g["runs"] = frame.groupby("model").size()
    table = pd.DataFrame(
        {
            "runs": g["runs"],
            "epochs": g["epochs"],
            "images (M)": g["images"] / 1e6,
            "TFLOP": g["flop"] / 1e12,
            "run-hours": g["seconds"] / 3600,
            "share": g["seconds"] / g["seconds"].sum(),
            "GFLOP/s per run": g["flop"] / g["seconds"] / 1e9,
        }
    )
    return table.reset_index()[columns]


def profile_models(
    artifacts_dir: str | os.PathLike | None, profile: str, metrics: dict[str, dict[str, Any]]
) -> pd.DataFrame:
    """`model_table` for a profile's saved models (artifacts_dir/profile/models)."""
    return model_table(metrics, resolve_dir(artifacts_dir) / profile / "models")


def training_summary(training: pd.DataFrame, runs_at_once: int = RUNS_AT_ONCE) -> dict[str, float]:
    """Totals of a `training_table`: models, epochs, run-hours, hours of training wall time with `runs_at_once`
    runs side by side, and how many listed models were missing (their time is not in the totals)."""
    run_hours = float(training["run-hours"].sum())
    return {
        "models": int(training["models"].sum()),
        "epochs": int(training["epochs"].sum()),
        "run_hours": run_hours,
        "wall_hours": run_hours / runs_at_once,
        "missing": int(training["models missing"].sum()),
    }


def floor_hours(tflop: float, matmul_gflops: float) -> float:
    """Hours `tflop` of training steps take at `matmul_gflops`, a machine's fp32 matrix-product rate on all its
    cores: the least any fp32 engine could train them in there (every FLOP at matmul speed, nothing else run)."""
    if not matmul_gflops > 0:
        raise ValueError(f"matmul_gflops={matmul_gflops!r} must be > 0 (`make bench` measures it).")
    return tflop * 1e3 / matmul_gflops / 3600


def main(argv: list[str] | None = None) -> None:
    from mnist_helpers.reproduce.run_record import load_metrics

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", nargs="?", default="artifacts/full", help="a profile's folder (artifacts/full)")
    parser.add_argument(
        "--matmul-gflops", type=float, default=None, help="this machine's fp32 matmul GFLOP/s (`make bench` prints it)"
    )
    args = parser.parse_args(argv)
    run_dir = Path(args.run_dir)
    if not (run_dir / "metrics").is_dir():
        parser.exit(2, f"training_cost: {run_dir}/metrics does not exist; pass a profile's folder (artifacts/full)\n")
    metrics = load_metrics(run_dir.parent, run_dir.name)
    table = training_table(metrics, run_dir / "models")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    total = training_summary(table)
    print(f"all: {total['models']} models, {total['epochs']} epochs, {total['run_hours']:.2f} run-hours")
    print(f"{RUNS_AT_ONCE} runs at a time: about {total['wall_hours']:.1f} hours of training, wall")
    if total["missing"]:
        where = run_dir / "models"
        print(f"{total['missing']} models are not in {where}: their time is not counted (they are not committed)")
    by_model = model_table(metrics, run_dir / "models")
    if len(by_model):
        print("\nBy model, most run-hours first:")
        print(by_model.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
        if args.matmul_gflops is not None:
            tflop = float(by_model["TFLOP"].sum())
            hours = floor_hours(tflop, args.matmul_gflops)
            print(
                f"{tflop:.0f} TFLOP of training steps at {args.matmul_gflops:.0f} GFLOP/s: at least {hours:.2f} hours"
            )


if __name__ == "__main__":
    main()
