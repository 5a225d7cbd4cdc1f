"""Chapter parameters: one rule per name, checked in each notebook's first cell and by the runner."""

from __future__ import annotations

import numbers
from typing import Any, Callable

PROFILES = ("quick", "full", "seed")
OPTIMIZERS = ("adam", "rmsprop")
TRAIN_SIZE = 60000  # images in MNIST's official training split
TEST_SIZE = 10000  # images in MNIST's official test split
PIXELS = 28 * 28  # input dimension: the largest meaningful code size


class ParameterError(ValueError):
    """A parameter with a value outside its allowed range; the message names both."""


def _fail(name: str, value: Any, allowed: str) -> None:
    raise ParameterError(f"parameter {name!r} = {value!r} is not allowed: {allowed}.")


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def int_range(lo: int, hi: int | None = None) -> Callable[[str, Any], None]:
    """An integer in [lo, hi]."""
    allowed = f"an integer from {lo} to {hi}" if hi is not None else f"an integer >= {lo}"

    def check(name: str, value: Any) -> None:
        if not _is_int(value) or value < lo or (hi is not None and value > hi):
            _fail(name, value, allowed)

    return check


def positive_float(name: str, value: Any) -> None:
    """A number > 0 (learning rates)."""
    if not _is_number(value) or not value > 0 or value != value:
        _fail(name, value, "a positive number, e.g. 1e-3")


def nonnegative_float(name: str, value: Any) -> None:
    """A number >= 0 (decay rates)."""
    if not _is_number(value) or not value >= 0:
        _fail(name, value, "a number >= 0 (0 turns it off)")


def choice(*options: str) -> Callable[[str, Any], None]:
    """One of `options` (case-insensitive)."""

    def check(name: str, value: Any) -> None:
        if not isinstance(value, str) or value.lower() not in options:
            _fail(name, value, f"one of {', '.join(options)}")

    return check


def list_of(rule: Callable[[str, Any], None], min_len: int = 1) -> Callable[[str, Any], None]:
    """A non-empty list whose every item passes `rule`."""

    def check(name: str, value: Any) -> None:
        if not isinstance(value, (list, tuple)) or len(value) < min_len:
            _fail(name, value, f"a list of at least {min_len} item(s)")
        for i, item in enumerate(value):
            rule(f"{name}[{i}]", item)

    return check


def device(name: str, value: Any) -> None:
    """'cpu', or 'cuda' when a CUDA device is present."""
    import torch

    allowed = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    if value not in allowed:
        _fail(name, value, f"one of {', '.join(allowed)} on this machine")


def boolean(name: str, value: Any) -> None:
    """True or False."""
    if not isinstance(value, bool):
        _fail(name, value, "True or False")


def text(name: str, value: Any) -> None:
    """A non-empty string (paths)."""
    if not isinstance(value, str) or not value:
        _fail(name, value, "a non-empty string")


RULES: dict[str, Callable[[str, Any], None]] = {
    "profile": choice(*PROFILES),
    "seed": int_range(0),
    "seeds": list_of(int_range(0)),
    "device": device,
    "threads": int_range(0),
    "artifacts_dir": text,
    "epochs": int_range(1),
    "batch_size": int_range(1),
    "eval_batch_size": int_range(1),
    "lr": positive_float,
    "decay": nonnegative_float,
    "optimizer": choice(*OPTIMIZERS),
    "optimizers": list_of(choice(*OPTIMIZERS)),
    "train_size": int_range(1, TRAIN_SIZE),
    "test_size": int_range(1, TEST_SIZE),
    "code_sizes": list_of(int_range(1, PIXELS)),
    "augment": boolean,
    "rotation_factor": lambda n, v: None if _is_number(v) and 0 <= v <= 0.5 else _fail(n, v, "a number from 0 to 0.5 (a fraction of a full turn)"),
    "stats_batch_size": int_range(1),
    "n_examples": int_range(1, 100),
    "n_draws": int_range(1, 20),
    "throughput_images": int_range(64, TRAIN_SIZE),
    "shah_epochs": int_range(1),
    "dutta_epochs": int_range(1),
    "dutta_batch_size": int_range(1),
    "reuse_models": boolean,
    "engine": choice("keras", "torch"),
}


def validate(**params: Any) -> dict[str, Any]:
    """Check every parameter against its rule; return them (optimizer names lower-cased).

    Raises ParameterError naming the first parameter at fault and its allowed values.
    """
    out = {}
    for name, value in params.items():
        rule = RULES.get(name)
        if rule is None:
            raise ParameterError(f"unknown parameter {name!r}; known parameters: {', '.join(sorted(RULES))}.")
        rule(name, value)
        if name in ("optimizer", "profile"):
            value = value.lower()
        elif name == "optimizers":
            value = [v.lower() for v in value]
        out[name] = value
    return out
