"""Independent training runs (seeds, ablation arms) side by side: worker processes here, or a Dask cluster."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from mnist_helpers.core.env import SCHEDULER_ENV, SWEEP_PARENT_ENV
from mnist_helpers.core.slots import SLOTS_ENV, core_slot, shared_cores
from mnist_helpers.core.threads import available_cores, configure_threads, omp_limit
from mnist_helpers.models.kinds import is_keras

PARENT_ENV = SWEEP_PARENT_ENV  # the name sweeps used; core.env holds it
CLUSTER_THREADS = 1  # torch threads per run on a cluster: one run per Dask worker thread


def plan_workers(n_runs: int, workers: int | None = None, cores: int | None = None) -> tuple[int, int]:
    """(worker processes, torch threads each) for `n_runs` runs: the cores divided among the workers.

    By default one worker per core (2 workers x 1 thread on 2 cores), never more workers than runs;
    two 1-thread processes outrun one 2-thread process on this machine by ~1.27x (issue 11).
    """
    cores = cores or min(available_cores(), omp_limit() or available_cores())
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers={workers!r}: pass a positive number of worker processes, or None for one per core.")
    n = max(1, min(workers or cores, n_runs, cores))
    return n, max(1, cores // n)


def scheduler_address(scheduler: str | None = None) -> str | None:
    """The Dask scheduler to use: `scheduler`, else $MNIST_DASK_SCHEDULER, else None (this machine)."""
    address = scheduler or os.environ.get(SCHEDULER_ENV, "").strip() or None
    if address is not None and "://" not in address:
        raise ValueError(
            f"Dask scheduler {address!r} (from --scheduler or ${SCHEDULER_ENV}) needs a protocol: "
            "e.g. tcp://10.0.0.5:8786."
        )
    return address


def _run_one(fn: Callable[..., Any], kwargs: dict[str, Any], threads: int | None, env: dict[str, str]) -> Any:
    """In a worker: take the parent's lock hand-over (`env`), cap torch and OpenMP to `threads`, run
    fn(**kwargs) (holding one of the runner's shared cores while it runs, when it shares them), return a picklable
    result."""
    if os.getpid() != int(env.get(PARENT_ENV, -1)):  # a worker process (not threads of the sweep's own process)
        os.environ.update(env)
    if threads is not None:
        os.environ["OMP_NUM_THREADS"] = str(threads)
        configure_threads(threads)
    with core_slot():  # a no-op unless the runner shares the cores
        return _portable(fn(**kwargs))


def _portable(result: Any) -> Any:
    """A result that pickles across processes: a `Trained` holding a Keras model loses the model (its weights
    are saved under the profile's artifacts; rebuild and load them where needed), torch models travel as they are."""
    model = getattr(result, "model", None)
    if model is not None and is_keras(model):
        import dataclasses

        return dataclasses.replace(result, model=None)
    return result


WORKERS_TIMEOUT = 60.0  # seconds to wait for a cluster to have a worker before saying it has none


def _on_cluster(address: str, tasks: list[tuple[Any, ...]]) -> list[Any]:
    """`_run_one(*task)` for every task on the cluster's workers, results in order; never in this process (joblib's
    Dask backend ran everything here when the cluster had one thread). Needs the [dask] extra."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise ImportError(
            f"Dask scheduler {address} was given but dask.distributed is not installed; "
            "pip install 'mnist-helpers[dask]' (or unset --scheduler / $" + SCHEDULER_ENV + ")."
        ) from None
    with Client(address) as client:
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
        except TimeoutError:
            raise RuntimeError(
                f"the Dask cluster at {address} has no worker after {WORKERS_TIMEOUT:.0f} s: start one "
                f"(dask worker {address} --nthreads 1), or unset --scheduler / ${SCHEDULER_ENV} to run here."
            ) from None
        futures = [client.submit(_run_one, *task, pure=False) for task in tasks]
        return client.gather(futures)


def sweep(
    fn: Callable[..., Any],
    runs: Sequence[dict[str, Any]],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    **shared: Any,
) -> list[Any]:
    """`fn(**shared, **run)` for every run, in worker processes; results in the order of `runs`.

    `fn` is a module-level recipe such as `reuse.train_classifier` (each run trains or reuses its own
    saved model, so a sweep resumes like the runs one after another). Every run is seeded by its own
    arguments, so the results are those of the same calls made in sequence with the same thread count.
    Locally (loky) the cores are divided among `workers` processes; under the runner with chapters side by side
    ($MNIST_CORE_SLOTS, `core.slots`), among all the cores the chapters share, each run holding one while it trains,
    so that a chapter left alone takes the cores another has let go. With a Dask scheduler address
    (`scheduler` or $MNIST_DASK_SCHEDULER) the runs go to the cluster's workers, one torch thread each,
    and artifacts are written wherever the recipes' `run` folder points (a shared filesystem on a cluster).
    """
    if not callable(fn):
        raise ValueError(f"fn={fn!r} is not callable; pass a recipe such as reuse.train_classifier.")
    calls = [{**shared, **run} for run in runs]
    if not calls:
        return []
    address = scheduler_address(scheduler)
    pooled = None if address is not None else shared_cores()  # cores the runner shares among chapters, if any
    if address is None:
        n, threads = plan_workers(len(calls), workers, cores=pooled)
        if n == 1:  # here, one after another; each still holds a shared core while it trains
            results = []
            for kwargs in calls:
                with core_slot():
                    results.append(fn(**kwargs))
            return results
    import joblib

    with _run_folders_locked(calls) as env:  # the workers write there: they take the lock over from us
        if address is not None:
            return _on_cluster(address, [(fn, kwargs, CLUSTER_THREADS, env) for kwargs in calls])
        if pooled is not None:
            env = env | {SLOTS_ENV: os.environ[SLOTS_ENV]}
        tasks = (joblib.delayed(_run_one)(fn, kwargs, threads, env) for kwargs in calls)
        with joblib.parallel_config(backend="loky", inner_max_num_threads=threads):
            return joblib.Parallel(n_jobs=n)(tasks)


@contextlib.contextmanager
def _run_folders_locked(calls: list[dict[str, Any]]) -> Iterator[dict[str, str]]:
    """Hold the lock of every profile folder the calls' `run` arguments write to; yield the workers' hand-over."""
    from mnist_helpers.core import locks
    from mnist_helpers.core.paths import RunFolder

    folders = sorted({v.root for call in calls for v in call.values() if isinstance(v, RunFolder)})
    with contextlib.ExitStack() as stack:
        for folder in folders:
            stack.enter_context(locks.folder_lock(folder))
        yield locks.env_for_children(folders) | {PARENT_ENV: str(os.getpid())}


ABLATION_SEEDS = 3  # seeds per ablation arm: the chapters' time budget


def ablation_budget(epochs: int, ablation_epochs: int, seeds: Sequence[int]) -> tuple[int, list[int]]:
    """The epochs and seeds of every ablation arm: no more epochs than the headline runs, their first seeds."""
    return min(epochs, ablation_epochs), list(seeds[:ABLATION_SEEDS])
