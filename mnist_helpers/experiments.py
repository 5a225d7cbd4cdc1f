"""Chapter recipes: train (or reuse) one model on a split, with its artifacts saved beside the parameters."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import torch

from mnist_helpers import augment as aug
from mnist_helpers import models
from mnist_helpers.atomic import read_json, write_json
from mnist_helpers.data import MEAN, STD, load_mnist, stratified_subset, to_keras, to_tensor
from mnist_helpers.history import History
from mnist_helpers.provenance import Run, code_version
from mnist_helpers.train import fit, load_weights, predict_proba, reconstruct, save_weights, seed_everything

if TYPE_CHECKING:
    import pandas as pd

# name -> (builder, loss, inputs normalised with MEAN/STD?)
CLASSIFIERS: dict[str, tuple[Callable[..., torch.nn.Module], str, bool]] = {
    "mlp": (models.MLP, "cross_entropy", True),
    "shah_cnn": (models.ShahCNN, "nll", True),
    "dutta_torch": (models.DuttaCNNTorch, "cross_entropy", False),
}
AUTOENCODERS = {"dense_ae": models.DenseAutoencoder, "conv_ae": models.ConvAutoencoder}


@dataclass(frozen=True)
class Split:
    """The images (uint8) and labels a chapter trains and tests on."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


@dataclass
class Trained:
    """A trained model with its history and its test-set outputs (probabilities or reconstructions)."""

    tag: str
    model: Any
    history: History
    outputs: np.ndarray
    reused: bool

    @property
    def predictions(self) -> np.ndarray:
        return self.outputs.argmax(axis=1)


def load_split(train_size: int, test_size: int, seed: int = 0) -> Split:
    """MNIST's official split, or deterministic class-stratified subsets of it (quick profile)."""
    ds = load_mnist()
    tr = stratified_subset(ds.train_labels, train_size, seed)
    te = stratified_subset(ds.test_labels, test_size, seed)
    return Split(ds.train_images[tr], ds.train_labels[tr], ds.test_images[te], ds.test_labels[te])


def shah_augmentation(normalized: bool = True) -> Callable[[torch.Tensor, torch.Generator], torch.Tensor]:
    """Shah's C7 pipeline as a batch transform; the background fill follows the input's normalisation."""
    return functools.partial(aug.shah_augment, fill=-MEAN / STD if normalized else 0.0)


def _reusable(path: Path, key: dict[str, Any]) -> bool:
    """True when a saved artifact was made with exactly `key` (parameters and code version)."""
    meta_path = path.with_suffix(".json")
    if not (path.exists() and meta_path.exists()):
        return False
    saved = read_json(meta_path).get("key")
    if saved != key:
        print(f"{path.name}: made with other parameters or code; retraining.", flush=True)
        return False
    return True


def _train_torch(tag: str, model: torch.nn.Module, run: Run, reuse: bool, key: dict[str, Any],
                 x_train: torch.Tensor, y_train: Any, x_test: torch.Tensor, y_test: Any, output: str,
                 **fit_kwargs: Any) -> Trained:
    """Train with `fit` (resumable through a checkpoint) or reuse a matching saved model."""
    weights = run.path("models", f"{tag}.pt")
    if reuse and _reusable(weights, key):
        load_weights(model, weights)
        history = History.from_json(weights.with_suffix(".history.json"))
        reused = True
    else:
        checkpoint = run.path("checkpoints", f"{tag}.ckpt")
        history = fit(model, x_train, y_train, x_test, y_test, checkpoint=checkpoint, **fit_kwargs)
        save_weights(model, weights, meta={"key": key})
        history.to_json(weights.with_suffix(".history.json"))
        write_json(weights.with_suffix(".json"), {"key": key})
        checkpoint.unlink(missing_ok=True)
        reused = False
    outputs = reconstruct(model, x_test) if output == "reconstruction" else predict_proba(model, x_test)
    return Trained(tag, model, history, outputs, reused)


