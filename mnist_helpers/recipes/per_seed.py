"""One classifier per seed: another chapter's saved model where its recipe matches, the missing seeds trained here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mnist_helpers.data.mnist import MNIST
from mnist_helpers.recipes import sweeps as sweep
from mnist_helpers.recipes import train_or_reuse as reuse
from mnist_helpers.recipes.saved import Trained

if TYPE_CHECKING:  # recipes sit below reproduce: they take any run folder, Run is the one in use
    from mnist_helpers.reproduce.run_record import Run


def classifiers_for_seeds(
    name: str,
    split: MNIST,
    run: Run,
    seeds: Sequence[int],
    recipe: dict[str, Any],
    *,
    reuse_saved: bool = True,  # False: train every seed here (and overwrite its saved model), even when one matches
    label: str | None = None,  # printed per trained seed as "== {label}, seed {s} (trained here) =="
) -> list[Trained]:
    """`name` trained with `recipe` for each of `seeds`, in seed order: saved models reused, only the rest trained.

    Chapter 7 takes chapter 4's Shah CNNs this way; the missing seeds train side by side through `sweep.sweep`.
    """
    saved = [reuse.saved_classifier(name, split, run, seed=s, **recipe) if reuse_saved else None for s in seeds]
    missing = [s for s, m in zip(seeds, saved) if m is None]
    trained = sweep.sweep(
        reuse.train_classifier,
        [{"seed": s, "label": f"{label or name}, seed {s} (trained here)"} for s in missing],
        name=name,
        split=split,
        run=run,
        reuse=reuse_saved,
        **recipe,
    )
    fresh = iter(trained)
    return [m if m is not None else next(fresh) for m in saved]
