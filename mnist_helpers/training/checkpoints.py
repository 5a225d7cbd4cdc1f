"""Weights files and training checkpoints: written atomically with a format tag, read back weights-only."""

from __future__ import annotations

import json
import os
from typing import Any

import torch
from torch import nn

from mnist_helpers.core.atomic import atomic_path
from mnist_helpers.training.history import History

CHECKPOINT_FORMAT = "mnist_helpers.checkpoint/1"


WEIGHTS_FORMAT = "mnist_helpers.weights/1"


NOT_RESUME_KEYS = ("epochs", "torch")  # run parameters that may change between a run and its resumption


def save_weights(model: nn.Module, path: str | os.PathLike, meta: dict[str, Any] | None = None) -> None:
    """Write the model's state dict and a JSON-like `meta` (parameters, seed, ...) to `path` atomically."""
    try:
        meta = json.loads(json.dumps(meta or {}))
    except TypeError as e:
        raise ValueError(f"meta must hold plain values (str, numbers, lists, dicts): {e}.") from None
    save_state(path, {"format": WEIGHTS_FORMAT, "model": model.state_dict(), "meta": meta})


def load_weights(model: nn.Module, path: str | os.PathLike) -> dict[str, Any]:
    """Load weights written by `save_weights` into `model` and return their meta."""
    state = load_state(path, WEIGHTS_FORMAT)
    load_into(model, state["model"], path)
    return state["meta"]


def weights_meta(path: str | os.PathLike) -> dict[str, Any]:
    """The meta stored inside a file written by `save_weights` (what made it), without loading it into a model."""
    meta = load_state(path, WEIGHTS_FORMAT).get("meta")
    if not isinstance(meta, dict):
        raise ValueError(f"{path}: its meta is not a mapping (damaged or foreign file); delete it and re-run.")
    return meta


def resume(path: str | os.PathLike, model: nn.Module, opt: Any, scheduler: Any, history: History, epochs: int) -> int:
    """Restore a matching checkpoint into model/opt/scheduler/history and return the next epoch (1 if stale)."""
    state = load_state(path, CHECKPOINT_FORMAT)
    saved, now = state["meta"], history.meta
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
    epoch: int, model: nn.Module, opt: Any, scheduler: Any, history: History, best_model: dict[str, Any] | None
) -> dict[str, Any]:
    """What a torch run needs to resume after `epoch`: weights, optimizer and schedule, history, the best weights."""
    return {
        "format": CHECKPOINT_FORMAT,
        "epoch": epoch,
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "scheduler": scheduler.state_dict(),
        "history": history.rows,
        "meta": history.meta,
        "best_model": best_model,
    }


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


def load_state(path: str | os.PathLike, expected_format: str) -> dict[str, Any]:
    """torch.load(weights_only=True) a file of `expected_format`; anything else raises ValueError naming it."""
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as e:  # truncated zip, random bytes, a foreign pickle: all mean "not ours"
        reason = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        raise ValueError(f"{path}: not a readable {expected_format} file ({reason}); delete it and re-run.") from None
    if not isinstance(state, dict) or state.get("format") != expected_format:
        raise ValueError(f"{path}: not a {expected_format} file (foreign or old format); delete it and re-run.")
    return state


def load_into(model: nn.Module, state_dict: dict[str, Any], path: str | os.PathLike) -> None:
    """Load a state dict into `model`; one that does not fit raises ValueError naming the file and the fix."""
    try:
        model.load_state_dict(state_dict)
    except RuntimeError as e:
        why = f"weights do not fit {type(model).__name__} ({str(e).splitlines()[0]})"
        raise ValueError(f"{path}: {why}; pass the model that wrote them, or delete it and re-run.") from None