def train_classifier(name: str, split: Split, run: Run, *, epochs: int, batch_size: int, optimizer: str = "adam",
                     lr: float = 1e-3, decay: float = 0.0, augment: bool = False, seed: int = 0,
                     reuse: bool = True, model_kwargs: dict[str, Any] | None = None) -> Trained:
    """Train one of CLASSIFIERS (torch engine) on `split`, or reuse the saved model made with the same settings."""
    if name not in CLASSIFIERS:
        raise ValueError(f"classifier name={name!r} is not known; use one of {', '.join(CLASSIFIERS)}.")
    build, loss, normalized = CLASSIFIERS[name]
    key = {"name": name, "epochs": epochs, "batch_size": batch_size, "optimizer": optimizer, "lr": lr, "decay": decay,
           "augment": augment, "seed": seed, "n_train": len(split.train_labels), "n_test": len(split.test_labels),
           "model_kwargs": model_kwargs or {}, "code_version": code_version()}
    seed_everything(seed)
    model = build(**(model_kwargs or {}))
    x_train, x_test = to_tensor(split.train_images, normalized), to_tensor(split.test_images, normalized)
    y_train, y_test = torch.from_numpy(split.train_labels.astype(np.int64)), torch.from_numpy(split.test_labels.astype(np.int64))
    tag = f"{name}-{optimizer}-seed{seed}"
    return _train_torch(tag, model, run, reuse, key, x_train, y_train, x_test, y_test, "probabilities",
                        epochs=epochs, batch_size=batch_size, optimizer=optimizer, lr=lr, decay=decay, loss=loss,
                        augment=shah_augmentation(normalized) if augment else None, seed=seed)


def train_autoencoder(kind: str, code_size: int, split: Split, run: Run, *, epochs: int, batch_size: int,
                      lr: float = 1e-3, seed: int = 0, reuse: bool = True) -> Trained:
    """Train a dense or convolutional autoencoder (MSE on [0, 1] pixels) at one code size, or reuse it."""
    if kind not in AUTOENCODERS:
        raise ValueError(f"autoencoder kind={kind!r} is not known; use one of {', '.join(AUTOENCODERS)}.")
    key = {"kind": kind, "code_size": code_size, "epochs": epochs, "batch_size": batch_size, "lr": lr, "seed": seed,
           "n_train": len(split.train_labels), "n_test": len(split.test_labels), "code_version": code_version()}
    seed_everything(seed)
    model = AUTOENCODERS[kind](code_size)
    x_train, x_test = to_tensor(split.train_images, False), to_tensor(split.test_images, False)
    return _train_torch(f"{kind}-{code_size}-seed{seed}", model, run, reuse, key, x_train, None, x_test, None,
                        "reconstruction", epochs=epochs, batch_size=batch_size, lr=lr, loss="mse", seed=seed)


def train_keras_dutta(split: Split, run: Run, *, epochs: int, batch_size: int, optimizer: str = "adam",
                      lr: float = 1e-3, decay: float = 0.0, rotation_factor: float = 10 / 360, seed: int = 0,
                      reuse: bool = True) -> Trained:
    """Dutta's Keras CNN trained with `fit` (torch backend), or reused when saved with the same settings."""
    from mnist_helpers.keras_models import dutta_cnn
    from mnist_helpers.keras_train import fit_keras, keras_predict_proba

    key = {"name": "dutta_keras", "epochs": epochs, "batch_size": batch_size, "optimizer": optimizer, "lr": lr,
           "decay": decay, "rotation_factor": rotation_factor, "seed": seed, "n_train": len(split.train_labels),
           "n_test": len(split.test_labels), "code_version": code_version()}
    tag = f"dutta_keras-{optimizer}-seed{seed}"
    weights = run.path("models", f"{tag}.weights.h5")
    meta = weights.with_name(f"{tag}.json")
    model = dutta_cnn(rotation_factor=rotation_factor, seed=seed)
    x_test = to_keras(split.test_images)
    if reuse and meta.exists() and weights.exists() and read_json(meta).get("key") == key:
        try:
            model.load_weights(weights)
        except Exception as e:  # h5py/keras raise many types for a damaged file
            raise ValueError(f"{weights}: cannot be read ({type(e).__name__}); delete it and re-run this chapter.") from None
        history, reused = History.from_json(weights.with_name(f"{tag}.history.json")), True
    else:
        history = fit_keras(model, to_keras(split.train_images), split.train_labels, x_test, split.test_labels,
                            epochs=epochs, batch_size=batch_size, optimizer=optimizer, lr=lr, decay=decay, seed=seed)
        partial = weights.with_name(f".{tag}.partial.weights.h5")  # Keras insists on the suffix; moved into place below
        model.save_weights(partial)
        os.replace(partial, weights)
        history.to_json(weights.with_name(f"{tag}.history.json"))
        write_json(meta, {"key": key})
        reused = False
    return Trained(tag, model, history, keras_predict_proba(model, x_test), reused)


