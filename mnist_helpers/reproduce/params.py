"""Chapter parameters: one rule per name, checked in each notebook's first cell and by the runner.

Each rule returns the parameter's canonical value; notebooks use the dict `validate` returns, never the raw
names. Choices (profile, optimizer, engine) are accepted only in their canonical lower-case spelling, so a
raw value and its validated value never disagree. `artifacts_dir` is the one value validation changes:
None means the project's own `artifacts/` folder wherever the kernel runs; a relative path is resolved
once, against the working directory of the process that validates it (the directory you ran the runner or
papermill from; papermill's `--cwd` if you gave one), and returned absolute.
"""

from __future__ import annotations

import ast
import difflib
import math
import numbers
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mnist_helpers.augment.transforms import check_rotation_factor
from mnist_helpers.claims.author_logs import LOG_EPOCHS
from mnist_helpers.core.device import DEVICES
from mnist_helpers.core.env import NOTEBOOKS_ENV
from mnist_helpers.core.paths import resolve_dir
from mnist_helpers.data.mnist import PIXELS, TEST_SIZE, TRAIN_SIZE
from mnist_helpers.training.optimizers import OPTIMIZERS

PROFILES = ("quick", "full", "seed")  # the named profiles: a run writes under one only with its values
PROFILE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")  # a profile name of your own (a folder name)
# Keras's seed generator holds its seed as an int32 (2**31 - 1 at most), and the models add small per-layer
# offsets (< 1024) to the seed they are given: larger seeds fail only when the Keras model is built, after training
SEED_MAX = 2**31 - 1 - 1024
SEED_WHY = "Keras keeps seeds as 32-bit signed integers and adds per-layer offsets"
EPOCHS_MAX = 1000  # the longest run any profile asks for is 200 epochs; 1000 on the full set take days on a CPU
EPOCHS_WHY = "the profiles ask for at most 200; 1000 epochs of the full set take days on a CPU"
SEEDS_MAX = 100  # runs per arm: each seed is a whole training run; 100 already takes days at the full profile
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


def int_range(lo: int, hi: int | None = None, why: str = "") -> Rule:
    """An integer in [lo, hi]; `why` says where the bound comes from."""
    allowed = f"an integer from {lo} to {hi}" if hi is not None else f"an integer >= {lo}"
    allowed += f" ({why})" if why else ""

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
            if isinstance(value, str):  # papermill's -p passes text: a list needs YAML
                raise ParameterError(
                    f"parameter {name!r} = {value!r} is not allowed: a list of {size}, got text. papermill's -p "
                    f"passes its value as text; give a list as YAML with -y instead: -y '{name}: [0, 1]' "
                    f"(e.g. papermill in.ipynb out.ipynb -y '{name}: {value.strip() or '[0]'}')."
                )
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


RULES: dict[str, Rule] = {  # one per parameter some chapter's parameters cell declares
    "profile": profile_name,
    "seed": int_range(0, SEED_MAX, SEED_WHY),
    "seeds": list_of(int_range(0, SEED_MAX, SEED_WHY), max_len=SEEDS_MAX, unique=True),
    "few_seeds": list_of(int_range(0, SEED_MAX, SEED_WHY), max_len=SEEDS_MAX, unique=True),
    "convergence_pct": finite_range(0.0, 100.0, True, "98.5 (percent test accuracy)"),
    "artifacts_dir": writable_dir,
    "epochs": int_range(1, EPOCHS_MAX, EPOCHS_WHY),
    "claim_epochs": int_range(1, EPOCHS_MAX, EPOCHS_WHY),  # chapter 8: the report's claims (chapter 4's epochs)
    "batch_size": int_range(1, TRAIN_SIZE, "a batch holds at most the whole training split"),
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
    "stats_batch_size": int_range(1, TRAIN_SIZE, "a batch holds at most the whole training split"),
    "n_examples": int_range(1, 100),
    "n_draws": int_range(1, 20),
    "throughput_images": int_range(64, TRAIN_SIZE),
    "param_draws": int_range(100, 1_000_000),  # chapter 2: random parameter draws per setting (C7, C9)
    "dutta_epochs": int_range(1, LOG_EPOCHS, f"chapter 4 reads the author's {LOG_EPOCHS}-epoch log at this epoch"),
    "keras_epochs": int_range(1, LOG_EPOCHS, "chapter 5 sets the Keras run beside the twin's at this epoch"),
    "dutta_batch_size": int_range(1, TRAIN_SIZE, "a batch holds at most the whole training split"),
    "reuse_models": boolean,
    "engine": choice("keras", "torch"),
    "device": choice(*DEVICES),  # "cuda" is checked against the machine when training starts (device.py)
    "ablation_epochs": int_range(1, EPOCHS_MAX, EPOCHS_WHY),
    "patience": int_range(1, EPOCHS_MAX, "epochs without a gain: at most the longest run"),
    "lr_patience": int_range(1, EPOCHS_MAX, "epochs without a gain: at most the longest run"),
    "min_delta": finite_range(0.0, 0.5, False, "0.01 (a 1% fall; 0: any fall counts)"),
    "val_size": int_range(1, TRAIN_SIZE - 1),
}


