"""Train a model, or reuse the one saved under the profile with the same settings: the chapters' recipes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from mnist_helpers.augment import transforms as aug
from mnist_helpers.core.env import keras_on_torch
from mnist_helpers.core.locks import locks_run_folder
from mnist_helpers.data.mnist import MNIST, to_keras, to_tensor
from mnist_helpers.models import torch_nets as models
from mnist_helpers.recipes.saved import (
    CLASSIFIER_DEFAULTS,
    Trained,
    announce,
    classifier_key,
    classifier_tag,
    keras_meta,
    load_keras_weights,
    model_key,
    save_keras_weights,
    saved_history,
    stored_meta,
    validation_split,
)
from mnist_helpers.training.checkpoints import load_weights, save_weights, weights_meta
from mnist_helpers.training.inference import predict_proba, reconstruct
from mnist_helpers.training.seeding import seed_everything
from mnist_helpers.training.torch_fit import fit

if TYPE_CHECKING:  # recipes sit below reproduce: they take any run folder, Run is the one in use
    from mnist_helpers.reproduce.run_record import Run


def _train_torch(
    tag: str,
    model: torch.nn.Module,
    run: Run,
    reuse: bool,
    key: dict[str, Any],
    x_train: torch.Tensor,
    y_train: Any,
    x_test: torch.Tensor,
    y_test: Any,
    output: str,
    **fit_kwargs: Any,
) -> Trained:
    """Train with `fit` (resumable through a checkpoint) or reuse a matching saved model."""
    weights = run.path("models", f"{tag}.pt")
    history = saved_history(weights_meta(weights), key, weights) if reuse and weights.exists() else None
    if history is not None:
        load_weights(model, weights)
    else:
        checkpoint = run.path("checkpoints", f"{tag}.ckpt")
        history = fit(model, x_train, y_train, x_test, y_test, checkpoint=checkpoint, run_key=key, **fit_kwargs)
        save_weights(model, weights, meta=stored_meta(key, history))  # one file: weights, key and history together
        checkpoint.unlink(missing_ok=True)
        reuse = False
    outputs = reconstruct(model, x_test) if output == "reconstruction" else predict_proba(model, x_test)
    return Trained(tag, model, history, outputs, reuse, key)


@locks_run_folder
def train_classifier(
    name: str,
    split: MNIST,
    run: Run,
    *,
    epochs: int,
    batch_size: int,
    optimizer: str = "adam",
    lr: float = 1e-3,
    decay: float = 0.0,
    augment: bool = False,
    seed: int = 0,
    reuse: bool = True,
    model_kwargs: dict[str, Any] | None = None,
    decay_mode: str = "inverse_time",  # "inverse_time": Keras per-step lr decay | "l2": torch weight_decay
    normalize: bool | None = None,  # None: the model's own input scaling; True: Shah's mean/std; False: pixels/255
    augment_mode: str = "faithful",  # Shah's pipeline: "faithful" (PIL pixel for pixel) | "single_warp"
    variant: str = "",  # a name for these settings, appended to the saved files' tag (ablations: "l2-raw")
    device: str = "cpu",  # "cpu" | "cuda": where training and inference run
    label: str | None = None,  # printed as "== label ==" before the run's log
) -> Trained:
    """Train one of CLASSIFIERS (torch engine) on `split`, or reuse the saved model made with the same settings.

    Runs that differ from the defaults (an ablation) need their own `variant`, or they overwrite each other's files.
    """
    announce(label)
    if name not in models.CLASSIFIERS:
        raise ValueError(f"classifier name={name!r} is not known; use one of {', '.join(models.CLASSIFIERS)}.")
    build = models.MODELS[name]
    loss = build.loss
    normalized = build.normalized_input if normalize is None else bool(normalize)
    key = classifier_key(
        name,
        split,
        epochs=epochs,
        batch_size=batch_size,
        optimizer=optimizer,
        lr=lr,
        decay=decay,
        augment=augment,
        seed=seed,
        model_kwargs=model_kwargs,
        decay_mode=decay_mode,
        normalize=normalize,
        augment_mode=augment_mode,
        variant=variant,
        device=device,
    )
    seed_everything(seed)
    model = build(**(model_kwargs or {}))
    x_train, x_test = to_tensor(split.train_images, normalized), to_tensor(split.test_images, normalized)
    y_train, y_test = (
        torch.from_numpy(split.train_labels.astype(np.int64)),
        torch.from_numpy(split.test_labels.astype(np.int64)),
    )
    tag = classifier_tag(name, optimizer, seed, variant)
    return _train_torch(
        tag,
        model,
        run,
        reuse,
        key,
        x_train,
        y_train,
        x_test,
        y_test,
        "probabilities",
        epochs=epochs,
        batch_size=batch_size,
        optimizer=optimizer,
        lr=lr,
        decay=decay,
        decay_mode=decay_mode,
        loss=loss,
        augment=aug.shah_augmentation(normalized, mode=augment_mode) if augment else None,
        seed=seed,
        device=device,
    )


@locks_run_folder
def train_autoencoder(
    kind: str,
    code_size: int,
    split: MNIST,
    run: Run,
    *,
    epochs: int,
    batch_size: int,
    lr: float = 1e-3,
    seed: int = 0,
    reuse: bool = True,
    max_epochs: int | None = None,  # with patience: train up to this many epochs instead of `epochs`
    patience: int | None = None,  # stop once validation MSE has made no real gain for this many epochs
    min_delta: float = 0.0,  # a real gain: a fall of more than this fraction of the MSE at the last gain
    lr_patience: int | None = None,  # with patience: halve the learning rate after this many epochs without a gain
    val_size: int = 5000,  # images held out of the training images for validation (patience only)
    device: str = "cpu",  # "cpu" | "cuda": where training and inference run
    label: str | None = None,  # printed as "== label ==" before the run's log
) -> Trained:
    """Train a dense or convolutional autoencoder (MSE on [0, 1] pixels) at one code size, or reuse it.

    With `patience`, `val_size` training images (a seeded random choice) are held out, training runs up
    to `max_epochs` until their MSE has fallen by no more than `min_delta` (a fraction) of its value at the last
    gain for `patience` epochs (with `lr_patience`, the learning rate is halved after that many epochs without a
    gain), and the lowest-MSE epoch's weights are kept; the history records val_loss per
    epoch and meta "best_epoch"/"last_gain_epoch"/"stopped_epoch". The test set is never looked at to stop.
    """
    announce(label)
    if kind not in models.AUTOENCODERS:
        raise ValueError(f"autoencoder kind={kind!r} is not known; use one of {', '.join(models.AUTOENCODERS)}.")
    key = model_key(
        split,
        models.MODELS[kind],
        kind=kind,
        code_size=code_size,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        max_epochs=max_epochs,
        patience=patience,
        min_delta=min_delta if patience else 0.0,
        lr_patience=lr_patience if patience else None,
        val_size=val_size if patience else 0,
        device=device,
    )
    seed_everything(seed)
    model = models.MODELS[kind](code_size)
    x_train, x_test = to_tensor(split.train_images, False), to_tensor(split.test_images, False)
    stopping: dict[str, Any] = {}
    if patience is not None:
        train_idx, val_idx = validation_split(len(x_train), val_size, seed)
        stopping = dict(val_x=x_train[val_idx], patience=patience, min_delta=min_delta, lr_patience=lr_patience)
        x_train = x_train[train_idx]
        epochs = max_epochs or epochs
    return _train_torch(
        f"{kind}-{code_size}-seed{seed}" + ("-converged" if patience is not None else ""),
        model,
        run,
        reuse,
        key,
        x_train,
        None,
        x_test,
        None,
        "reconstruction",
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        loss="mse",
        seed=seed,
        device=device,
        **stopping,
    )


@locks_run_folder
def train_keras_dutta(
    split: MNIST,
    run: Run,
    *,
    epochs: int,
    batch_size: int = 32,  # images per step: the author's
    optimizer: str = "adam",
    lr: float = 1e-3,
    decay: float = 1e-4,  # per-step inverse-time decay: the author's (C11)
    rotation_factor: float = aug.DUTTA_FACTOR,
    seed: int = 0,
    reuse: bool = True,
    device: str = "cpu",
    label: str | None = None,  # printed as "== label ==" before the run's log
) -> Trained:
    """Dutta's Keras CNN trained with `fit` (torch backend), or reused when saved with the same settings."""
    announce(label)
    keras_on_torch()  # torch, or a clear error naming KERAS_BACKEND (not "No module named 'jax'")
    import keras

    from mnist_helpers.core.device import resolve_device
    from mnist_helpers.models.keras_cnn import dutta_cnn  # keras takes seconds to import: only when asked for
    from mnist_helpers.training.keras_fit import fit_keras, keras_predict_proba

    key = model_key(
        split,
        dutta_cnn,
        name="dutta_keras",
        epochs=epochs,
        batch_size=batch_size,
        optimizer=optimizer,
        lr=lr,
        decay=decay,
        rotation_factor=rotation_factor,
        seed=seed,
        device=device,
    )
    tag = f"dutta_keras-{optimizer}-seed{seed}"
    weights = run.path("models", f"{tag}.weights.h5")
    with keras.device(str(resolve_device(device))):  # weights where fit will put the batches
        model = dutta_cnn(rotation_factor=rotation_factor, seed=seed)
    x_test = to_keras(split.test_images)
    history = saved_history(keras_meta(weights), key, weights) if reuse and weights.exists() else None
    if history is not None:
        load_keras_weights(model, weights)
    else:
        checkpoint = run.path("checkpoints", f"{tag}.npz")
        history = fit_keras(
            model,
            to_keras(split.train_images),
            split.train_labels,
            x_test,
            split.test_labels,
            epochs=epochs,
            batch_size=batch_size,
            optimizer=optimizer,
            lr=lr,
            decay=decay,
            seed=seed,
            device=device,
            checkpoint=checkpoint,
            run_key=key,
        )
        save_keras_weights(model, weights, stored_meta(key, history))
        checkpoint.unlink(missing_ok=True)
        reuse = False
    return Trained(tag, model, history, keras_predict_proba(model, x_test, device=device), reuse, key)


