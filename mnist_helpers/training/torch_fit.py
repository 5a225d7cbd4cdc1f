"""Training engine for the torch models: seeded, resumable `fit` with a per-epoch History, and batched inference."""

from __future__ import annotations

import copy
import functools
import hashlib
import math
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from mnist_helpers.core.device import resolve_device
from mnist_helpers.training.checkpoints import CHECKPOINT_FORMAT, best_so_far, resume, save_state
from mnist_helpers.training.history import History, epoch_bar, report_epoch, resolve_progress
from mnist_helpers.training.optimizers import make_optimizer
from mnist_helpers.training.stopping import check_min_delta, last_gain_epoch, lr_cuts, stalled

Augment = Callable[[torch.Tensor, torch.Generator], torch.Tensor]

LOSSES = ("cross_entropy", "nll", "mse", "keras_cross_entropy")  # logits, log-probs, reconstruction, Keras's clipped CE


def seed_everything(seed: int) -> None:
    """Seed Python's `random`, NumPy's global RNG and torch's global RNG (call before building a model)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def fit(
    model: nn.Module,
    train_x: torch.Tensor,
    train_y: torch.Tensor | None,
    test_x: torch.Tensor | None,
    test_y: torch.Tensor | None,
    *,
    epochs: int,
    batch_size: int,
    optimizer: str = "adam",
    lr: float = 1e-3,  # initial learning rate
    decay: float = 0.0,  # inverse-time decay per optimizer step (C11)
    loss: str = "cross_entropy",
    augment: Augment | None = None,
    seed: int = 0,
    checkpoint: str | os.PathLike | None = None,
    progress: str = "auto",
    eval_batch_size: int = 1000,  # images per evaluation batch
    channels_last: bool | None = None,  # None: on for models with Conv2d layers and 4-D inputs
    limit_batches: int | None = None,  # cap on training batches per epoch (smoke tests, benchmarks)
    decay_mode: str = "inverse_time",  # what `decay` means: "inverse_time" (Keras, per step) | "l2" (weight_decay)
    val_x: torch.Tensor | None = None,  # a validation split carved from the training images, scored every epoch
    val_y: torch.Tensor | None = None,
    patience: int | None = None,  # stop after this many epochs without a real gain in val_loss; best weights restored
    min_delta: float = 0.0,  # a real gain lowers val_loss by more than this fraction (0.01: 1%) of the last gain's
    lr_patience: int | None = None,  # cut the learning rate after this many epochs without a real gain in val_loss
    lr_factor: float = 0.5,  # what each cut multiplies the learning rate by
    device: str = "cpu",  # "cpu" or "cuda": where the model, data, augmentation and its random draws live
) -> History:
    """Train `model` in place and return its per-epoch History; the model is left in eval mode.

    Each epoch shuffles by index and augments per batch with generators seeded from (seed, epoch),
    and reseeds torch's global RNG (dropout, random layers) the same way, so a run is a function of
    the seed and the model's initial weights. Loss "mse" trains an autoencoder on its own (augmented)
    input; its accuracies are None. With `checkpoint`, the full training state is written atomically
    after every epoch, and a run started with the same parameters resumes after the last saved epoch,
    ending exactly where an uninterrupted run ends (the per-epoch seeding means no RNG state is needed).
    With `val_x`, each row records val_loss/val_acc; with `patience` too, training stops once val_loss has made no
    real gain (a fall of more than `min_delta` of its value at the last gain; any fall when 0) for `patience`
    epochs, the weights of the lowest-val_loss epoch are restored, and meta records "best_epoch",
    "last_gain_epoch" and "stopped_epoch" (the last epoch trained). With `lr_patience` (and `val_x`), the learning
    rate is multiplied by `lr_factor` after that many epochs without a real gain since the last gain or cut;
    meta "lr_cuts" lists the epochs after which it was cut.

    A NaN or infinite training loss stops the run with FloatingPointError naming the epoch and step.
    """
    check_positive(epochs=epochs, batch_size=batch_size, eval_batch_size=eval_batch_size)
    if limit_batches is not None:
        check_positive(limit_batches=limit_batches)
    if loss not in LOSSES:
        raise ValueError(f"loss={loss!r}: use one of {', '.join(LOSSES)}.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer.")
    mode = resolve_progress(progress)
    check_min_delta(min_delta)
    for name, value in {"patience": patience, "lr_patience": lr_patience}.items():
        if value is not None:
            check_positive(**{name: value})
            if val_x is None:
                raise ValueError(f"{name} needs val_x: carve a validation split from the training images (never test).")
    if isinstance(lr_factor, bool) or not isinstance(lr_factor, (int, float)) or not 0 < lr_factor < 1:
        raise ValueError(f"lr_factor={lr_factor!r} must be a fraction in (0, 1), e.g. 0.5 to halve the rate.")
    opt, scheduler = make_optimizer(optimizer, model.parameters(), lr=lr, decay=decay, decay_mode=decay_mode)
    val_x, val_y = (None, None) if val_x is None else _as_data(val_x, val_y, "validation", loss)
    train_x, train_y = _as_data(train_x, train_y, "train", loss)
    test_x, test_y = (None, None) if test_x is None else _as_data(test_x, test_y, "test", loss)
    dev = resolve_device(device)
    model.to(dev)
    train_x, train_y, test_x, test_y, val_x, val_y = (
        None if t is None else t.to(dev) for t in (train_x, train_y, test_x, test_y, val_x, val_y)
    )
    if channels_last is None:
        channels_last = train_x.ndim == 4 and any(isinstance(m, nn.Conv2d) for m in model.modules())
    history = History(
        meta={
            "model": type(model).__name__,
            "init_fingerprint": _fingerprint(*model.state_dict().values()),  # tells a different initialisation apart
            "data_fingerprint": _fingerprint(*(t for t in (train_x, train_y, test_x, test_y) if t is not None)),
            "n_train": len(train_x),
            "n_test": 0 if test_x is None else len(test_x),
            "epochs": epochs,
            "batch_size": batch_size,
            "optimizer": optimizer.lower(),
            "lr": lr,
            "decay": decay,
            "decay_mode": decay_mode,
            "n_val": 0 if val_x is None else len(val_x),
            "patience": patience,
            "min_delta": min_delta,
            "lr_patience": lr_patience,
            "lr_factor": lr_factor if lr_patience else None,
            "loss": loss,
            "augment": _describe(augment),
            "seed": int(seed),
            "limit_batches": limit_batches,
            "channels_last": bool(channels_last),
            "torch": str(torch.__version__),
            "device": dev.type,
        }
    )
    if channels_last:
        model.to(memory_format=torch.channels_last)
    n_batches = min(-(-len(train_x) // batch_size), limit_batches or len(train_x))  # ceil, then the cap
    first = 1
    if checkpoint is not None and Path(checkpoint).exists():
        first = resume(checkpoint, model, opt, scheduler, history, epochs)
    best = best_so_far(history, checkpoint if first > 1 else None)
    for epoch in range(first, epochs + 1):
        if patience is not None and stalled([r["val_loss"] for r in history.rows], patience, min_delta):
            break
        started = time.perf_counter()
        bar = epoch_bar(epoch, epochs, n_batches, mode)
        train_loss, train_acc = _train_epoch(
            model,
            train_x,
            train_y,
            opt,
            scheduler,
            loss=loss,
            batch_size=batch_size,
            n_batches=n_batches,
            augment=augment,
            seed=int(seed),
            epoch=epoch,
            channels_last=channels_last,
            bar=bar,
            device=dev,
        )
        test_loss, test_acc = (
            (None, None) if test_x is None else _evaluate(model, test_x, test_y, loss, eval_batch_size, channels_last)
        )
        val_loss, val_acc = (
            (None, None) if val_x is None else _evaluate(model, val_x, val_y, loss, eval_batch_size, channels_last)
        )
        if val_loss is not None and (best["loss"] is None or val_loss < best["loss"]):
            best = {"loss": val_loss, "epoch": epoch, "model": copy.deepcopy(model.state_dict())}
        history.append(
            epoch=epoch,
            train_loss=train_loss,
            train_acc=train_acc,
            test_loss=test_loss,
            test_acc=test_acc,
            lr=scheduler.get_last_lr()[0],
            seconds=time.perf_counter() - started,
            val_loss=val_loss,
            val_acc=val_acc,
        )
        report_epoch(history.rows[-1], epochs, mode, bar)
        if lr_patience is not None and epoch in lr_cuts([r["val_loss"] for r in history.rows], lr_patience, min_delta):
            _scale_lr(opt, scheduler, lr_factor)
        if checkpoint is not None:
            save_state(
                checkpoint,
                {
                    "format": CHECKPOINT_FORMAT,
                    "epoch": epoch,
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "history": history.rows,
                    "meta": history.meta,
                    "best_model": best["model"],
                },
            )
    if lr_patience is not None:
        history.meta["lr_cuts"] = lr_cuts([r["val_loss"] for r in history.rows], lr_patience, min_delta)
    if patience is not None and best["model"] is not None:
        model.load_state_dict(best["model"])
        gain = last_gain_epoch([r["val_loss"] for r in history.rows], min_delta)
        history.meta.update(best_epoch=best["epoch"], last_gain_epoch=gain, stopped_epoch=history.rows[-1]["epoch"])
    model.to(memory_format=torch.contiguous_format)  # so predictions match a model reloaded from its weights
    model.eval()
    return history


def _scale_lr(opt: torch.optim.Optimizer, scheduler: Any, factor: float) -> None:
    """Multiply the learning rate by `factor`: the scheduler's base rates (kept in its state, so a resumed run has
    them) and the optimizer's current ones (the scheduler's per-step factor is applied on top of the base)."""
    scheduler.base_lrs = [lr * factor for lr in scheduler.base_lrs]
    for group in opt.param_groups:
        group["lr"] *= factor
    scheduler._last_lr = [group["lr"] for group in opt.param_groups]


def _train_epoch(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor | None,
    opt: torch.optim.Optimizer,
    scheduler: Any,
    *,
    loss: str,
    batch_size: int,
    n_batches: int,
    augment: Augment | None,
    seed: int,
    epoch: int,
    channels_last: bool,
    bar: Any,
    device: torch.device | str = "cpu",  # where x lives: shuffled indices and augmentation draws go there
) -> tuple[float, float | None]:
    """One pass over `n_batches` shuffled batches; returns the running mean loss and accuracy of the epoch."""
    model.train()
    torch.manual_seed(_stream_seed(seed, epoch, 0))  # dropout masks and random layers inside the model
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(_stream_seed(seed, epoch, 1))).to(device)
    augment_rng = torch.Generator(device=device).manual_seed(_stream_seed(seed, epoch, 2))
    total, correct, seen = 0.0, 0, 0
    for b in range(n_batches):
        idx = order[b * batch_size : (b + 1) * batch_size]
        xb = x[idx]
        if augment is not None:
            xb = augment(xb, augment_rng)
        yb = xb if loss == "mse" else y[idx]
        if channels_last:
            xb = xb.contiguous(memory_format=torch.channels_last)
        out = model(xb)
        batch_loss = _loss(out, yb, loss, "mean")
        value = batch_loss.item()
        if not math.isfinite(value):  # stop before the update spreads NaN into the weights
            raise FloatingPointError(
                f"training diverged: the {loss} loss is {value} at epoch {epoch}, step {b + 1} of {n_batches}. "
                "Lower the learning rate (lr) or the decay, or check the inputs for NaN or infinite values."
            )
        opt.zero_grad(set_to_none=True)
        batch_loss.backward()
        opt.step()
        scheduler.step()
        total += value * len(idx)
        seen += len(idx)
        if loss != "mse":
            correct += int((out.argmax(dim=1) == yb).sum())
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{total / seen:.4f}", refresh=False)
    return total / seen, (None if loss == "mse" else correct / seen)


def _loss(out: torch.Tensor, target: torch.Tensor, loss: str, reduction: str) -> torch.Tensor:
    """The named loss; "mse" compares with the target reshaped to the output's shape (per-pixel mean)."""
    if loss == "cross_entropy":
        return F.cross_entropy(out, target, reduction=reduction)
    if loss == "nll":
        return F.nll_loss(out, target, reduction=reduction)
    if loss == "keras_cross_entropy":  # the torch twin standing in for Keras: probabilities clipped as Keras does
        from mnist_helpers.training.keras_optim import keras_cross_entropy

        return keras_cross_entropy(out, target, reduction=reduction)
    return F.mse_loss(out, target.reshape(out.shape), reduction=reduction)


