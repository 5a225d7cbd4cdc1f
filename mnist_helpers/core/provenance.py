"""Provenance: the code version, commit, packages and hardware saved beside every result."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from mnist_helpers.core.threads import available_cores

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # mnist_helpers/
UNTRACKED_CODE = (".py", ".ipynb")  # untracked files that make a tree dirty: code a run would execute
RUN_OUTPUTS = (":(top,exclude,glob)book/*.ipynb", ":(top,exclude)artifacts")  # git pathspecs of what runs write
PACKAGES = (
    "torch",
    "keras",
    "numpy",
    "scikit-learn",
    "scikit-image",
    "pandas",
    "matplotlib",
    "seaborn",
    "papermill",
    "jupyter-book",
)


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A short hash of the helper package's source: results made by other code are stale."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):  # every subpackage
        h.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def _git(folder: str | os.PathLike, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, timeout=10)


def tracked(folder: str | os.PathLike) -> bool:
    """True when the git tree holding `folder` tracks files in it: a copy unpacked inside an unrelated repository
    (no .git of its own) is not that repository's code, and must not take its commit."""
    try:
        result = _git(folder, "ls-files", "-z", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0 and bool(result.stdout)


def git_commit() -> str:
    """The commit of the working tree (with '+dirty' when it has uncommitted changes), or 'unknown' outside git
    or when the tree holding the package does not track it."""
    try:
        head = _git(PACKAGE_DIR, "rev-parse", "--short=12", "HEAD")
        if head.returncode != 0 or not tracked(PACKAGE_DIR):
            return "unknown"
        return head.stdout.strip() + ("+dirty" if uncommitted_changes() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def uncommitted_changes(folder: str | os.PathLike | None = None) -> list[str] | None:
    """Files with uncommitted changes in the git tree holding `folder` (default: the package; [] when clean),
    None outside git or in a tree that does not track `folder`'s files.

    Changed tracked files count, and so do untracked code files (.py, .ipynb) that git does not ignore: an
    untracked notebooks/08_extra.ipynb would be executed and published. A run's own outputs (executed
    notebooks in book/, artifacts/) do not count: a published run rewrites them chapter by chapter, and its
    later chapters were still made by the committed code and notebooks.
    """
    folder = PACKAGE_DIR if folder is None else folder
    try:
        if not tracked(folder):
            return None
        result = _git(folder, "status", "--porcelain", "--untracked-files=all", "--", ":(top)", *RUN_OUTPUTS)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    return [line[3:] for line in lines if not line.startswith("??") or line.endswith(UNTRACKED_CODE)]


def package_versions() -> dict[str, str]:
    """Installed versions of the packages the results depend on."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def hardware() -> dict[str, Any]:
    """CPU model, usable cores, torch threads and memory of this machine."""
    import torch

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    with contextlib.suppress(ValueError, OSError, AttributeError):
        mem_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    return {
        "cpu": cpu,
        "machine": platform.machine(),
        "os": platform.platform(terse=True),
        "usable_cores": available_cores(),
        "torch_threads": torch.get_num_threads(),
        "memory_gib": mem_gib,
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none",
    }
