"""Run every chapter notebook through papermill with a named profile, into book/, resuming where it stopped."""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from mnist_helpers import locks
from mnist_helpers.atomic import atomic_path, clean_stale
from mnist_helpers.params import PROFILES, ParameterError, validate
from mnist_helpers.provenance import code_version

if TYPE_CHECKING:
    import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
META_KEY = "mnist_reproduced"  # notebook metadata key holding how an executed notebook was made


def load_profile(profile: str | os.PathLike) -> dict[str, Any]:
    """A profile by name (quick, full, seed) or by path to a YAML file: {'all': {...}, 'chapters': {...}}."""
    path = Path(profile)
    if not path.suffix:
        if str(profile) not in PROFILES:
            raise ParameterError(
                f"parameter 'profile' = {str(profile)!r} is not allowed: "
                f"one of {', '.join(PROFILES)}, or a path to a .yaml file."
            )
        path = PROFILE_DIR / f"{profile}.yaml"
    if not path.is_file():
        raise ParameterError(
            f"profile file {path} does not exist; pass one of {', '.join(PROFILES)} or an existing .yaml file."
        )
    try:
        spec = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        raise ParameterError(f"profile file {path} is not valid YAML: {e}") from None
    if not isinstance(spec, dict) or set(spec) - {"all", "chapters"}:
        raise ParameterError(
            f"profile file {path}: expected top-level keys 'all' and 'chapters' only, "
            f"got {sorted(spec) if isinstance(spec, dict) else type(spec).__name__}."
        )
    spec.setdefault("all", {})
    spec.setdefault("chapters", {})
    return spec


def chapter_parameters(spec: dict[str, Any], notebook: Path) -> dict[str, Any]:
    """The validated parameters a profile gives one notebook (its 'all' values it declares, plus its own)."""
    import papermill

    declared = papermill.inspect_notebook(str(notebook))
    own = dict(spec["chapters"].get(notebook.stem) or {})
    unknown = sorted(set(own) - set(declared))
    if unknown:
        raise ParameterError(
            f"profile gives {notebook.stem} parameter(s) {unknown} it does not have; it has {sorted(declared)}."
        )
    params = {k: v for k, v in spec["all"].items() if k in declared}
    params.update(own)
    return validate(**params)


def notebooks(folder: Path = ROOT / "notebooks") -> list[Path]:
    """The chapter notebooks in order, then the reproducibility page (which reads the chapters' results)."""
    chapters = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))
    return chapters + sorted(p for p in folder.glob("*.ipynb") if p not in chapters)


def _fingerprint(notebook: Path, params: dict[str, Any]) -> dict[str, Any]:
    """What an executed notebook depends on: parameters, the cells' sources (not their stored outputs), the code."""
    import nbformat

    cells = nbformat.read(notebook, as_version=4).cells
    sources = "\x00".join(f"{c.cell_type}:{c.source}" for c in cells)
    return {
        "params": params,
        "source_sha": hashlib.sha256(sources.encode()).hexdigest()[:16],
        "code_version": code_version(),
    }


def is_current(output: Path, fingerprint: dict[str, Any]) -> bool:
    """True when `output` was made, completely, from the same notebook, parameters and code."""
    import nbformat

    if not output.is_file():
        return False
    try:
        made = nbformat.read(output, as_version=4).metadata.get(META_KEY, {})
    except Exception:  # an unreadable notebook is simply not current
        return False
    return made.get("status") == "ok" and all(made.get(k) == v for k, v in fingerprint.items())


class Interrupted(RuntimeError):
    """A chapter stopped by Ctrl-C or by its kernel dying (out of memory); re-running resumes it."""


def _dead_kernel_errors() -> tuple[type[BaseException], ...]:
    from nbclient.exceptions import DeadKernelError

    return (DeadKernelError,)