@torch.inference_mode()
def _evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor | None, loss: str, batch_size: int, channels_last: bool
) -> tuple[float, float | None]:
    """Mean loss (per image; per pixel for "mse") and accuracy over all of x, in eval mode."""
    model.eval()
    total, correct = 0.0, 0
    for start in range(0, len(x), batch_size):
        xb = x[start : start + batch_size]
        out = model(xb.contiguous(memory_format=torch.channels_last) if channels_last else xb)
        target = xb if loss == "mse" else y[start : start + batch_size]
        total += _loss(out, target, loss, "sum").item()
        if loss != "mse":
            correct += int((out.argmax(dim=1) == target).sum())
    n = x.numel() if loss == "mse" else len(x)  # per pixel for "mse", per image otherwise
    return total / n, (None if loss == "mse" else correct / n)


def _as_data(x: Any, y: Any, split: str, loss: str) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Tensors from arrays or tensors: float32 inputs, int64 labels (labels unused for "mse")."""
    x = torch.as_tensor(x)
    if not x.is_floating_point():
        raise ValueError(f"{split}_x has dtype {x.dtype}; pass floats, e.g. data.to_tensor(images).")
    x = x.float()
    if loss == "mse":
        return x, None
    if y is None or len(y) != len(x):
        got = None if y is None else len(y)
        raise ValueError(f"{split}_y must hold one label per image of {split}_x ({len(x)} images); got {got}.")
    return x, torch.as_tensor(y).long()


def _stream_seed(seed: int, epoch: int, stream: int) -> int:
    """An independent 32-bit seed for each (seed, epoch, stream): 0 model RNG, 1 shuffling, 2 augmentation."""
    return int(np.random.SeedSequence([seed, epoch, stream]).generate_state(1)[0])


def _fingerprint(*tensors: torch.Tensor) -> str:
    """A short hash of the tensors' values, to tell runs on different data or initial weights apart."""
    h = hashlib.blake2b(digest_size=8)
    for t in tensors:
        h.update(t.detach().cpu().contiguous().reshape(-1).numpy())  # buffer protocol: no copy
    return h.hexdigest()


def _describe(augment: Augment | None) -> str | None:
    """A stable, address-free name for an augmentation callable (functools.partial arguments included)."""
    if augment is None:
        return None
    if isinstance(augment, functools.partial):
        args = [repr(a) for a in augment.args] + [f"{k}={v!r}" for k, v in sorted(augment.keywords.items())]
        return f"{_describe(augment.func)}({', '.join(args)})"
    name = getattr(augment, "__qualname__", type(augment).__qualname__)
    return f"{getattr(augment, '__module__', '')}.{name}"


def check_positive(**values: Any) -> None:
    """ValueError naming the first of `values` that is not a positive integer."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}={value!r} must be a positive integer.")
