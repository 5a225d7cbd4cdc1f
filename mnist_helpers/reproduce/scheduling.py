"""Several chapters at once: which chapter waits for which, and the executor that honours it (local or Dask)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from mnist_helpers.core.env import SCHEDULER_ENV, forwarded_env
from mnist_helpers.core.slots import shared_slots
from mnist_helpers.core.threads import available_cores, omp_limit
from mnist_helpers.recipes.sweeps import scheduler_address
from mnist_helpers.reproduce.notebook_exec import (
    execute,
    executed_meta,
    fingerprint,
    is_current,
    kernels_stop_on_interrupt,
)
from mnist_helpers.reproduce.params import ParameterError

DEPENDS_ON = {"07": ("04",), "08": ("04",)}  # chapters 7 and 8 reuse chapter 4's saved CNNs


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


def to_run(
    plans: list[tuple[Path, dict[str, Any]]], out_dir: Path, force: bool, dirty: bool
) -> dict[str, dict[str, Any]]:
    """{stem: fingerprint} of the chapters to execute, in plan order: those not current (`is_current`), and
    those whose inputs are about to change or changed since they ran: a chapter that depends on one to be
    run, or whose executed copy is older than a dependency's (see `dependencies`)."""
    stems = [nb.stem for nb, _ in plans]
    needs = dependencies(stems)
    fps = {nb.stem: fingerprint(nb, params) | ({"allow_dirty": True} if dirty else {}) for nb, params in plans}
    outputs = {nb.stem: out_dir / nb.name for nb, _ in plans}
    chosen: dict[str, dict[str, Any]] = {}
    for stem in stems:  # plan order puts every dependency before the chapters that need it
        older = [d for d in needs[stem] if made_at(outputs[d]) > made_at(outputs[stem])]
        if force or not is_current(outputs[stem], fps[stem]) or needs[stem] & set(chosen) or older:
            chosen[stem] = fps[stem]
    return chosen


def made_at(executed: Path) -> float:
    """When an executed copy was made: the time its run recorded, else the file's modification time (copies
    made before runs recorded it; a checkout may reorder those), 0 when it does not exist."""
    finished = executed_meta(executed).get("finished")
    if isinstance(finished, (int, float)) and not isinstance(finished, bool):
        return float(finished)
    return executed.stat().st_mtime if executed.exists() else 0.0


def previous_seconds(executed: Path, params: dict[str, Any]) -> float | None:
    """How long a notebook's last run took, from its executed copy, if that run had the same parameters (None
    otherwise: other epochs or sizes cost other times). A code change alone keeps the figure: a fair guess."""
    made = executed_meta(executed)
    seconds = made.get("seconds")
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
        return None
    return float(seconds) if made.get("params") == params else None


def longest_first(stems: list[str], seconds: dict[str, float | None]) -> list[str]:
    """Chapters in the order to start them: never timed first (in plan order), then by their last duration,
    longest first, so that no long chapter starts last and runs alone (LPT scheduling)."""
    return sorted(stems, key=lambda s: (seconds.get(s) is not None, -(seconds.get(s) or 0.0)))


