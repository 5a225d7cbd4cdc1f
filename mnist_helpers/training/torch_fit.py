"""Training engine for the torch models: a seeded, resumable `fit` with a per-epoch History.

Each epoch shuffles by index and augments per batch with generators seeded from (seed, epoch), and reseeds torch's
global RNG (dropout, random layers) the same way (training.seeding), so a run is a function of the seed, the model's
initial weights and the thread count. Loss "mse" trains an autoencoder on its own (augmented) input; its accuracies
are None. With a `checkpoint`, the whole training state is written atomically after every epoch, and a run started
with the same settings and run key resumes after the last saved epoch, ending exactly where an uninterrupted run
ends; one made with other settings or another run key is stale, and training starts from epoch 1.

With `val_x`, each row records val_loss/val_acc; with `patience` too, training stops once val_loss has made no real
gain (a fall of more than `min_delta` of its value at the last gain; any fall when 0) for `patience` epochs, the
weights of the lowest-val_loss epoch are restored, and meta records "best_epoch", "last_gain_epoch" and
"stopped_epoch". With `lr_patience` (and `val_x`), the learning rate is multiplied by `lr_factor` after that many
epochs without a real gain since the last gain or cut; meta "lr_cuts" lists the epochs after which it was cut.
A NaN or infinite training loss stops the run with FloatingPointError naming the epoch and step.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import os
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import torch
from torch import nn

from mnist_helpers.core.device import resolve_device
from mnist_helpers.training.checkpoints import best_so_far, resume, save_state, training_state
from mnist_helpers.training.checks import as_data, check_fit_arguments
from mnist_helpers.training.epoch import Augment, EpochPlan, evaluate, train_epoch
from mnist_helpers.training.history import History
from mnist_helpers.training.optimizers import make_optimizer, scale_lr
from mnist_helpers.training.progress import epoch_bar, report_epoch, resolve_progress
from mnist_helpers.training.stopping import last_gain_epoch, lr_cuts, stalled


@dataclass(frozen=True)
class FitSettings:
    """Every setting of a `fit` run, with its default; checked when made (a bad one raises ValueError naming it)."""

    epochs: int
    batch_size: int
    optimizer: str = "adam"
    lr: float = 1e-3  # initial learning rate
    decay: float = 0.0  # inverse-time decay per optimizer step (C11)
    loss: str = "cross_entropy"  # one of checks.LOSSES; "mse" trains an autoencoder on its own (augmented) input
    augment: Augment | None = None  # (batch, generator) -> batch, drawn per (seed, epoch)
    seed: int = 0
    checkpoint: str | os.PathLike | None = None  # written atomically after every epoch; a matching one is resumed
    progress: str = "auto"  # "bar" | "lines" | "none" | "auto"
    eval_batch_size: int = 1000  # images per evaluation batch
    channels_last: bool | None = None  # None: on for models with Conv2d layers and 4-D inputs
    limit_batches: int | None = None  # cap on training batches per epoch (smoke tests, benchmarks)
    decay_mode: str = "inverse_time"  # what `decay` means: "inverse_time" (Keras, per step) | "l2" (weight_decay)
    patience: int | None = None  # stop after this many epochs without a real gain in val_loss; best weights restored
    min_delta: float = 0.0  # a real gain lowers val_loss by more than this fraction (0.01: 1%) of the last gain's
    lr_patience: int | None = None  # cut the learning rate after this many epochs without a real gain in val_loss
    lr_factor: float = 0.5  # what each cut multiplies the learning rate by
    device: str = "cpu"  # "cpu" or "cuda": where the model, data, augmentation and its random draws live
    run_key: dict[str, Any] | None = None  # what else made the run (model settings, recipe, code): resume checks it

    @classmethod
    def of(cls, settings: dict[str, Any], has_validation: bool) -> FitSettings:
        """The settings given to `fit`, checked; an unknown name raises TypeError listing the known ones."""
        unknown = sorted(set(settings) - {f.name for f in fields(cls)})
        if unknown:
            known = ", ".join(f.name for f in fields(cls))
            raise TypeError(f"fit() got unknown setting(s) {', '.join(unknown)}; the settings are: {known}.")
        made = cls(**settings)
        check_fit_arguments(**{k: getattr(made, k) for k in FIT_CHECKED}, has_validation=has_validation)
        return made


# The settings checks.check_fit_arguments looks at: its own keywords, read from its signature (one list).
FIT_CHECKED = tuple(name for name in inspect.signature(check_fit_arguments).parameters if name != "has_validation")


def fit(
    model: nn.Module,
    train_x: torch.Tensor,
    train_y: torch.Tensor | None,
    test_x: torch.Tensor | None,
    test_y: torch.Tensor | None,
    *,
    val_x: torch.Tensor | None = None,  # a validation split carved from the training images, scored every epoch
    val_y: torch.Tensor | None = None,
    **settings: Any,  # FitSettings' fields: epochs and batch_size, then any others
) -> History:
    """Train `model` in place with `settings` (see FitSettings) and return its per-epoch History, in eval mode.

    How a run is seeded, resumed, validated and stopped early is described in this module's docstring.
    """
    s = FitSettings.of(settings, has_validation=val_x is not None)
    mode = resolve_progress(s.progress)
    opt, scheduler = make_optimizer(s.optimizer, model.parameters(), lr=s.lr, decay=s.decay, decay_mode=s.decay_mode)
    dev = resolve_device(s.device)
    data = Splits.of(train_x, train_y, test_x, test_y, val_x, val_y, loss=s.loss, device=dev)
    model.to(dev)
    plan = _plan(model, data, s, dev)
    history = History(meta=run_meta(model, data, plan, s))
    if plan.channels_last:
        model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # torch accepts it; its stubs not
    ckpt = s.checkpoint
    first = resume(ckpt, model, opt, scheduler, history, s.epochs, s.run_key) if ckpt and Path(ckpt).exists() else 1
    best = best_so_far(history, s.checkpoint if first > 1 else None)
    for epoch in range(first, s.epochs + 1):
        if s.patience is not None and stalled(_val_losses(history), s.patience, s.min_delta):
            break
        _run_epoch(model, data, opt, scheduler, plan, epoch, s.epochs, history, mode)
        val_loss = history.rows[-1]["val_loss"]
        if val_loss is not None and (best["loss"] is None or val_loss < best["loss"]):
            best = {"loss": val_loss, "epoch": epoch, "model": copy.deepcopy(model.state_dict())}
        if s.lr_patience is not None and epoch in lr_cuts(_val_losses(history), s.lr_patience, s.min_delta):
            scale_lr(opt, scheduler, s.lr_factor)
        if s.checkpoint is not None:
            save_state(s.checkpoint, training_state(epoch, model, opt, scheduler, history, best["model"], s.run_key))
    _finish(model, history, best, s.patience, s.lr_patience, s.min_delta)
    return history


def _plan(model: nn.Module, data: Splits, s: FitSettings, device: torch.device) -> EpochPlan:
    """What every epoch shares: channels-last for conv models on images (unless set), the batches per epoch."""
    channels_last = s.channels_last
    if channels_last is None:
        channels_last = data.train_x.ndim == 4 and any(isinstance(m, nn.Conv2d) for m in model.modules())
    n_batches = min(-(-len(data.train_x) // s.batch_size), s.limit_batches or len(data.train_x))  # ceil, then the cap
    return EpochPlan(
        s.loss, s.batch_size, n_batches, s.augment, int(s.seed), bool(channels_last), s.eval_batch_size, device
    )


@dataclass(frozen=True)
class Splits:
    """A run's training, test and validation tensors, on the run's device (labels None for autoencoders)."""

    train_x: torch.Tensor
    train_y: torch.Tensor | None
    test_x: torch.Tensor | None
    test_y: torch.Tensor | None
    val_x: torch.Tensor | None
    val_y: torch.Tensor | None

    @classmethod
    def of(
        cls,
        train_x: Any,
        train_y: Any,
        test_x: Any,
        test_y: Any,
        val_x: Any,
        val_y: Any,
        *,
        loss: str,
        device: torch.device,
    ) -> Splits:
        """Checked float inputs and int64 labels (validation checked first, then train, then test), on `device`."""
        val_x, val_y = (None, None) if val_x is None else as_data(val_x, val_y, "validation", loss)
        train_x, train_y = as_data(train_x, train_y, "train", loss)
        test_x, test_y = (None, None) if test_x is None else as_data(test_x, test_y, "test", loss)
        return cls(
            train_x.to(device), *(None if t is None else t.to(device) for t in (train_y, test_x, test_y, val_x, val_y))
        )


def _run_epoch(
    model: nn.Module,
    data: Splits,
    opt: Any,
    scheduler: Any,
    plan: EpochPlan,
    epoch: int,
    epochs: int,
    history: History,
    mode: str,
) -> None:
    """Train one epoch, score the test and validation splits, and append (and report) the epoch's row."""
    started = time.perf_counter()
    bar = epoch_bar(epoch, epochs, plan.n_batches, mode)
    train_loss, train_acc = train_epoch(model, data.train_x, data.train_y, opt, scheduler, plan, epoch, bar)
    test_loss, test_acc = _score(model, data.test_x, data.test_y, plan)
    val_loss, val_acc = _score(model, data.val_x, data.val_y, plan)
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


