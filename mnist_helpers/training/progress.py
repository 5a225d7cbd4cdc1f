"""How training reports progress: a bar per epoch, one line per epoch, or nothing."""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

from mnist_helpers.core.env import PROGRESS_ENV
from mnist_helpers.training.history import PROGRESS_MODES, epoch_line


def resolve_progress(progress: str) -> str:
    """'bar', 'lines' or 'none': 'auto' means a bar at a terminal or in a Jupyter frontend, else lines.

    A kernel started by a Jupyter server for a frontend has JPY_SESSION_NAME set; papermill and
    nbconvert start kernels without it, so executed notebooks get one line per epoch.
    """
    if progress not in PROGRESS_MODES:
        raise ValueError(f"progress={progress!r}: use one of {', '.join(PROGRESS_MODES)}.")
    if progress != "auto":
        return progress
    forced = os.environ.get(PROGRESS_ENV, "").strip().lower()
    if forced:
        if forced not in PROGRESS_MODES[1:]:
            raise ValueError(f"{PROGRESS_ENV}={forced!r}: set it to bar, lines or none, or unset it.")
        return forced
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if getattr(shell, "kernel", None) is not None:
        return "bar" if os.environ.get("JPY_SESSION_NAME") else "lines"
    return "bar" if sys.stderr is not None and sys.stderr.isatty() else "lines"


def epoch_bar(epoch: int, epochs: int, steps: int, mode: str) -> Any:
    """A progress bar over one epoch's `steps` batches when `mode` is "bar", else None."""
    if mode != "bar":
        return None
    return _tqdm()(total=steps, desc=f"epoch {epoch}/{epochs}", unit="batch")


def report_epoch(row: dict[str, Any], epochs: int, mode: str, bar: Any = None) -> None:
    """End an epoch's report: close its bar showing the epoch's numbers, or print its one line ("lines")."""
    line = epoch_line(row, epochs)
    if bar is not None:
        bar.set_postfix_str(line.split("  ", 1)[1], refresh=False)
        bar.close()
    elif mode == "lines":
        print(line, flush=True)


def _tqdm() -> Any:
    """tqdm's notebook bar where ipywidgets can draw it, else its text bar (no "IProgress not found" warning);
    imported only when a bar is asked for."""
    if importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    return tqdm
