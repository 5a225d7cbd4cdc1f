"""Chapter parameters: one rule per name, checked in each notebook's first cell and by the runner."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

from mnist_helpers.augment import check_rotation_factor
from mnist_helpers.data import PIXELS, TEST_SIZE, TRAIN_SIZE
from mnist_helpers.train import OPTIMIZERS

PROFILES = ("quick", "full", "seed")


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


def rotation_factor(name: str, value: Any) -> None:
    """A Keras rotation factor: a fraction of a full turn from 0 to 0.5."""
    try:
        check_rotation_factor(value)
    except ValueError:
        _fail(name, value, "a number from 0 to 0.5 (a fraction of a full turn: 10/360 is ±10°, 0.1 is ±36°)")


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
    "artifacts_dir": text,
    "epochs": int_range(1),
    "batch_size": int_range(1),
    "lr": positive_float,
    "decay": nonnegative_float,
    "optimizer": choice(*OPTIMIZERS),
    "optimizers": list_of(choice(*OPTIMIZERS)),
    "train_size": int_range(1, TRAIN_SIZE),
    "test_size": int_range(1, TEST_SIZE),
    "code_sizes": list_of(int_range(1, PIXELS)),
    "augment": boolean,
    "rotation_factor": rotation_factor,
    "stats_batch_size": int_range(1),
    "n_examples": int_range(1, 100),
    "n_draws": int_range(1, 20),
    "throughput_images": int_range(64, TRAIN_SIZE),
    "dutta_epochs": int_range(1),
    "dutta_batch_size": int_range(1),
    "reuse_models": boolean,
    "engine": choice("keras", "torch"),
}


class Params(dict):
    """Validated parameters: a dict (for provenance records) whose values also read as attributes (`p.epochs`)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no parameter {name!r}; this chapter has {', '.join(self)}") from None


def validate(**params: Any) -> Params:
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
    return Params(out)