def train_dutta(engine: str, split: Split, run: Run, *, epochs: int, batch_size: int, optimizer: str, lr: float,
                decay: float, rotation_factor: float, seed: int, reuse: bool = True) -> Trained:
    """Dutta's CNN with Keras `fit` (engine="keras") or its layer-for-layer torch twin in our engine ("torch")."""
    if engine == "keras":
        return train_keras_dutta(split, run, epochs=epochs, batch_size=batch_size, optimizer=optimizer, lr=lr,
                                 decay=decay, rotation_factor=rotation_factor, seed=seed, reuse=reuse)
    if engine != "torch":
        raise ValueError(f"engine={engine!r} is not known; use keras or torch.")
    return train_classifier("dutta_torch", split, run, epochs=epochs, batch_size=batch_size, optimizer=optimizer,
                            lr=lr, decay=decay, seed=seed, reuse=reuse,
                            model_kwargs={"rotation_factor": rotation_factor, "seed": seed})


def comparison_table(rows: list[tuple[str, float, float]]) -> "pd.DataFrame":
    """Seed figure, ours and the difference, one row per (claim, seed value, our value)."""
    import pandas as pd

    table = pd.DataFrame(rows, columns=["claim", "seed report", "ours"]).set_index("claim")
    table["ours − seed"] = table["ours"] - table["seed report"]
    return table.round(4)


def saved_classifier(name: str, split: Split, run: Run) -> Trained | None:
    """The newest model `name` saved under this profile for the same test set and code, or None (chapter 7 reuse)."""
    build, _, normalized = CLASSIFIERS[name]
    folder = run.root / "models"
    for weights in sorted(folder.glob(f"{name}-*.pt"), key=lambda p: p.stat().st_mtime, reverse=True):
        if weights.name.endswith(".history.json") or not weights.with_suffix(".json").exists():
            continue
        key = read_json(weights.with_suffix(".json")).get("key", {})
        if key.get("code_version") != code_version() or key.get("n_test") != len(split.test_labels):
            print(f"{weights.name}: made by other code or on another test set; not reused.", flush=True)
            continue
        model = build()
        load_weights(model, weights)
        history = History.from_json(weights.with_suffix(".history.json"))
        probs = predict_proba(model, to_tensor(split.test_images, normalized))
        return Trained(weights.stem, model, history, probs, reused=True)
    return None


def optimizer_summary(runs: dict[str, list[Trained]], y_test: np.ndarray) -> "pd.DataFrame":
    """Per optimizer: test accuracy (%) and loss, mean ± std over seeds, and the per-seed accuracies."""
    import pandas as pd

    from mnist_helpers.evaluate import accuracy, format_mean_std, log_loss, summarize_runs

    rows = []
    for opt, trained in runs.items():
        accs = [100 * accuracy(y_test, t.predictions) for t in trained]
        losses = [log_loss(y_test, t.outputs) for t in trained]
        rows.append({"optimizer": opt, "runs": len(trained), "test accuracy (%)": format_mean_std(*summarize_runs(accs)),
                     "test loss": format_mean_std(*summarize_runs(losses), digits=4),
                     "per seed (%)": ", ".join(f"{a:.2f}" for a in accs)})
    return pd.DataFrame(rows).set_index("optimizer")


def paired_mcnemar(runs: dict[str, list[Trained]], y_test: np.ndarray, seeds: list[int]) -> "pd.DataFrame":
    """McNemar's exact test between the first two optimizers' models, seed by seed."""
    import pandas as pd

    from mnist_helpers.evaluate import mcnemar

    (name_a, a_runs), (name_b, b_runs) = list(runs.items())[:2]
    rows = []
    for seed, a, b in zip(seeds, a_runs, b_runs):
        test = mcnemar(y_test, a.predictions, b.predictions, name_a=name_a, name_b=name_b)
        rows.append({"seed": seed, "b (only B wrong)": test["b"], "c (only A wrong)": test["c"], "p value": test["p_value"],
                     "significant": bool(test["significant"]), "better": test["better"]})
    return pd.DataFrame(rows).set_index("seed")


