"""Chapter parameters: one rule per name, checked in each notebook's first cell and by the runner.

Each rule returns the parameter's canonical value; notebooks use the dict `validate` returns, never the raw
names. Choices (profile, optimizer, engine) are accepted only in their canonical lower-case spelling, so a
raw value and its validated value never disagree. `artifacts_dir` is the one value validation changes:
None means the project's own `artifacts/` folder wherever the kernel runs; a relative path is resolved
once, against the working directory of the process that validates it (the directory you ran the runner or
papermill from; papermill's `--cwd` if you gave one), and returned absolute.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import tempfile
from collections.abc import Callable
from typing import Any

from mnist_helpers.augment.transforms import check_rotation_factor
from mnist_helpers.core.device import DEVICES
from mnist_helpers.core.paths import resolve_dir
from mnist_helpers.data.mnist import PIXELS, TEST_SIZE, TRAIN_SIZE
from mnist_helpers.training.optimizers import OPTIMIZERS

PROFILES = ("quick", "full", "seed")  # the named profiles: a run writes under one only with its values
PROFILE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")  # a profile name of your own (a folder name)
SEED_MAX = 2**32 - 1  # NumPy and scikit-learn seeds are 32-bit unsigned
LR_MAX = 10.0  # learning rates above this only diverge
DECAY_MAX = 1.0  # per-step inverse-time decay: 1 already divides the rate by the step count

Rule = Callable[[str, Any], Any]  # returns the canonical value (None: unchanged) or raises ParameterError


class ParameterError(ValueError):
    """A parameter with a value outside its allowed range; the message names both."""


def _fail(name: str, value: Any, allowed: str) -> None:
    raise ParameterError(f"parameter {name!r} = {value!r} is not allowed: {allowed}.")


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def int_range(lo: int, hi: int | None = None) -> Rule:
    """An integer in [lo, hi]."""
    allowed = f"an integer from {lo} to {hi}" if hi is not None else f"an integer >= {lo}"

    def check(name: str, value: Any) -> int:
        if not _is_int(value) or value < lo or (hi is not None and value > hi):
            _fail(name, value, allowed)
        return int(value)

    return check


def finite_range(lo: float, hi: float, lo_open: bool, example: str) -> Rule:
    """A finite number in (lo, hi] (lo_open) or [lo, hi]: no inf, no NaN, nothing that only diverges."""
    allowed = f"a finite number {'>' if lo_open else '>='} {lo:g} and <= {hi:g}, e.g. {example}"

    def check(name: str, value: Any) -> float:
        if not _is_number(value) or not math.isfinite(value) or value > hi or value < lo or (lo_open and value == lo):
            _fail(name, value, allowed)
        return float(value)

    return check


def choice(*options: str) -> Rule:
    """Exactly one of `options` (lower case; another spelling is refused with the canonical one suggested)."""

    def check(name: str, value: Any) -> str:
        if isinstance(value, str) and value in options:
            return value
        hint = f" (did you mean {value.lower()!r}?)" if isinstance(value, str) and value.lower() in options else ""
        _fail(name, value, f"one of {', '.join(options)}{hint}")

    return check


def list_of(rule: Rule, min_len: int = 1, max_len: int | None = None, unique: bool = False) -> Rule:
    """A list of `min_len` to `max_len` items, each passing `rule`; with `unique`, no item twice."""
    if max_len == min_len:
        size = f"exactly {min_len} item(s)"
    elif max_len is None:
        size = f"at least {min_len} item(s)"
    else:
        size = f"{min_len} to {max_len} items"

    def check(name: str, value: Any) -> list[Any]:
        if (
            not isinstance(value, (list, tuple))
            or len(value) < min_len
            or (max_len is not None and len(value) > max_len)
        ):
            _fail(name, value, f"a list of {size}")
        out = [rule(f"{name}[{i}]", item) for i, item in enumerate(value)]
        if unique:
            twice = sorted({repr(v) for v in out if out.count(v) > 1})
            if twice:
                _fail(name, value, f"a list of {size} without repeats ({', '.join(twice)} given more than once)")
        return out

    return check


def profile_name(name: str, value: Any) -> str:
    """A named profile (quick, full, seed) or a lower-case name of your own for other values."""
    if isinstance(value, str) and PROFILE_NAME.fullmatch(value):
        return value
    hint = f" (did you mean {value.lower()!r}?)" if isinstance(value, str) and value.lower() in PROFILES else ""
    _fail(
        name,
        value,
        f"one of {', '.join(PROFILES)}{hint}, or a name of your own for other values (lower-case letters, digits, "
        "'-' and '_'; it becomes the folder <artifacts_dir>/<profile>/)",
    )


def rotation_factor(name: str, value: Any) -> float:
    """A Keras rotation factor: a fraction of a full turn from 0 to 0.5."""
    try:
        check_rotation_factor(value)
    except ValueError:
        _fail(name, value, "a number from 0 to 0.5 (a fraction of a full turn: 10/360 is ±10°, 0.1 is ±36°)")
    return value


def boolean(name: str, value: Any) -> bool:
    """True or False."""
    if not isinstance(value, bool):
        _fail(name, value, "True or False")
    return value


def writable_dir(name: str, value: Any) -> str:
    """A folder this process can create files in (None: the project's artifacts/), returned as an absolute path.

    Checked by creating and deleting a file in the folder, or in its nearest existing parent (the folder is
    created on first write), so a read-only disk or a path through a file is caught before any work.
    """
    if value is not None and (not isinstance(value, (str, os.PathLike)) or not os.fspath(value)):
        _fail(name, value, "a folder path, or None for the project's artifacts/ folder")
    path = resolve_dir(value)
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise ParameterError(
            f"parameter {name!r} = {os.fspath(path)!r} cannot be a folder: {probe} is a file. "
            "Pass a folder path (or remove the file)."
        )
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as e:
        raise ParameterError(
            f"parameter {name!r} = {os.fspath(path)!r} is not writable: cannot create files in {probe} "
            f"({e.strerror or e}). Fix its permissions (e.g. chmod u+w {probe}) or pass a folder you can write to."
        ) from None
    return os.fspath(path)


RULES: dict[str, Rule] = {
    "profile": profile_name,
    "seed": int_range(0, SEED_MAX),
    "seeds": list_of(int_range(0, SEED_MAX), unique=True),
    "artifacts_dir": writable_dir,
    "epochs": int_range(1),
    "batch_size": int_range(1),
    "lr": finite_range(0.0, LR_MAX, True, "1e-3"),
    "decay": finite_range(0.0, DECAY_MAX, False, "1e-4 (0 turns it off)"),
    "optimizer": choice(*OPTIMIZERS),
    # chapter 5 compares the two optimizers with each other: both, each once, in either order
    "optimizers": list_of(choice(*OPTIMIZERS), min_len=len(OPTIMIZERS), max_len=len(OPTIMIZERS), unique=True),
    "train_size": int_range(1, TRAIN_SIZE),
    "test_size": int_range(1, TEST_SIZE),
    "code_sizes": list_of(int_range(1, PIXELS), unique=True),
    "augment": boolean,
    "rotation_factor": rotation_factor,
    "stats_batch_size": int_range(1),
    "n_examples": int_range(1, 100),
    "n_draws": int_range(1, 20),
    "throughput_images": int_range(64, TRAIN_SIZE),
    "param_draws": int_range(100, 1_000_000),  # chapter 2: random parameter draws per setting (C7, C9)
    "dutta_epochs": int_range(1),
    "dutta_batch_size": int_range(1),
    "reuse_models": boolean,
    "engine": choice("keras", "torch"),
    "device": choice(*DEVICES),  # "cuda" is checked against the machine when training starts (device.py)
    "ablation_seeds": list_of(int_range(0, SEED_MAX), unique=True),
    "ablation_epochs": int_range(1),
    "max_epochs": int_range(1),
    "patience": int_range(1),
    "lr_patience": int_range(1),
    "min_delta": finite_range(0.0, 0.5, False, "0.01 (a 1% fall; 0: any fall counts)"),
    "val_size": int_range(1, TRAIN_SIZE - 1),
    "author_train_size": int_range(1, TRAIN_SIZE),
    "author_val_size": int_range(1, TRAIN_SIZE),
    "keras_epochs": int_range(1),
    "reference_draws": int_range(100, 10**6),
    "ink_images": int_range(1, TRAIN_SIZE),
}


class Params(dict):
    """Validated parameters: a dict (for provenance records) whose values also read as attributes (`p.epochs`)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no parameter {name!r}; this chapter has {', '.join(self)}") from None


def validate(**params: Any) -> Params:
    """Check every parameter against its rule; return their canonical values (use these, not the raw names).

    Raises ParameterError naming the first parameter at fault and its allowed values.
    """
    out = {}
    for name, value in params.items():
        rule = RULES.get(name)
        if rule is None:
            raise ParameterError(f"unknown parameter {name!r}; known parameters: {', '.join(sorted(RULES))}.")
        canonical = rule(name, value)
        out[name] = value if canonical is None else canonical  # a rule may only check (returning None)
    return Params(out)