def _interruption(notebook: Path, partial: Path, error: BaseException, kernel_log: Path) -> str:
    """One line: the chapter, the cell running when it stopped (from papermill's partial output), what to do."""
    import nbformat

    cell = ""
    with contextlib.suppress(Exception):  # the partial notebook may be empty or half-written: then no cell is named
        cells = [
            c
            for c in nbformat.read(partial, as_version=4).cells
            if "injected-parameters" not in c.get("metadata", {}).get("tags", [])
        ]
        started = [i for i, c in enumerate(cells) if c.get("metadata", {}).get("papermill", {}).get("start_time")]
        if started:  # papermill stamps each cell's start: the last one stamped was running
            first_line = cells[started[-1]].source.strip().splitlines()[0][:60]
            cell = f" in cell {started[-1] + 1} of {len(cells)} ({first_line})"
    if isinstance(error, KeyboardInterrupt):
        what = "interrupted (Ctrl-C)"
    else:
        what = "stopped: its kernel died (out of memory?)"
    return f"{notebook.stem} {what}{cell}; kernel log in {kernel_log}; finished chapters are kept, re-run to resume."


@contextlib.contextmanager
def _kernel_manager(log: Path):
    """A kernel manager class whose kernels write their own stderr to `log`, not the terminal.

    A kernel torn down mid-cell (Ctrl-C) prints a long ZMQ traceback there; its cells' outputs are unaffected.
    """
    from jupyter_client.manager import AsyncKernelManager

    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as stream:

        class LoggedKernelManager(AsyncKernelManager):
            async def start_kernel(self, **kw: Any) -> None:
                kw.setdefault("stderr", stream)
                await super().start_kernel(**kw)

        yield LoggedKernelManager


def execute(notebook: Path, output: Path, params: dict[str, Any], fingerprint: dict[str, Any], log_dir: Path) -> float:
    """Execute one notebook with papermill; write it to `output` atomically only when it ran to the end."""
    import nbformat
    import papermill

    started = time.perf_counter()
    failed = log_dir / output.name
    kernel_log = log_dir.parent / "kernels" / f"{notebook.stem}.log"
    with atomic_path(output, suffix=".ipynb") as tmp, _kernel_manager(kernel_log) as manager:
        try:
            papermill.execute_notebook(
                str(notebook),
                str(tmp),
                parameters=params,
                cwd=str(notebook.parent),
                kernel_name="python3",
                progress_bar=sys.stderr.isatty(),
                log_output=False,
                kernel_manager_class=manager,
            )
        except (KeyboardInterrupt, *_dead_kernel_errors()) as e:
            raise Interrupted(_interruption(notebook, tmp, e, kernel_log)) from None
        except papermill.PapermillExecutionError as e:
            log_dir.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, failed)
            raise RuntimeError(
                f"{notebook.name} failed in cell {e.exec_count} ({e.ename}: {e.evalue}).\n"
                f"The cell:\n    " + "\n    ".join(e.source.splitlines()) + "\n"
                f"The executed notebook up to the error is in {failed}."
            ) from None
        seconds = time.perf_counter() - started
        nb = nbformat.read(tmp, as_version=4)
        nb.metadata[META_KEY] = {**fingerprint, "status": "ok", "seconds": round(seconds, 1)}
        nbformat.write(nb, tmp)
    return seconds


def run(
    profile: str,
    only: list[str] | None = None,
    out_dir: Path = ROOT / "book",
    force: bool = False,
    notebooks_dir: Path = ROOT / "notebooks",
) -> dict[str, float]:
    """Run the profile's notebooks in order; skip the ones already current; stop at the first failure."""
    spec = load_profile(profile)
    todo = [nb for nb in notebooks(notebooks_dir) if not only or any(nb.stem.startswith(o) for o in only)]
    plans = [(nb, chapter_parameters(spec, nb)) for nb in todo]  # validate everything before running anything
    os.environ.setdefault("MNIST_PROGRESS", "lines")  # one line per epoch in executed notebooks
    with _holding(_artifact_folders(plans) + [out_dir]):
        return _run_plans(plans, out_dir, force)