def _score(model: nn.Module, x: torch.Tensor | None, y: torch.Tensor | None, plan: EpochPlan) -> tuple[Any, Any]:
    """Mean loss and accuracy on one split; (None, None) when the run has no such split."""
    return (None, None) if x is None else evaluate(model, x, y, plan.loss, plan.eval_batch_size, plan.channels_last)


def _finish(
    model: nn.Module,
    history: History,
    best: dict[str, Any],
    patience: int | None,
    lr_patience: int | None,
    min_delta: float,
) -> None:
    """Record the learning-rate cuts and early stop in the meta, restore the best weights, leave the model in eval."""
    if lr_patience is not None:
        history.meta["lr_cuts"] = lr_cuts(_val_losses(history), lr_patience, min_delta)
    if patience is not None and best["model"] is not None:
        model.load_state_dict(best["model"])
        gain = last_gain_epoch(_val_losses(history), min_delta)
        history.meta.update(best_epoch=best["epoch"], last_gain_epoch=gain, stopped_epoch=history.rows[-1]["epoch"])
    model.to(memory_format=torch.contiguous_format)  # type: ignore[call-overload]  # so predictions match a model reloaded from its weights
    model.eval()


def run_meta(model: nn.Module, data: Splits, plan: EpochPlan, s: FitSettings) -> dict[str, Any]:
    """What made a run: every setting, the data's and the initial weights' fingerprints (a checkpoint resumes only
    when all of it matches, except the epochs asked for and the torch version)."""
    splits = (data.train_x, data.train_y, data.test_x, data.test_y)
    return {
        "model": type(model).__name__,
        "init_fingerprint": fingerprint(*model.state_dict().values()),  # tells a different initialisation apart
        "data_fingerprint": fingerprint(*(t for t in splits if t is not None)),
        "n_train": len(data.train_x),
        "n_test": 0 if data.test_x is None else len(data.test_x),
        "epochs": s.epochs,
        "batch_size": plan.batch_size,
        "optimizer": s.optimizer.lower(),
        "lr": s.lr,
        "decay": s.decay,
        "decay_mode": s.decay_mode,
        "n_val": 0 if data.val_x is None else len(data.val_x),
        "patience": s.patience,
        "min_delta": s.min_delta,
        "lr_patience": s.lr_patience,
        "lr_factor": s.lr_factor if s.lr_patience else None,
        "loss": plan.loss,
        "augment": describe(plan.augment),
        "seed": plan.seed,
        "limit_batches": s.limit_batches,
        "channels_last": plan.channels_last,
        "torch": str(torch.__version__),
        "device": plan.device.type,
    }


def _val_losses(history: History) -> list[float]:
    """The validation losses so far (a run with patience or lr_patience scores validation every epoch)."""
    return [r["val_loss"] for r in history.rows if r["val_loss"] is not None]


def fingerprint(*tensors: torch.Tensor) -> str:
    """A short hash of the tensors' values, to tell runs on different data or initial weights apart."""
    h = hashlib.blake2b(digest_size=8)
    for t in tensors:
        h.update(t.detach().cpu().contiguous().reshape(-1).numpy().data)  # the buffer itself: no copy
    return h.hexdigest()


def describe(augment: Augment | None) -> str | None:
    """A stable, address-free name for an augmentation callable (functools.partial arguments included)."""
    if augment is None:
        return None
    if isinstance(augment, functools.partial):
        args = [repr(a) for a in augment.args] + [f"{k}={v!r}" for k, v in sorted(augment.keywords.items())]
        return f"{describe(augment.func)}({', '.join(args)})"
    name = getattr(augment, "__qualname__", type(augment).__qualname__)
    return f"{getattr(augment, '__module__', '')}.{name}"
