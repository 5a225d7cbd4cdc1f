"""How long the models behind a run took to train: the from-scratch cost of a profile, as its own runs measured it.

Every saved model carries its History, whose rows hold the seconds each epoch took as it trained (training plus
that epoch's evaluation, whatever else shared the machine). Summed over the models each chapter's record lists
(`models`), they give what re-running the profile without its saved models would cost, chapter by chapter; a model
two chapters use counts in the first. `python -m mnist_helpers.reproduce.training_cost artifacts/full` prints it.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mnist_helpers.core.paths import resolve_dir

if TYPE_CHECKING:
    import pandas as pd

RUNS_AT_ONCE = 2  # a sweep on 2 cores runs two one-thread runs side by side


def model_seconds(path: Path) -> tuple[int, float]:
    """(epochs, seconds) of one saved model's History; ValueError naming the file when it holds none."""
    from mnist_helpers.recipes.saved import keras_meta
    from mnist_helpers.training.checkpoints import weights_meta

    meta = keras_meta(path) if path.name.endswith(".h5") else weights_meta(path)
    rows = ((meta or {}).get("history") or {}).get("rows")
    if not rows:
        raise ValueError(f"{path}: no training history in it (an older format?); delete it and re-run its chapter.")
    return len(rows), float(sum(r["seconds"] for r in rows))


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


def main(argv: list[str] | None = None) -> None:
    from mnist_helpers.reproduce.run_record import load_metrics

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", nargs="?", default="artifacts/full", help="a profile's folder (artifacts/full)")
    args = parser.parse_args(argv)
    run_dir = Path(args.run_dir)
    if not (run_dir / "metrics").is_dir():
        parser.exit(2, f"training_cost: {run_dir}/metrics does not exist; pass a profile's folder (artifacts/full)\n")
    table = training_table(load_metrics(run_dir.parent, run_dir.name), run_dir / "models")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    total = float(table["run-hours"].sum())
    print(f"all: {int(table['models'].sum())} models, {int(table['epochs'].sum())} epochs, {total:.2f} run-hours")
    print(f"{RUNS_AT_ONCE} runs at a time: about {total / RUNS_AT_ONCE:.1f} hours of training, wall")
    if missing := int(table["models missing"].sum()):
        print(f"{missing} models are not in {run_dir / 'models'}: their time is not counted (they are not committed)")


if __name__ == "__main__":
    main()