def train_dutta(
    engine: str,
    split: MNIST,
    run: Run,
    *,
    epochs: int,
    batch_size: int,
    optimizer: str,
    lr: float,
    decay: float,
    rotation_factor: float,
    seed: int,
    reuse: bool = True,
    device: str = "cpu",
    label: str | None = None,  # printed as "== label ==" before the run's log
) -> Trained:
    """Dutta's CNN with Keras `fit` (engine="keras") or its layer-for-layer torch twin in our engine ("torch")."""
    common = {"epochs": epochs, "batch_size": batch_size, "lr": lr, "decay": decay, "seed": seed, "reuse": reuse}
    common |= {"device": device, "label": label}
    if engine == "keras":
        return train_keras_dutta(split, run, optimizer=optimizer, rotation_factor=rotation_factor, **common)
    if engine != "torch":
        raise ValueError(f"engine={engine!r} is not known; use keras or torch.")
    twin = {"rotation_factor": rotation_factor, "seed": seed}
    keras_exact = f"keras_{optimizer}"  # the twin stands in for Keras: Keras's update rule, step for step
    return train_classifier("dutta_cnn_torch", split, run, optimizer=keras_exact, model_kwargs=twin, **common)


def saved_classifier(name: str, split: MNIST, run: Run, **train_kwargs: Any) -> Trained | None:
    """The model `train_classifier(name, split, run, **train_kwargs)` would reuse, or None with the reason printed.

    Chapter 7 reuses chapter 4's Shah CNN this way: only a model made on the same split (same images), seed,
    settings and code. Without `train_kwargs`, chapter 7's own recipe: run.params' epochs, batch_size and
    seed, with augmentation.
    """
    if not train_kwargs:
        train_kwargs = {k: run.params[k] for k in ("epochs", "batch_size", "seed") if k in run.params}
        train_kwargs["augment"] = True
    settings = {**CLASSIFIER_DEFAULTS, **{k: v for k, v in train_kwargs.items() if k != "reuse"}}
    key = classifier_key(name, split, **settings)
    tag = classifier_tag(name, settings["optimizer"], settings["seed"], settings["variant"])
    weights = run.root / "models" / f"{tag}.pt"
    if not weights.exists():
        print(f"{weights.name}: not saved under {run.root}; nothing to reuse.", flush=True)
        return None
    history = saved_history(weights_meta(weights), key, weights)
    if history is None:
        return None
    build = models.MODELS[name]
    model = build(**(settings["model_kwargs"] or {}))
    load_weights(model, weights)
    probs = predict_proba(model, to_tensor(split.test_images, key["normalized"]))
    return Trained(weights.stem, model, history, probs, True, key)