def gap_verdict(gap_pp: list[float], paired: "pd.DataFrame", seed_gap_pp: float = 0.44) -> str:
    """Whether the seed's Adam-over-RMSProp gap shows up here: size, sign and significance."""
    mean = float(np.mean(gap_pp))
    n_sig = int(paired["significant"].sum())
    if n_sig == 0:
        return f"not reproduced: no seed shows a significant difference (mean gap {mean:+.2f} points vs {seed_gap_pp:+.2f})"
    if n_sig == len(paired) and mean > 0:
        return f"direction reproduced: Adam significantly better in every seed (mean gap {mean:+.2f} points vs {seed_gap_pp:+.2f})"
    return f"mixed: significant in {n_sig} of {len(paired)} seeds (mean gap {mean:+.2f} points vs {seed_gap_pp:+.2f})"


AE_NAMES = {"dense_ae": "dense autoencoder", "conv_ae": "conv autoencoder", "pca": "PCA"}


def pca_reconstructions(split: Split, code_sizes: list[int], seed: int = 0) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """PCA fitted on the training images at each code size: {code_size: (test codes, test reconstructions)}."""
    from mnist_helpers.compress import pca_baseline

    flat = lambda images: images.reshape(len(images), -1).astype(np.float32) / 255.0
    return {k: pca_baseline(flat(split.train_images), flat(split.test_images), k, seed) for k in code_sizes}


def codec_throughput(model: torch.nn.Module, images: torch.Tensor, batch_size: int = 1000) -> tuple[float, float]:
    """Images per second through the encoder and through the decoder (batched inference, one pass each)."""
    import time

    from mnist_helpers.train import encode

    start = time.perf_counter()
    codes = encode(model, images, batch_size)
    encode_s = time.perf_counter() - start
    start = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(codes), batch_size):
            model.decode(torch.from_numpy(codes[i : i + batch_size]))
    return len(images) / encode_s, len(images) / (time.perf_counter() - start)


def compression_table(split: Split, autoencoders: dict[tuple[str, int], Trained],
                      pca: dict[int, tuple[np.ndarray, np.ndarray]]) -> "pd.DataFrame":
    """Rate-distortion rows for every autoencoder and PCA code size: ratio, MSE, PSNR, SSIM, params, throughput."""
    from mnist_helpers.compress import pca_parameters, rate_distortion_table, reconstruction_metrics

    original = split.test_images.astype(np.float32) / 255.0
    x = to_tensor(split.test_images, normalize=False)
    rows = []
    for (kind, k), trained in autoencoders.items():
        enc, dec = codec_throughput(trained.model, x)
        rows.append({"method": AE_NAMES[kind], "code_size": k, **reconstruction_metrics(original, trained.outputs[:, 0]),
                     "params": models.count_parameters(trained.model), "encode img/s": enc, "decode img/s": dec})
    for k, (_, recon) in pca.items():
        rows.append({"method": AE_NAMES["pca"], "code_size": k, **reconstruction_metrics(original, recon.reshape(-1, 28, 28)),
                     "params": pca_parameters(k)})
    extra = {(r["method"], r["code_size"]): (r.get("encode img/s"), r.get("decode img/s")) for r in rows}
    table = rate_distortion_table(rows)
    table["encode img/s"] = [extra[(m, c)][0] for m, c in zip(table["method"], table["code_size"])]
    table["decode img/s"] = [extra[(m, c)][1] for m, c in zip(table["method"], table["code_size"])]
    return table


def pair_overlap(pairs: "pd.DataFrame", claimed: tuple[str, ...], top: int) -> int:
    """How many of the claimed unordered pairs ("2↔7") are among the `top` most confused pairs here."""
    canon = lambda p: tuple(sorted(p.split("↔")))
    ours = {canon(p) for p in pairs["pair"].head(top)}
    return sum(canon(p) in ours for p in claimed)
