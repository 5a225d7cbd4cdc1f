"""Sweeps: runs in worker processes (or on a Dask cluster) give exactly what the same runs give in sequence."""

import json
import os
import threading
import time

import numpy as np
import pytest

from mnist_helpers.core import slots
from mnist_helpers.data import mnist as data
from mnist_helpers.recipes import saved as saved_models
from mnist_helpers.recipes import sweeps as sweep
from mnist_helpers.recipes import train_or_reuse as reuse
from mnist_helpers.reproduce.run_record import Run

SEEDS = [0, 1]


@pytest.fixture(scope="module")
def split():
    return data.load_split(300, 200, seed=0)


def _mlp(split, root):
    return {
        "name": "mlp",
        "split": split,
        "run": Run("test", {"profile": "test"}, root),
        "epochs": 2,
        "batch_size": 32,
    }


def _same(a, b):
    np.testing.assert_array_equal(a.outputs, b.outputs)
    drop = lambda rows: [{k: v for k, v in row.items() if k != "seconds"} for row in rows]
    assert drop(a.history.rows) == drop(b.history.rows)


def test_parallel_sweep_gives_the_numbers_of_the_same_runs_in_sequence(split, tmp_path):
    one_by_one = [reuse.train_classifier(seed=s, **_mlp(split, tmp_path / "seq")) for s in SEEDS]
    parallel = sweep.sweep(
        reuse.train_classifier, [{"seed": s} for s in SEEDS], workers=2, **_mlp(split, tmp_path / "par")
    )
    assert [t.tag for t in parallel] == ["mlp-adam-seed0", "mlp-adam-seed1"]
    assert not any(t.reused for t in parallel)
    for a, b in zip(one_by_one, parallel, strict=True):
        _same(a, b)
    assert not np.array_equal(parallel[0].outputs, parallel[1].outputs)  # the seeds differ
    assert (tmp_path / "par" / "test" / "models" / "mlp-adam-seed1.pt").exists()


def test_a_second_sweep_reuses_the_saved_models(split, tmp_path):
    runs = [{"seed": s} for s in SEEDS]
    sweep.sweep(reuse.train_classifier, runs, workers=2, **_mlp(split, tmp_path))
    again = sweep.sweep(reuse.train_classifier, runs, workers=2, **_mlp(split, tmp_path))
    assert all(t.reused for t in again)


def _timed_nap(seconds):
    started = time.monotonic()
    time.sleep(seconds)
    return started, time.monotonic(), os.getpid()


def test_under_shared_cores_a_one_core_kernel_sweeps_on_every_core_but_only_on_free_ones(monkeypatch):
    # The runner shares 2 cores; this kernel's own share is 1 (another chapter started beside it), and that chapter
    # holds a core now: the sweep still starts a worker per shared core, and they take turns on the free one.
    with slots.shared_slots(2) as env:
        monkeypatch.setenv(slots.SLOTS_ENV, env[slots.SLOTS_ENV])
        monkeypatch.setenv("OMP_NUM_THREADS", "1")
        with slots.core_slot():
            spans = sweep.sweep(_timed_nap, [{"seconds": 0.5}, {"seconds": 0.5}])
    (_, first_end, pid_a), (second_start, _, pid_b) = sorted(spans)
    assert os.getpid() not in (pid_a, pid_b)  # in workers, not one by one in this kernel
    assert second_start >= first_end  # never both at once: one core was free


def test_under_shared_cores_a_run_made_here_also_waits_for_a_free_core(monkeypatch):
    with slots.shared_slots(1) as env:
        monkeypatch.setenv(slots.SLOTS_ENV, env[slots.SLOTS_ENV])
        held = threading.Event()

        def neighbour():  # another chapter's run holds the only core for half a second
            with slots.core_slot():
                held.set()
                time.sleep(0.5)

        other = threading.Thread(target=neighbour)
        other.start()
        held.wait(5)
        asked = time.monotonic()
        [(started, _, pid)] = sweep.sweep(_timed_nap, [{"seconds": 0.0}])
        other.join(5)
    assert pid == os.getpid() and started >= asked + 0.3  # one run: here, once the core was let go