JOINT_RULES = (("keras_epochs", "epochs"),)  # (part, whole): part may not exceed whole


class Params(dict):
    """Validated parameters: a dict (for provenance records) whose values also read as attributes (`p.epochs`)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no parameter {name!r}; this chapter has {', '.join(self)}") from None


def validate(namespace: Mapping[str, Any] | None = None, chapter: str | None = None, /, **values: Any) -> Params:
    """Check every parameter against its rule; return their canonical values (use these, not the raw names).

    In a notebook, `validate(globals(), "03_mlp")` takes the names the chapter's `parameters` cell declares
    and their values from the namespace, and refuses a name papermill injected that the cell does not
    declare (a misspelt `-p`). Scripts and tests pass the values by name: `validate(epochs=3)`.
    Raises ParameterError naming the first parameter at fault and its allowed values.
    """
    if namespace is not None:
        if chapter is None or values:
            raise TypeError('call validate(globals(), "<chapter>") in a notebook, or validate(name=value, ...)')
        values = notebook_values(namespace, chapter)
    out = {}
    for name, value in values.items():
        rule = RULES.get(name)
        if rule is None:
            raise ParameterError(f"unknown parameter {name!r}; known parameters: {', '.join(sorted(RULES))}.")
        canonical = rule(name, value)
        out[name] = value if canonical is None else canonical  # a rule may only check (returning None)
    for part, whole in JOINT_RULES:
        if part in out and whole in out and out[part] > out[whole]:
            raise ParameterError(
                f"parameter {part!r} = {out[part]!r} exceeds {whole!r} = {out[whole]!r}: it reads the {whole} "
                f"runs at that epoch. Set {part} to at most {out[whole]!r}, or raise {whole}."
            )
    return Params(out)


def injected_names(namespace: Mapping[str, Any]) -> list[str]:
    """The names papermill assigned in its injected cell ("# Parameters"), read from IPython's `In` history."""
    names = []
    for source in namespace.get("In") or []:
        if isinstance(source, str) and source.lstrip().startswith("# Parameters"):
            for stmt in ast.parse(source).body:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else []
                names += [t.id for t in targets if isinstance(t, ast.Name) and t.id not in names]
    return names


def notebook_values(namespace: Mapping[str, Any], chapter: str) -> dict[str, Any]:
    """{name: value} for the names `chapter`'s parameters cell declares; a name papermill injected but the
    cell does not declare raises ParameterError with the closest declared name."""
    # imported here: both import this module (for ParameterError)
    from mnist_helpers.reproduce.chapters import default_notebooks_dir
    from mnist_helpers.reproduce.profile_spec import declared_parameters

    places = [default_notebooks_dir() / f"{chapter}.ipynb", Path.cwd() / f"{chapter}.ipynb"]
    notebook = next((nb for nb in places if nb.is_file()), None)
    if notebook is None:
        raise ParameterError(
            f"chapter {chapter!r}: no notebook {places[0]} (nor {places[1]}) to read its parameters cell from. "
            f"Pass the notebook's name (its file name without .ipynb), or set {NOTEBOOKS_ENV} to its folder."
        )
    declared = list(declared_parameters(notebook))
    for name in injected_names(namespace):
        if name not in declared:
            close = difflib.get_close_matches(name, declared, 1)
            fix = f"-p {close[0]} ..." if close else "one of its parameters"
            raise ParameterError(
                f"papermill was given parameter {name!r}, which {notebook.name}'s parameters cell does not declare"
                + (f" (did you mean {close[0]!r}?)" if close else "")
                + f"; it would be ignored. Use {fix} instead; its parameters are {', '.join(declared)}."
            )
    missing = [name for name in declared if name not in namespace]
    if missing:
        raise ParameterError(
            f"{notebook.name}: {', '.join(missing)} not defined: run the parameters cell before the one that validates."
        )
    return {name: namespace[name] for name in declared}
