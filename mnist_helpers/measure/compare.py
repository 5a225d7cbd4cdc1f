"""Comparing groups of trained runs (e.g. one per optimizer, several seeds each): summaries and paired tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mnist_helpers.measure.metrics import accuracy, format_mean_std, log_loss, mcnemar, mean_interval, summarize_runs
from mnist_helpers.models.kinds import is_keras

if TYPE_CHECKING:
    from mnist_helpers.recipes.saved import Trained
    from mnist_helpers.reproduce.run_record import Run


def optimizer_summary(runs: dict[str, list[Trained]], y_test: np.ndarray) -> pd.DataFrame:
    """Per optimizer: test accuracy (%) and loss, mean ± std over seeds, and the per-seed accuracies."""
    rows = []
    for opt, trained in runs.items():
        accs = [100 * accuracy(y_test, t.predictions) for t in trained]
        losses = [log_loss(y_test, t.outputs) for t in trained]
        rows.append(
            {
                "optimizer": opt,
                "runs": len(trained),
                "test accuracy (%)": format_mean_std(*summarize_runs(accs)),
                "test loss": format_mean_std(*summarize_runs(losses), digits=4),
                "per seed (%)": ", ".join(f"{a:.2f}" for a in accs),
            }
        )
    return pd.DataFrame(rows).set_index("optimizer")


def paired_mcnemar(
    runs: dict[str, list[Trained]], y_test: np.ndarray | Sequence[np.ndarray], seeds: list[int]
) -> pd.DataFrame:
    """McNemar's exact test between the first two optimizers' models, seed by seed; `y_test` is one label array
    for all seeds or one per seed (the author's protocol draws a validation split per seed)."""
    (name_a, a_runs), (name_b, b_runs) = list(runs.items())[:2]
    rows = []
    for seed, a, b, y in zip(seeds, a_runs, b_runs, _labels_per_seed(y_test, len(a_runs))):
        test = mcnemar(y, a.predictions, b.predictions, name_a=name_a, name_b=name_b)
        rows.append(
            {
                "seed": seed,
                "b (only B wrong)": test["b"],
                "c (only A wrong)": test["c"],
                "p value": test["p_value"],
                "significant": bool(test["significant"]),
                "better": test["better"],
            }
        )
    return pd.DataFrame(rows).set_index("seed")


def _labels_per_seed(y_test: np.ndarray | Sequence[np.ndarray], n: int) -> list[np.ndarray]:
    """One label array per seed: the same for all (shared test set) or one each (per-seed splits)."""
    if isinstance(y_test, np.ndarray) and y_test.ndim == 1:
        return [y_test] * n
    if len(y_test) != n:
        raise ValueError(f"y_test holds {len(y_test)} label arrays for {n} seeds; pass one per seed or one shared.")
    return [np.asarray(y) for y in y_test]


def discordant_share(
    a_runs: Sequence[Trained], b_runs: Sequence[Trained], y_test: np.ndarray | Sequence[np.ndarray]
) -> float:
    """The mean, over pairs of runs (seed by seed), of the share of images exactly one of the pair classifies right:
    what `claims.paired_comparison` needs to tell the images' shared error from the seeds' own."""
    if len(a_runs) != len(b_runs) or not a_runs:
        raise ValueError(f"{len(a_runs)} and {len(b_runs)} runs: pair them seed by seed (at least one pair).")
    ys = _labels_per_seed(y_test, len(a_runs))
    return float(
        np.mean([np.mean((a.predictions == y) != (b.predictions == y)) for a, b, y in zip(a_runs, b_runs, ys)])
    )


REPORT_GAP = ("adam", "rmsprop")  # the report's gap: Adam (C1) minus RMSprop (C2)


def paired_gaps(
    runs: dict[str, list[Trained]], y_test: np.ndarray | Sequence[np.ndarray], order: tuple[str, str] = REPORT_GAP
) -> pd.DataFrame:
    """Per seed: `order[0]` minus `order[1]` accuracy (points) and the share of images exactly one gets right.

    The sign comes from the names, never from the order of `runs` (a profile may list the optimizers either
    way). `y_test` is the labels both runs of a seed were scored on: one array for all seeds, or one per seed
    (the author's protocol draws a validation split per seed)."""
    missing = [name for name in order if name not in runs]
    if missing:
        raise ValueError(f"runs has no {missing} runs (it has {list(runs)}): the gap is {order[0]} − {order[1]}.")
    (name_a, a_runs), (name_b, b_runs) = ((name, runs[name]) for name in order)
    if len(a_runs) != len(b_runs):
        raise ValueError(f"runs: {len(a_runs)} {name_a} runs but {len(b_runs)} {name_b} runs; pair them seed by seed.")
    rows = []
    for a, b, y in zip(a_runs, b_runs, _labels_per_seed(y_test, len(a_runs))):
        right_a, right_b = a.predictions == y, b.predictions == y
        rows.append(
            {
                f"{name_a} (%)": 100 * float(right_a.mean()),
                f"{name_b} (%)": 100 * float(right_b.mean()),
                "gap (points)": 100 * float(right_a.mean() - right_b.mean()),
                "discordant share": float(np.mean(right_a != right_b)),
                "images": len(y),
            }
        )
    return pd.DataFrame(rows)


def heldout_accuracy_pct(
    trained: Trained, images: np.ndarray, labels: np.ndarray, run: Run | None = None, device: str = "cpu"
) -> float:
    """Accuracy (%) of a trained Dutta or torch classifier on images other than those it was scored on in training
    (chapter 5: the official test set beside the validation split). A torch model predicts on images normalised
    as in training; a Keras model predicts directly, or, when a sweep worker kept it (`model` None), is rebuilt
    and its weights read from `run`'s models folder, where train_keras_dutta saved them."""
    model = trained.model
    if model is None:
        model = _saved_keras_dutta(trained, run)
    if not is_keras(model):
        from mnist_helpers.data.mnist import to_tensor
        from mnist_helpers.training.inference import predict_proba

        normalized = (trained.key or {}).get("normalized", True)
        probs = predict_proba(model, to_tensor(images, normalized), device=device)
    else:
        from mnist_helpers.data.mnist import to_keras
        from mnist_helpers.training.keras_fit import keras_predict_proba

        probs = keras_predict_proba(model, to_keras(images), device=device)
    return 100 * accuracy(labels, probs.argmax(axis=1))


def heldout_pct_per_seed(
    runs: dict[str, list[Trained]],
    test_sets: Sequence[tuple[np.ndarray, np.ndarray]],
    run: Run | None = None,
    device: str = "cpu",
) -> dict[str, list[float]]:
    """`heldout_accuracy_pct` (%) of every run: runs[group][i] on test_sets[i], one (images, labels) per seed."""
    for group, trained in runs.items():
        if len(trained) != len(test_sets):
            raise ValueError(
                f"runs[{group!r}] has {len(trained)} runs for {len(test_sets)} test sets; pass one per seed."
            )
    return {
        g: [heldout_accuracy_pct(t, *xy, run, device) for t, xy in zip(trained, test_sets)]
        for g, trained in runs.items()
    }


def _saved_keras_dutta(trained: Trained, run: Run | None) -> Any:
    """Dutta's Keras model of `trained`, rebuilt from its key and loaded from <run>/models/<tag>.weights.h5."""
    key = trained.key or {}
    weights = None if run is None else run.root / "models" / f"{trained.tag}.weights.h5"
    if key.get("name") != "dutta_keras" or weights is None or not weights.exists():
        raise ValueError(
            f"{trained.tag}: the run came back without its model and no saved Keras weights were found "
            f"({weights}); pass the chapter's `run`, or score the model where it was trained."
        )
    from mnist_helpers.models.keras_cnn import dutta_cnn
    from mnist_helpers.recipes.saved import load_keras_weights

    model = dutta_cnn(rotation_factor=key["rotation_factor"], seed=key["seed"])
    load_keras_weights(model, weights)
    return model


def pair_confusion_pct(labels: np.ndarray, predictions: np.ndarray, a: int = 6, b: int = 9) -> float:
    """Percent of the test images of digits `a` and `b` read as the other one of the pair (claim C19: 6 and 9)."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    pair = (labels == a) | (labels == b)
    if not pair.any():
        raise ValueError(f"no test image is a {a} or a {b}: the pair's confusion is undefined on these labels.")
    swapped = ((labels == a) & (predictions == b)) | ((labels == b) & (predictions == a))
    return 100 * float(swapped.sum() / pair.sum())


def epochs_to_reach(test_acc_pct: Sequence[float], threshold_pct: float) -> int:
    """The first epoch (1-based) whose accuracy reaches `threshold_pct`; a run that never does counts as one epoch
    more than it ran (censored: "not within N epochs"), so slower never reads as faster."""
    for epoch, value in enumerate(test_acc_pct, start=1):
        if value >= threshold_pct:
            return epoch
    return len(test_acc_pct) + 1


def flip_over_seeds(
    tables_per_seed: list[dict[str, pd.DataFrame]], confidence: float = 0.95
) -> dict[str, pd.DataFrame]:
    """`flip_tables` of several seeds' models summarised per flip and digit: the mean share read as the other digit
    and as itself, and the t interval of the first mean over the seeds (`measure.mean_interval`: the seeds'
    spread; every model sees the same flipped images)."""
    if not tables_per_seed:
        raise ValueError("tables_per_seed is empty: pass flip_tables(...) of each seed's model.")
    out = {}
    for flip in tables_per_seed[0]:
        rows = []
        for digit in tables_per_seed[0][flip].index:
            other = [t[flip].loc[digit, "read as the other digit (%)"] for t in tables_per_seed]
            summary = mean_interval(other, confidence)
            rows.append(
                {
                    "flipped digit": digit,
                    "images": int(tables_per_seed[0][flip].loc[digit, "images"]),
                    "other digit": int(tables_per_seed[0][flip].loc[digit, "other digit"]),
                    "read as the other digit (%)": summary["mean"],
                    f"{confidence:.0%} interval (%)": f"{summary['low']:.1f} to {summary['high']:.1f}"
                    if summary["n"] > 1
                    else "one seed",
                    "read as itself (%)": float(
                        np.mean([t[flip].loc[digit, "read as itself (%)"] for t in tables_per_seed])
                    ),
                    "seeds": summary["n"],
                }
            )
        out[flip] = pd.DataFrame(rows).set_index("flipped digit")
    return out
