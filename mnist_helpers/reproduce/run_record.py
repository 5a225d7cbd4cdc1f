"""A chapter's run record: its metrics JSON with the parameters and provenance that made them, and reading them back."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mnist_helpers.core.atomic import read_json, write_json
from mnist_helpers.core.code_hash import notebook_code
from mnist_helpers.core.cpu_clock import read_cpu_clock, utilization
from mnist_helpers.core.env import ALLOW_DIRTY_ENV
from mnist_helpers.core.paths import PROJECT_ROOT, resolve_dir
from mnist_helpers.core.provenance import code_version, git_commit, hardware, package_versions
from mnist_helpers.reproduce import model_ledger, predictions
from mnist_helpers.reproduce.params import PROFILES, ParameterError

if TYPE_CHECKING:
    import pandas as pd


class NothingToShow(FileNotFoundError):
    """No chapter results where a page looks for them; the message says where it looked and what to run."""


def _plain_record(value: Any) -> Any:
    """DataFrames and Series as JSON records; missing values (pandas' NaN, a NaN float such as one run's standard
    deviation) become null, meaning "no value". Training never records a diverged NaN: fit stops on one."""
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return value.astype(object).where(value.notna(), None).to_dict("records")
    if isinstance(value, pd.Series):
        return value.astype(object).where(value.notna(), None).to_dict()
    if isinstance(value, dict):
        return {k: _plain_record(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_record(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
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
        self.cpu_at_start = read_cpu_clock()
        self.metrics: dict[str, Any] = {}
        self.kept: dict[str, Any] = {}  # models whose per-image predictions are published (`keep_predictions`)
        self.kept_labels: Any = None
        model_ledger.ledger_path(self.metrics_path).unlink(missing_ok=True)  # this run's notes start empty

    @property
    def metrics_path(self) -> Path:
        return self.root / "metrics" / f"{self.chapter}.json"

    def path(self, *parts: str) -> Path:
        """A path under this profile's artifacts directory (parents created). A saved model's path is noted, so that
        the metrics record which models this chapter used (`model_ledger`)."""
        p = self.root.joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        if parts[:1] == (model_ledger.MODELS,):
            model_ledger.note_model(model_ledger.ledger_path(self.metrics_path), p.name)
        return p

    def sibling_params(self, chapter: str) -> dict[str, Any] | None:
        """The parameters `chapter` runs with in this run's profile: a named profile's values for it, or, for a
        profile of one's own, those its metrics record holds (None when it has not run). Its `device` is taken to
        be this run's (a profile's values leave the device free)."""
        profile = str(self.params.get("profile", "quick"))
        values: dict[str, Any] | None
        if profile in PROFILES:
            from mnist_helpers.reproduce.profile_spec import profile_values  # it imports this module (via chapters)

            values = profile_values(profile, chapter)
        else:
            recorded = self.metrics_path.with_name(f"{chapter}.json")
            values = ((read_json(recorded) if recorded.exists() else None) or {}).get("params")
            if not values:
                return None
        return {**values, "device": self.params.get("device", values.get("device"))}

    def sibling_epochs(self, chapter: str, same: tuple[str, ...], when: dict[str, Any] | None = None) -> int | None:
        """The epochs `chapter` trains for in this profile when its runs are ones this chapter could reuse: every
        parameter in `same` equal in both chapters and every item of `when` holding there; None otherwise, or when
        `chapter` has not run under a profile of one's own."""
        theirs = self.sibling_params(chapter)
        if theirs is None or any(theirs.get(k) != v for k, v in (when or {}).items()):
            return None
        if any(theirs.get(k) != self.params.get(k) for k in same):
            return None
        return int(theirs["epochs"])

    def keep_predictions(self, models: dict[str, Any], labels: Any) -> None:
        """Publish these models' per-image predictions with the chapter's metrics (`predictions`): {a name the
        chapter's tables use: a recipe's Trained scored on the images that `labels` labels}. Calls add up; every
        model is scored on the same images."""
        import numpy as np

        if self.kept_labels is not None and not np.array_equal(self.kept_labels, labels):
            raise ValueError(
                f"{self.chapter}: keep_predictions got models scored on other images than the ones kept before; "
                "publish one set of scored images per chapter."
            )
        self.kept.update(models)
        self.kept_labels = np.asarray(labels)

    def record(self, **metrics: Any) -> None:
        """Add key metrics to this chapter's record (DataFrames and Series become records, missing values null)."""
        self.metrics.update({k: _plain_record(v) for k, v in metrics.items()})

    def save(self) -> dict[str, Any]:
        """Write the metrics JSON atomically and return what was written; ModelCollision first (nothing written) when
        another chapter of this profile saves one of this chapter's models under the same name with other settings."""
        ledger = model_ledger.ledger_path(self.metrics_path)
        models = model_ledger.used_models(ledger, self.root / model_ledger.MODELS)
        model_ledger.check_collisions(self.chapter, models, self.metrics_path.parent)
        if self.kept:  # written before the metrics that name its checksum: a killed run leaves no record of it
            self.metrics["predictions"] = predictions.save(self.root, self.chapter, self.kept, self.kept_labels)
        params = dict(self.params)
        if params.get("artifacts_dir") is not None:  # recorded relative to the project when inside it
            params["artifacts_dir"] = _portable(Path(params["artifacts_dir"]))
        record = {
            "chapter": self.chapter,
            "profile": self.params.get("profile"),
            "params": params,
            "metrics": self.metrics,
            "wall_time_s": round(time.perf_counter() - self.started, 1),
            "code_version": chapter_code(self.chapter),
            "git_commit": git_commit(),
            "allow_dirty": os.environ.get(ALLOW_DIRTY_ENV) == "1",  # set by `mnist-reproduce --allow-dirty`
            "packages": package_versions(),
            "hardware": hardware(),
            "cpu_clock": {"start": self.cpu_at_start, "finish": read_cpu_clock()},  # the machine's, see core.cpu_clock
            "models": models,  # {file name under models/: its key's hash}
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        write_json(self.metrics_path, record)
        ledger.unlink(missing_ok=True)
        return record


def check_profile_values(chapter: str, profile: str, params: dict[str, Any]) -> None:
    """ParameterError unless every value in `params` is what the named `profile` gives `chapter`."""
    from mnist_helpers.reproduce.profile_spec import profile_values  # it imports this module (through chapters)

    expected = profile_values(profile, chapter)
    ignored = ("profile", "artifacts_dir", "device")  # where a run happens, not what it computes (README's GPU recipe)
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
        out[p.stem] = check_record(read_json(p), p)
    return out


RECORD_FIELDS = {  # what the reproducibility page reads from every record, and its type
    "chapter": str,
    "metrics": dict,
    "wall_time_s": (int, float),
    "finished": str,
    "git_commit": str,
    "code_version": str,
    "packages": dict,
    "hardware": dict,
}
HARDWARE_FIELDS = {"torch_threads": int}


def check_record(record: Any, source: str | os.PathLike, keys: tuple[str, ...] | None = None) -> dict[str, Any]:
    """`record` when it holds RECORD_FIELDS (or only `keys` of them) with their types; else ValueError naming
    `source`, the key and the fix."""
    fix = "Delete it and re-run that chapter (mnist-reproduce --profile <profile> --only <its number>)."
    if not isinstance(record, dict):
        raise ValueError(f"{source}: not a chapter metrics record (a {type(record).__name__}). {fix}")
    own = {k: v for k, v in RECORD_FIELDS.items() if keys is None or k in keys}
    checks: list[tuple[dict[str, Any], dict[str, Any], str]] = [(own, record, "")]
    if "hardware" in own and isinstance(record.get("hardware"), dict):
        checks.append((HARDWARE_FIELDS, record["hardware"], "hardware."))
    for fields, where, prefix in checks:
        for key, kind in fields.items():
            if key not in where:
                raise ValueError(
                    f"{source}: not a whole chapter metrics record: key {prefix + key!r} is missing. {fix}"
                )
            value = where[key]
            if not isinstance(value, kind) or isinstance(value, bool):
                names = " or ".join(t.__name__ for t in (kind if isinstance(kind, tuple) else (kind,)))
                raise ValueError(
                    f"{source}: key {prefix + key!r} is {value!r} (a {type(value).__name__}), not a {names}. {fix}"
                )
    return record


def chapter_code(chapter: str) -> str:
    """The hash of the code a chapter's notebook imports (`core.code_hash.notebook_code`): what made its results.
    The whole package's `code_version` when the notebook is not where the runner looks for it."""
    from mnist_helpers.reproduce.chapters import default_notebooks_dir  # chapters imports params, as this does

    notebook = default_notebooks_dir() / f"{chapter}.ipynb"
    return notebook_code(notebook) if notebook.is_file() else code_version()


def code_status(recorded: str, current: str | None = None) -> str:
    """'current' when a result's recorded code version is this code's, else 'differs (now <version>)'."""
    current = current or code_version()
    return "current" if recorded == current else f"differs (now {current})"


def runs_table(metrics: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per chapter: wall time, when it finished, the commit and code version that ran it (the modules its
    notebook imports, `chapter_code`), and whether that code is the current code. A commit published with
    --allow-dirty says so."""
    import pandas as pd

    read = ("wall_time_s", "finished", "git_commit", "code_version", "hardware")
    metrics = {ch: check_record(m, f"the metrics record of {ch}", read) for ch, m in metrics.items()}
    rows = [
        {
            "chapter": ch,
            "wall time (s)": m["wall_time_s"],
            "finished (UTC)": m["finished"],
            "git commit": m["git_commit"] + (" (--allow-dirty)" if m.get("allow_dirty") else ""),
            "code version": m["code_version"],
            "code now": code_status(m["code_version"], chapter_code(ch)),
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


def run_span(metrics: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """How long the chapters took together: "span_s", from the first chapter's start (its finish less its wall
    time) to the last one's finish, the time a reader waits when chapters run side by side; "summed_s", their
    wall times added; "core_hours", each chapter's wall time times the torch threads it was given; and
    "cpu_utilization", the machine's busy CPU-seconds over that span divided by cores x span (None when a
    chapter's record has no CPU clock readings, as those made before they were recorded)."""
    from datetime import datetime

    if not metrics:
        return {"span_s": 0.0, "summed_s": 0.0, "core_hours": 0.0, "cpu_utilization": None}
    read = ("wall_time_s", "finished", "hardware")
    metrics = {ch: check_record(m, f"the metrics record of {ch}", read) for ch, m in metrics.items()}
    finished = {ch: datetime.strptime(m["finished"], "%Y-%m-%dT%H:%M:%SZ").timestamp() for ch, m in metrics.items()}
    starts = [finished[ch] - m["wall_time_s"] for ch, m in metrics.items()]
    span = max(finished.values()) - min(starts)
    clocks = [m.get("cpu_clock") or {} for m in metrics.values()]
    return {
        "span_s": span,
        "summed_s": float(sum(m["wall_time_s"] for m in metrics.values())),
        "core_hours": sum(m["wall_time_s"] * m["hardware"]["torch_threads"] for m in metrics.values()) / 3600,
        "cpu_utilization": utilization([(c.get("start"), c.get("finish")) for c in clocks], span),
    }
