"""Every environment variable the project reads or sets, named once; modules use these constants, never the literals."""

from __future__ import annotations

import os
import sys
from pathlib import Path

DATA_DIR_ENV = "MNIST_DATA_DIR"  # the folder holding MNIST's four IDX files (data.mnist.load_mnist)
CACHE_DIR_ENV = "MNIST_CACHE_DIR"  # where downloaded MNIST files are kept (default: the XDG user cache)
NOTEBOOKS_ENV = "MNIST_NOTEBOOKS_DIR"  # where the chapter notebooks are when the package is not an editable install
ALLOW_DIRTY_ENV = "MNIST_ALLOW_DIRTY"  # "1" for the kernels of a run published from a dirty tree; Run.save records it
PROGRESS_ENV = "MNIST_PROGRESS"  # bar | lines | none: overrides progress="auto" (runners set it to "lines")
SCHEDULER_ENV = "MNIST_DASK_SCHEDULER"  # tcp://host:port of a Dask scheduler; unset: run on this machine
SWEEP_PARENT_ENV = "MNIST_SWEEP_PARENT"  # pid of the process that started a sweep (its workers take its locks over)
LOCKS_HELD_ENV = "MNIST_LOCKS_HELD"  # folders whose lock an ancestor process holds for us: JSON {folder: pid}
AUTHOR_LOGS_ENV = "AUTHOR_LOGS_DIR"  # overrides where Dutta's per-epoch CSV logs are looked for
KERAS_BACKEND_ENV = "KERAS_BACKEND"  # Keras 3's backend; the project's Keras code runs on torch
KERAS_BACKEND = "torch"  # the value set when the variable is unset (keras reads it once, at import)

PATH_ENVS = (DATA_DIR_ENV, CACHE_DIR_ENV, NOTEBOOKS_ENV, AUTHOR_LOGS_ENV)  # folders: relative ones need a base
# What a kernel started elsewhere (a Dask worker) must get from the runner: it does not inherit its environment.
FORWARDED_ENVS = (*PATH_ENVS, ALLOW_DIRTY_ENV, PROGRESS_ENV, LOCKS_HELD_ENV, KERAS_BACKEND_ENV)


def forwarded_env() -> dict[str, str]:
    """The project's variables set in this process, for a kernel started on another machine."""
    return {name: os.environ[name] for name in FORWARDED_ENVS if name in os.environ}


def default_keras_backend() -> None:
    """Set KERAS_BACKEND to torch unless the user chose one; call before the first `import keras`."""
    os.environ.setdefault(KERAS_BACKEND_ENV, KERAS_BACKEND)


def keras_on_torch() -> None:
    """Before `import keras` in this project: KERAS_BACKEND must be torch (set when unset), and a Keras imported
    earlier must run on torch; otherwise a RuntimeError naming the variable and the fix (not "No module 'jax'")."""
    default_keras_backend()
    chosen = os.environ[KERAS_BACKEND_ENV]
    keras = sys.modules.get("keras")
    running = keras.backend.backend() if keras is not None and hasattr(keras, "backend") else chosen
    if chosen.strip().lower() != KERAS_BACKEND or running != KERAS_BACKEND:
        raise RuntimeError(
            f"{KERAS_BACKEND_ENV}={chosen!r} (Keras running on {running!r}): this project's Keras code runs on "
            f"torch, its only deep-learning dependency. Fix: export {KERAS_BACKEND_ENV}={KERAS_BACKEND} (or unset it) "
            "before starting Python or the notebook kernel."
        )


def absolute_path_envs(base: str | os.PathLike) -> dict[str, str]:
    """Make every relative folder in PATH_ENVS absolute against `base` (where the user typed the command).

    Kernels (nbval's, papermill's) run in the notebooks' folder, where a relative path would mean another
    folder. Returns what was changed, {name: new value}.
    """
    changed = {}
    for name in PATH_ENVS:
        value = os.environ.get(name)
        if value and not Path(value).expanduser().is_absolute():
            changed[name] = os.path.normpath(Path(base) / Path(value).expanduser())
            os.environ[name] = changed[name]
    return changed
