"""Run every chapter notebook through papermill with a named profile, into book/, resuming where it stopped."""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from mnist_helpers.atomic import atomic_path
from mnist_helpers.params import PROFILES, ParameterError, validate
from mnist_helpers.provenance import code_version
from mnist_helpers.sweep import SCHEDULER_ENV, scheduler_address
from mnist_helpers.threads import available_cores, omp_limit

if TYPE_CHECKING:
    import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
META_KEY = "mnist_reproduced"  # notebook metadata key holding how an executed notebook was made
DEPENDS_ON = {"07": ("04",)}  # chapter 7 reuses chapter 4's saved CNN


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


def execute(notebook: Path, output: Path, params: dict[str, Any], fingerprint: dict[str, Any], log_dir: Path) -> float:
    """Execute one notebook with papermill; write it to `output` atomically only when it ran to the end."""
    import nbformat
    import papermill

    started = time.perf_counter()
    failed = log_dir / output.name
    with atomic_path(output, suffix=".tmp.ipynb") as tmp:  # papermill wants an .ipynb name
        try:
            papermill.execute_notebook(
                str(notebook),
                str(tmp),
                parameters=params,
                cwd=str(notebook.parent),
                kernel_name="python3",
                progress_bar=sys.stderr.isatty(),
                log_output=False,
            )
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
    jobs: int = 1,
    scheduler: str | None = None,
) -> dict[str, float]:
    """Run the profile's notebooks in order; skip the ones already current; stop at the first failure."""
    spec = load_profile(profile)
    todo = [nb for nb in notebooks(notebooks_dir) if not only or any(nb.stem.startswith(o) for o in only)]
    plans = [(nb, chapter_parameters(spec, nb)) for nb in todo]  # validate everything before running anything
    os.environ.setdefault("MNIST_PROGRESS", "lines")  # one line per epoch in executed notebooks
    if jobs != 1 or scheduler_address(scheduler) is not None:
        return run_parallel(plans, out_dir, force, jobs, scheduler)
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


def dependencies(stems: list[str]) -> dict[str, set[str]]:
    """Which chapters each one waits for: DEPENDS_ON between numbered chapters, and pages without a number
    (the reproducibility page reads every chapter's results) after every numbered chapter."""
    numbered = [s for s in stems if s[:2].isdigit()]
    needs: dict[str, set[str]] = {}
    for stem in stems:
        if not stem[:2].isdigit():
            needs[stem] = set(numbered)
        else:
            wanted = DEPENDS_ON.get(stem[:2], ())
            needs[stem] = {s for s in numbered if s[:2] in wanted}
    return needs


def run_parallel(
    plans: list[tuple[Path, dict[str, Any]]], out_dir: Path, force: bool, jobs: int, scheduler: str | None = None
) -> dict[str, float]:
    """Execute the plan `jobs` notebooks at a time (each kernel gets cores // jobs threads through
    OMP_NUM_THREADS, which `configure_threads` honours), a chapter starting once the chapters it depends
    on have finished; or on a Dask cluster given its scheduler address (the workers must see this
    repository and its artifacts at the same paths). Current notebooks are skipped as in `run`; the first
    failure stops new starts, lets the running ones finish, and is raised."""
    import concurrent.futures as cf

    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ParameterError(f"--jobs {jobs!r}: pass a positive number of notebooks to run at once.")
    address = scheduler_address(scheduler)
    n = len(plans)
    pending: dict[str, tuple[int, Path, dict[str, Any], dict[str, Any]]] = {}
    for i, (nb, params) in enumerate(plans, 1):
        fp = _fingerprint(nb, params)
        if not force and is_current(out_dir / nb.name, fp):
            print(f"[{i}/{n}] {nb.stem}: up to date, skipped", flush=True)
        else:
            pending[nb.stem] = (i, nb, params, fp)
    needs = {stem: deps & set(pending) for stem, deps in dependencies([nb.stem for nb, _ in plans]).items()}
    old_omp = os.environ.get("OMP_NUM_THREADS")
    if address is None:  # kernels inherit this process's environment
        os.environ["OMP_NUM_THREADS"] = str(max(1, min(available_cores(), omp_limit() or 10**6) // jobs))
        executor, client = cf.ThreadPoolExecutor(max_workers=jobs), None  # each notebook runs in its own kernel
    else:
        from dask.distributed import Client

        client = Client(address)
        executor = client.get_executor()
    times: dict[str, float] = {}
    running: dict[cf.Future, str] = {}
    failure: BaseException | None = None
    try:
        while pending or running:
            ready = [s for s in pending if not needs[s] - set(times)] if failure is None else []
            for stem in ready[: max(0, jobs - len(running))] if address is None else ready:
                i, nb, params, fp = pending.pop(stem)
                print(f"[{i}/{n}] {stem}: running with {params}", flush=True)
                future = executor.submit(
                    execute, nb, out_dir / nb.name, params, fp, out_dir.parent / "_build" / "failed"
                )
                running[future] = stem
            if not running:
                break  # a failure left chapters that can no longer start
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in done:
                stem = running.pop(future)
                try:
                    times[stem] = future.result()
                    print(f"[{plans_index(plans, stem)}/{n}] {stem}: done in {times[stem]:.0f} s", flush=True)
                except Exception as e:  # kept, then raised once the running ones finish
                    failure = failure or e
    finally:
        executor.shutdown(wait=True)
        if client is not None:
            client.close()
        if old_omp is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = old_omp
    if failure is not None:
        raise failure
    return times


def plans_index(plans: list[tuple[Path, dict[str, Any]]], stem: str) -> int:
    """1-based position of a chapter in the plan, for progress lines."""
    return next(i for i, (nb, _) in enumerate(plans, 1) if nb.stem == stem)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", default="quick", help="quick, full, seed, or a path to a profile .yaml file")
    parser.add_argument("--only", nargs="*", help="notebook name prefixes to run, e.g. 03 04")
    parser.add_argument("--out", type=Path, default=ROOT / "book", help="where executed notebooks go (default: book/)")
    parser.add_argument("--force", action="store_true", help="re-run notebooks even when they are up to date")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks run at once, sharing the cores (default 1)")
    parser.add_argument(
        "--scheduler", default=None, help=f"a Dask scheduler (tcp://host:port) to run on; default ${SCHEDULER_ENV}"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        times = run(args.profile, args.only, args.out, args.force, jobs=args.jobs, scheduler=args.scheduler)
    except (ParameterError, RuntimeError, ValueError) as e:
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
