"""Provenance: the code version, commit, packages and hardware saved beside every result."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mnist_helpers.atomic import read_json, write_json
from mnist_helpers.threads import available_cores

if TYPE_CHECKING:
    import pandas as pd

PACKAGE_DIR = Path(__file__).resolve().parent
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
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def git_commit() -> str:
    """The commit of the working tree (with '+dirty' when it has uncommitted changes), or 'unknown'."""
    try:
        run = lambda *a: subprocess.run(["git", *a], cwd=PACKAGE_DIR, capture_output=True, text=True, timeout=10)
        head = run("rev-parse", "--short=12", "HEAD")
        if head.returncode != 0:
            return "unknown"
        dirty = run("status", "--porcelain", "--untracked-files=no").stdout.strip()
        return head.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def uncommitted_changes(folder: str | os.PathLike = PACKAGE_DIR) -> list[str] | None:
    """Tracked files with uncommitted changes in the git tree holding `folder` ([] when clean), None outside git."""
    try:
        result = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    return [line[3:] for line in result.stdout.splitlines() if line.strip()]


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


class Run:
    """Times a chapter and writes its metrics JSON with the parameters and provenance that made them."""

    def __init__(self, chapter: str, params: dict[str, Any], artifacts_dir: str | os.PathLike):
        self.chapter = chapter
        self.params = dict(params)
        self.root = Path(artifacts_dir) / str(params.get("profile", "quick"))
        self.started = time.perf_counter()
        self.metrics: dict[str, Any] = {}

    @property
    def metrics_path(self) -> Path:
        return self.root / "metrics" / f"{self.chapter}.json"

    def path(self, *parts: str) -> Path:
        """A path under this profile's artifacts directory (parents created)."""
        p = self.root.joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def record(self, **metrics: Any) -> None:
        """Add key metrics to this chapter's record."""
        self.metrics.update(metrics)

    def save(self) -> dict[str, Any]:
        """Write the metrics JSON atomically and return what was written."""
        record = {
            "chapter": self.chapter,
            "profile": self.params.get("profile"),
            "params": self.params,
            "metrics": self.metrics,
            "wall_time_s": round(time.perf_counter() - self.started, 1),
            "code_version": code_version(),
            "git_commit": git_commit(),
            "allow_dirty": os.environ.get("MNIST_ALLOW_DIRTY") == "1",  # set by `mnist-reproduce --allow-dirty`
            "packages": package_versions(),
            "hardware": hardware(),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        write_json(self.metrics_path, record)
        return record


def load_metrics(artifacts_dir: str | os.PathLike, profile: str) -> dict[str, dict[str, Any]]:
    """Every chapter's metrics JSON for `profile`, keyed by chapter (a file that does not parse raises)."""
    folder = Path(artifacts_dir) / profile / "metrics"
    return {p.stem: read_json(p) for p in sorted(folder.glob("*.json"))}


def code_status(recorded: str, current: str | None = None) -> str:
    """'current' when a result's recorded code version is this code's, else 'differs (now <version>)'."""
    current = current or code_version()
    return "current" if recorded == current else f"differs (now {current})"


def runs_table(metrics: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per chapter: wall time, when it finished, the commit and code version that ran it, and whether
    that code is the current code. A commit published with --allow-dirty says so."""
    import pandas as pd

    rows = [
        {
            "chapter": ch,
            "wall time (s)": m["wall_time_s"],
            "finished (UTC)": m["finished"],
            "git commit": m["git_commit"] + (" (--allow-dirty)" if m.get("allow_dirty") else ""),
            "code version": m["code_version"],
            "code now": code_status(m["code_version"]),
            "torch threads": m["hardware"]["torch_threads"],
        }
        for ch, m in metrics.items()
    ]
    return pd.DataFrame(rows).set_index("chapter") if rows else pd.DataFrame(columns=["wall time (s)"])