def test_workers_divide_the_cores_and_never_outnumber_the_runs():
    assert sweep.plan_workers(5, cores=2) == (2, 1)
    assert sweep.plan_workers(1, cores=2) == (1, 2)
    assert sweep.plan_workers(8, workers=2, cores=8) == (2, 4)
    with pytest.raises(ValueError, match="workers=0"):
        sweep.plan_workers(3, workers=0)


def test_scheduler_address_comes_from_the_environment_and_needs_a_protocol(monkeypatch):
    monkeypatch.delenv(sweep.SCHEDULER_ENV, raising=False)
    assert sweep.scheduler_address() is None
    monkeypatch.setenv(sweep.SCHEDULER_ENV, "tcp://127.0.0.1:8786")
    assert sweep.scheduler_address() == "tcp://127.0.0.1:8786"
    with pytest.raises(ValueError, match="needs a protocol"):
        sweep.scheduler_address("127.0.0.1:8786")


def test_a_keras_model_does_not_travel_between_processes():
    keras = pytest.importorskip("keras")
    trained = saved_models.Trained("k", keras.Sequential(), None, np.zeros((1, 10)), False)
    assert sweep._portable(trained).model is None


def test_sweep_runs_on_a_dask_cluster_given_its_address(split, tmp_path):
    distributed = pytest.importorskip("distributed")
    one_by_one = [reuse.train_classifier(seed=s, **_mlp(split, tmp_path / "seq")) for s in SEEDS]
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        on_cluster = sweep.sweep(
            reuse.train_classifier,
            [{"seed": s} for s in SEEDS],
            scheduler=cluster.scheduler_address,
            **_mlp(split, tmp_path / "dask"),
        )
    for a, b in zip(one_by_one, on_cluster, strict=True):
        _same(a, b)


def test_a_sweep_holds_its_run_folder_and_hands_the_lock_to_its_workers(tmp_path):
    from mnist_helpers.core import locks
    from mnist_helpers.reproduce.run_record import Run

    run = Run("test", {"profile": "test"}, tmp_path)
    run.root.mkdir(parents=True)
    with locks.folder_lock(run.root):  # this process holds it, as the sweep's parent does
        env = locks.env_for_children([run.root])
    assert json.loads(env[locks.HELD_ENV]) == {str(run.root.resolve()): os.getpid()}


def test_ablation_arms_train_no_longer_than_the_headline_runs_on_their_first_seeds():
    from mnist_helpers.recipes.sweeps import ablation_budget

    assert ablation_budget(10, 3, (5, 6, 7, 8, 9)) == (3, [5, 6, 7])
    assert ablation_budget(2, 3, [0]) == (2, [0])  # a quick run: fewer epochs and seeds than the budget allows


@pytest.fixture()
def process_cluster():
    """A Dask cluster whose one worker is another process (as on a real cluster), on loopback."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        yield cluster


@pytest.mark.slow  # starts a Dask worker process
def test_a_sweep_on_a_one_thread_cluster_runs_on_its_worker_never_in_this_process(process_cluster):
    pids = sweep.sweep(os.getpid, [{}, {}], scheduler=process_cluster.scheduler_address)
    assert len(pids) == 2 and os.getpid() not in pids


@pytest.mark.slow  # starts a Dask scheduler
def test_a_sweep_on_a_cluster_without_workers_says_so(monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(sweep, "WORKERS_TIMEOUT", 1.0)
    with (
        distributed.LocalCluster(
            n_workers=0, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
        ) as cluster,
        pytest.raises(RuntimeError, match="has no worker after 1 s: start one"),
    ):
        sweep.sweep(os.getpid, [{}], scheduler=cluster.scheduler_address)
