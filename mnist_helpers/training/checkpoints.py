"""Weights files and training checkpoints: written atomically with a format tag, read back weights-only."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from typing import Any

import numpy as np
import torch
from torch import nn

from mnist_helpers.core.atomic import atomic_path
from mnist_helpers.training.history import History

CHECKPOINT_FORMAT = "mnist_helpers.checkpoint/1"


WEIGHTS_FORMAT = "mnist_helpers.weights/2"  # /2: with the weights' checksum, verified on load
OLDER_WEIGHTS_FORMATS = ("mnist_helpers.weights/1",)  # their meta is read (a recipe then retrains), never their weights


NOT_RESUME_KEYS = ("epochs", "torch", "run_key.epochs")  # what may change between a run and its resumption


def save_weights(model: nn.Module, path: str | os.PathLike, meta: dict[str, Any] | None = None) -> None:
    """Write the model's state dict and a JSON-like `meta` (parameters, seed, ...) to `path` atomically."""
    try:
        meta = json.loads(json.dumps(meta or {}))
    except TypeError as e:
        raise ValueError(f"meta must hold plain values (str, numbers, lists, dicts): {e}.") from None
    state = model.state_dict()
    save_state(path, {"format": WEIGHTS_FORMAT, "model": state, "meta": meta, "checksum": state_checksum(state)})


def load_weights(model: nn.Module, path: str | os.PathLike) -> dict[str, Any]:
    """Load weights written by `save_weights` into `model` (after checking their checksum) and return their meta."""
    state = load_state(path, WEIGHTS_FORMAT, older=OLDER_WEIGHTS_FORMATS)
    if state.get("checksum") != state_checksum(state["model"]):
        raise ValueError(
            f"{path}: its weights do not match their checksum (damaged, or saved before checksums); "
            "delete it and re-run."
        )
    load_into(model, state["model"], path)
    return state["meta"]


def arrays_checksum(named_arrays: Iterable[tuple[str, np.ndarray]]) -> str:
    """SHA-256 over each array's name, dtype, shape and values, in order: any changed byte changes it."""
    h = hashlib.sha256()
    for name, array in named_arrays:
        array = np.ascontiguousarray(array)
        h.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        h.update(array.data)
    return h.hexdigest()


def state_checksum(state_dict: dict[str, Any]) -> str:
    """`arrays_checksum` of a torch state dict."""
    return arrays_checksum((k, v.detach().cpu().numpy()) for k, v in state_dict.items())


def weights_meta(path: str | os.PathLike) -> dict[str, Any]:
    """The meta stored inside a file written by `save_weights` (what made it), without loading it into a model."""
    meta = load_state(path, WEIGHTS_FORMAT, older=OLDER_WEIGHTS_FORMATS).get("meta")
    if not isinstance(meta, dict):
        raise ValueError(f"{path}: its meta is not a mapping (damaged or foreign file); delete it and re-run.")
    return meta


def resume(
    path: str | os.PathLike,
    model: nn.Module,
    opt: Any,
    scheduler: Any,
    history: History,
    epochs: int,
    run_key: dict[str, Any] | None = None,
) -> int:
    """Restore a matching checkpoint into model/opt/scheduler/history and return the next epoch (1 if stale).

    It matches when fit's own settings (history.meta) and the caller's `run_key` (what fit cannot see: the model's
    settings, the recipe, the code) are those it was made with."""
    state = load_state(path, CHECKPOINT_FORMAT)
    saved = {**state["meta"], **{f"run_key.{k}": v for k, v in (state.get("run_key") or {}).items()}}
    now = {**history.meta, **{f"run_key.{k}": v for k, v in plain(run_key or {}).items()}}
    changed = [k for k in sorted(set(saved) | set(now)) if k not in NOT_RESUME_KEYS and saved.get(k) != now.get(k)]
    if changed or state["epoch"] > epochs:
        why = "parameters changed: " + ", ".join(f"{k} {saved.get(k)!r} -> {now.get(k)!r}" for k in changed)
        why = why if changed else f"it is at epoch {state['epoch']}, past the {epochs} asked for"
        print(f"checkpoint {path} is stale ({why}); starting fresh.", flush=True)
        return 1
    load_into(model, state["model"], path)
    try:
        opt.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
    except (KeyError, ValueError, RuntimeError) as e:
        raise ValueError(f"{path}: optimizer state does not fit ({e}); delete it and re-run.") from None
    history.rows = [dict(row) for row in state["history"]]
    if state["epoch"] < epochs:
        print(f"checkpoint {path}: resuming at epoch {state['epoch'] + 1}/{epochs}.", flush=True)
    return state["epoch"] + 1


def training_state(
    epoch: int,
    model: nn.Module,
    opt: Any,
    scheduler: Any,
    history: History,
    best_model: dict[str, Any] | None,
    run_key: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What a torch run needs to resume after `epoch`: weights, optimizer and schedule, history, the best weights,
    and the run's key (resume checks it)."""
    return {
        "run_key": plain(run_key or {}),
        "format": CHECKPOINT_FORMAT,
        "epoch": epoch,
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "scheduler": scheduler.state_dict(),
        "history": history.rows,
        "meta": history.meta,
        "best_model": best_model,
    }


def plain(value: dict[str, Any]) -> dict[str, Any]:
    """`value` as JSON would give it back (tuples as lists), so a stored key compares equal to a fresh one."""
    try:
        return json.loads(json.dumps(value))
    except TypeError as e:
        raise ValueError(f"a run key must hold plain values (str, numbers, lists, dicts): {e}.") from None


def best_so_far(history: History, checkpoint: str | os.PathLike | None) -> dict[str, Any]:
    """The lowest val_loss among resumed rows, its epoch and weights (from the checkpoint); all None when fresh."""
    scored = [r for r in history.rows if r.get("val_loss") is not None]
    if not scored or checkpoint is None:
        return {"loss": None, "epoch": None, "model": None}
    row = min(scored, key=lambda r: r["val_loss"])
    return {
        "loss": row["val_loss"],
        "epoch": row["epoch"],
        "model": load_state(checkpoint, CHECKPOINT_FORMAT).get("best_model"),
    }


def save_state(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """torch.save to a temporary file beside `path`, then move it over `path`."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_state(path: str | os.PathLike, expected_format: str, older: tuple[str, ...] = ()) -> dict[str, Any]:
    """torch.load(weights_only=True) a file of `expected_format` (or one of the `older` ones); anything else raises
    ValueError naming it."""
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as e:  # truncated zip, random bytes, a foreign pickle: all mean "not ours"
        reason = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        raise ValueError(f"{path}: not a readable {expected_format} file ({reason}); delete it and re-run.") from None
    if not isinstance(state, dict) or state.get("format") not in (expected_format, *older):
        raise ValueError(f"{path}: not a {expected_format} file (foreign or old format); delete it and re-run.")
    return state


def load_into(model: nn.Module, state_dict: dict[str, Any], path: str | os.PathLike) -> None:
    """Load a state dict into `model`; one that does not fit raises ValueError naming the file and the fix."""
    try:
        model.load_state_dict(state_dict)
    except RuntimeError as e:
        why = f"weights do not fit {type(model).__name__} ({str(e).splitlines()[0]})"
        raise ValueError(f"{path}: {why}; pass the model that wrote them, or delete it and re-run.") from None