def _artifact_folders(plans: list[tuple[Path, dict[str, Any]]]) -> list[Path]:
    """Each chapter's <artifacts_dir>/<profile>/ (its parameter or notebook default, relative to the notebook)."""
    import papermill

    folders = set()
    for nb, params in plans:
        defaults = {k: v["default"] for k, v in papermill.inspect_notebook(str(nb)).items()}
        if "artifacts_dir" not in params and "artifacts_dir" not in defaults:
            continue
        value = {k: params.get(k) or ast.literal_eval(defaults.get(k, '"quick"')) for k in ("artifacts_dir", "profile")}
        folders.add((nb.parent / value["artifacts_dir"] / str(value["profile"])).resolve())
    return sorted(folders)


@contextlib.contextmanager
def _holding(folders: list[Path]):
    """Lock every folder (sorted: no deadlock between runners), clean stale temporaries, tell the kernels."""
    with contextlib.ExitStack() as stack:
        for folder in sorted({f.resolve() for f in folders}):
            stack.enter_context(locks.folder_lock(folder))
            clean_stale(folder, older_than=0, recursive=True)  # we hold the lock: no one else is writing here
        env = locks.hold_for_children(list(folders))
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)  # kernels inherit the runner's environment
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def _run_plans(plans: list[tuple[Path, dict[str, Any]]], out_dir: Path, force: bool) -> dict[str, float]:
    """Execute the plans in order, skipping current outputs (the body of `run`, under its locks)."""
    times: dict[str, float] = {}
    for i, (nb, params) in enumerate(plans, 1):
        out = out_dir / nb.name
        fp = _fingerprint(nb, params)
        if not force and is_current(out, fp):
            print(f"[{i}/{len(plans)}] {nb.stem}: up to date, skipped", flush=True)
            continue
        print(f"[{i}/{len(plans)}] {nb.stem}: running with {params}", flush=True)
        times[nb.stem] = execute(nb, out, params, fp, out_dir.parent / "_build" / "failed")
        print(f"[{i}/{len(plans)}] {nb.stem}: done in {times[nb.stem]:.0f} s -> {out}", flush=True)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", default="quick", help="quick, full, seed, or a path to a profile .yaml file")
    parser.add_argument("--only", nargs="*", help="notebook name prefixes to run, e.g. 03 04")
    parser.add_argument("--out", type=Path, default=ROOT / "book", help="where executed notebooks go (default: book/)")
    parser.add_argument("--force", action="store_true", help="re-run notebooks even when they are up to date")
    args = parser.parse_args(argv)
    logging.getLogger("papermill").addHandler(logging.NullHandler())  # its "Kernel died" line repeats our error
    started = time.perf_counter()
    try:
        times = run(args.profile, args.only, args.out, args.force)
    except KeyboardInterrupt:  # between chapters, or while validating
        print("interrupted (Ctrl-C); finished chapters are kept, re-run to resume.", file=sys.stderr)
        return 130
    except Interrupted as e:
        print(f"error: {e}", file=sys.stderr)
        return 130 if "Ctrl-C" in str(e) else 1
    except (ParameterError, RuntimeError, OSError) as e:  # OSError: atomic's WriteError names path, cause and fix
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"ran {len(times)} notebook(s) in {time.perf_counter() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def profile_table(profile: str | os.PathLike) -> pd.DataFrame:
    """A profile's parameters as a table: one row per (chapter, parameter), shared values marked 'all'."""
    import pandas as pd

    spec = load_profile(profile)
    rows = [{"chapter": "all", "parameter": k, "value": v} for k, v in spec["all"].items()]
    rows += [
        {"chapter": ch, "parameter": k, "value": v}
        for ch, own in spec["chapters"].items()
        for k, v in (own or {}).items()
    ]
    return pd.DataFrame(rows).set_index(["chapter", "parameter"])