def run_parallel(
    plans: list[tuple[Path, dict[str, Any]]],
    out_dir: Path,
    force: bool,
    jobs: int,
    scheduler: str | None = None,
    dirty: bool = False,
    log_dir: Path | None = None,  # kernel logs and failed notebooks (default: out_dir/_logs)
) -> dict[str, float]:
    """Execute the plan `jobs` notebooks at a time (each kernel gets cores // jobs threads through
    OMP_NUM_THREADS, which `configure_threads` honours, and with `jobs` > 1 the cores to share among the chapters'
    sweeps, `core.slots`), a chapter starting once the chapters it depends
    on have finished, the longest first by their last run (`longest_first`); or on a Dask cluster given its
    scheduler address (the workers must see this repository and its artifacts at the same paths). Current
    notebooks are skipped as in `run` (`to_run`); the first failure stops new starts, lets the running ones finish, and
    is raised. Ctrl-C or SIGTERM stops the running ones at once (kernels_stop_on_interrupt)."""
    import concurrent.futures as cf

    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ParameterError(f"--jobs {jobs!r}: pass a positive number of notebooks to run at once.")
    address = scheduler_address(scheduler)
    n = len(plans)
    pending: dict[str, tuple[int, Path, dict[str, Any], dict[str, Any]]] = {}
    chosen = to_run(plans, out_dir, force, dirty)
    for i, (nb, params) in enumerate(plans, 1):
        if nb.stem not in chosen:
            print(f"[{i}/{n}] {nb.stem}: up to date, skipped", flush=True)
        else:
            pending[nb.stem] = (i, nb, params, chosen[nb.stem])
    needs = {stem: deps & set(pending) for stem, deps in dependencies([nb.stem for nb, _ in plans]).items()}
    last_seconds = {stem: previous_seconds(out_dir / nb.name, p) for stem, (_, nb, p, _) in pending.items()}
    old_omp = os.environ.get("OMP_NUM_THREADS")
    kernel_env = None  # kernels started here inherit this process's environment
    cores = max(1, min(available_cores(), omp_limit() or 10**6))
    if address is None:
        os.environ["OMP_NUM_THREADS"] = str(max(1, cores // jobs))
        # each notebook runs in its own kernel; one job runs here, in the main thread, where Ctrl-C lands
        executor, client = (cf.ThreadPoolExecutor(max_workers=jobs) if jobs > 1 else _InlineExecutor()), None
    else:
        from dask.distributed import Client

        client = Client(address)
        executor = client.get_executor()
        # A worker's kernel gets the lock hand-over and the paths, one thread, and no scheduler: its sweeps run in
        # the kernel, since sweep tasks queued behind the chapters holding every worker thread would never start.
        kernel_env = {**forwarded_env(), "OMP_NUM_THREADS": "1", SCHEDULER_ENV: ""}
    times: dict[str, float] = {}
    running: dict[cf.Future, str] = {}
    failure: BaseException | None = None
    shared: contextlib.AbstractContextManager[dict[str, str]] = (
        shared_slots(cores) if address is None and jobs > 1 else contextlib.nullcontext({})
    )
    try:
        with kernels_stop_on_interrupt(), shared as slots_env:  # Ctrl-C, SIGTERM: the running chapters stop too
            while pending or running:
                ready = [s for s in pending if not needs[s] - set(times)] if failure is None else []
                ready = longest_first(ready, last_seconds)
                for stem in ready[: max(0, jobs - len(running))] if address is None else ready:
                    i, nb, params, fp = pending.pop(stem)
                    env = kernel_env
                    if address is None:  # locally: each kernel's share of the cores (its sweeps divide it again)
                        env = {
                            "OMP_NUM_THREADS": str(kernel_threads(cores, jobs, alone=not running and len(ready) == 1)),
                            **slots_env,
                        }
                    print(f"[{i}/{n}] {stem}: running with {params}", flush=True)
                    logs = (log_dir or out_dir / "_logs") / "failed"
                    future = executor.submit(execute, nb, out_dir / nb.name, params, fp, logs, env)
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


def kernel_threads(cores: int, jobs: int, alone: bool) -> int:
    """Threads for a chapter's kernel: its share of the cores (cores // jobs), or every core when it starts `alone`
    (nothing running, no other chapter ready: the rest wait on it, so it runs alone to its end and a one-core
    share would leave the other cores idle)."""
    return cores if alone else max(1, cores // jobs)


class _InlineExecutor:
    """An executor that runs each task at once in the calling thread: `--jobs 1` through the same loop."""

    def submit(self, fn: Any, /, *args: Any) -> Any:
        import concurrent.futures as cf

        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args))
        except Exception as e:  # kept in the future, raised by the loop as a thread's would be
            future.set_exception(e)
        return future

    def shutdown(self, wait: bool = True) -> None:
        """Nothing runs in the background."""


def plans_index(plans: list[tuple[Path, dict[str, Any]]], stem: str) -> int:
    """1-based position of a chapter in the plan, for progress lines."""
    return next(i for i, (nb, _) in enumerate(plans, 1) if nb.stem == stem)
