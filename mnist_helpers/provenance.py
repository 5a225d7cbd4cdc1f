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
from mnist_helpers.params import PROFILES, PROJECT_ROOT, ParameterError, resolve_dir
from mnist_helpers.threads import available_cores

if TYPE_CHECKING:
    import pandas as pd

PACKAGE_DIR = Path(__file__).resolve().parent
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
        return head.stdout.strip() + ("+dirty" if uncommitted_changes() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def uncommitted_changes(folder: str | os.PathLike = PACKAGE_DIR) -> list[str] | None:
    """Tracked files with uncommitted changes in the git tree holding `folder` ([] when clean), None outside git.

    A run's own outputs (executed notebooks in book/, artifacts/) do not count: a published run rewrites them
    chapter by chapter, and its later chapters were still made by the committed code and notebooks.
    """
    try:
        result = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ":(top)", *RUN_OUTPUTS],
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


class NothingToShow(FileNotFoundError):
    """No chapter results where a page looks for them; the message says where it looked and what to run."""


def _plain_record(value: Any) -> Any:
    """DataFrames and Series as JSON records; their missing values (pandas' NaN) become null, meaning "no value"."""
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return value.astype(object).where(value.notna(), None).to_dict("records")
    if isinstance(value, pd.Series):
        return value.astype(object).where(value.notna(), None).to_dict()
    return value


class Run:
    """Times a chapter and writes its metrics JSON with the parameters and provenance that made them.

    `params` are the values `params.validate` returned. Under a named profile (quick, full, seed) a Run
    refuses, before any work, parameters that are not that profile's values for `chapter` (results under
    artifacts/<profile>/ are that profile's results); other values need a profile name of their own.
    Its folder is <artifacts_dir>/<profile>/, with artifacts_dir taken from `params` when there (validated,
    absolute), else resolved from `artifacts_dir` as validate would.
    """

    def __init__(self, chapter: str, params: dict[str, Any], artifacts_dir: str | os.PathLike | None = None):
        self.chapter = chapter
        self.params = dict(params)
        profile = str(params.get("profile", "quick"))
        if profile in PROFILES:
            check_profile_values(chapter, profile, self.params)
        self.root = resolve_dir(params.get("artifacts_dir", artifacts_dir)) / profile
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
        """Add key metrics to this chapter's record (DataFrames and Series become records, missing values null)."""
        self.metrics.update({k: _plain_record(v) for k, v in metrics.items()})

    def save(self) -> dict[str, Any]:
        """Write the metrics JSON atomically and return what was written."""
        params = dict(self.params)
        if params.get("artifacts_dir") is not None:  # recorded relative to the project when inside it
            params["artifacts_dir"] = _portable(Path(params["artifacts_dir"]))
        record = {
            "chapter": self.chapter,
            "profile": self.params.get("profile"),
            "params": params,
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


def check_profile_values(chapter: str, profile: str, params: dict[str, Any]) -> None:
    """ParameterError unless every value in `params` is what the named `profile` gives `chapter`."""
    from mnist_helpers.profile_spec import profile_values  # it imports this module (through chapters)

    expected = profile_values(profile, chapter)
    ignored = ("profile", "artifacts_dir")
    differ = [k for k, v in params.items() if k not in ignored and (k not in expected or expected[k] != v)]
    if differ:
        said = ", ".join(f"{k}={params[k]!r} ({profile}: {expected.get(k, 'not a parameter of it')!r})" for k in differ)
        raise ParameterError(
            f"profile {profile!r} holds {chapter}'s results for {profile}'s values, and these differ: {said}. "
            f"Use {profile}'s values (mnist-reproduce --profile {profile} --only {chapter[:2]}), or set 'profile' "
            f"to a name of your own (e.g. -p profile mine) to write these results under <artifacts_dir>/mine/."
        )


def _portable(path: Path) -> str:
    """`path` relative to the project when inside it (a record that reads the same on every clone), else absolute."""
    try:
        return path.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return os.fspath(path)


def load_metrics(artifacts_dir: str | os.PathLike | None, profile: str) -> dict[str, dict[str, Any]]:
    """Every chapter's metrics JSON for `profile`, keyed by chapter.

    Raises NothingToShow when there are none (naming the folder, the profiles that do have results and
    what to run), and ValueError for a file that does not parse or does not hold a chapter record.
    """
    root = resolve_dir(artifacts_dir)
    folder = root / profile / "metrics"
    files = sorted(folder.glob("*.json"))
    if not files:
        why = "does not exist" if not folder.is_dir() else "holds no metrics JSON"
        others = sorted(p.parent.parent.name for p in root.glob("*/metrics/*.json"))
        elsewhere = f" Results exist for profile(s) {', '.join(dict.fromkeys(others))}." if others else ""
        raise NothingToShow(
            f"nothing to show for profile {profile!r}: {folder} {why}.{elsewhere} Run the chapters first "
            f"(mnist-reproduce --profile {profile}), or point artifacts_dir at the folder they wrote to."
        )
    out = {}
    for p in files:
        record = read_json(p)
        if not isinstance(record, dict) or not {"chapter", "metrics", "wall_time_s"} <= set(record):
            raise ValueError(f"{p}: not a chapter metrics record. Delete it and re-run that chapter.")
        out[p.stem] = record
    return out


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


def metrics_or_reason(artifacts_dir: str | os.PathLike | None, profile: str) -> tuple[dict[str, dict[str, Any]], str]:
    """`load_metrics`, but with no metrics yet: ({}, NothingToShow's message) instead of raising, so a page that
    summarises the chapters can say what to run; ("" when there are metrics)."""
    try:
        return load_metrics(artifacts_dir, profile), ""
    except NothingToShow as e:
        return {}, str(e)
