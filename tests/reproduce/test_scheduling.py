"""One run loop: `--jobs 1` is `run_parallel` with one job, in the main thread; dates and durations from one reader."""

import json
import threading

from mnist_helpers.reproduce import runner, scheduling
from mnist_helpers.reproduce.notebook_exec import META_KEY


def test_the_sequential_runner_is_run_parallel_with_one_job_executing_in_the_main_thread(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(scheduling, "to_run", lambda plans, *a: {nb.stem: {"fp": 1} for nb, _ in plans})
    monkeypatch.setattr(
        scheduling, "execute", lambda nb, *a: seen.append((nb.stem, threading.current_thread().name)) or 1.0
    )
    plans = [(tmp_path / "01_a.ipynb", {}), (tmp_path / "02_b.ipynb", {})]
    assert scheduling.run_parallel(plans, tmp_path / "out", False, 1) == {"01_a": 1.0, "02_b": 1.0}
    assert seen == [("01_a", "MainThread"), ("02_b", "MainThread")]
    assert not hasattr(runner, "_run_plans")


def test_made_at_prefers_the_recorded_finish_and_falls_back_to_the_file_time(tmp_path):
    done = tmp_path / "done.ipynb"
    done.write_text(json.dumps({"metadata": {META_KEY: {"finished": 123.0}}}))
    assert scheduling.made_at(done) == 123.0
    old = tmp_path / "old.ipynb"
    old.write_text(json.dumps({"metadata": {}}))
    assert scheduling.made_at(old) == old.stat().st_mtime
    assert scheduling.made_at(tmp_path / "absent.ipynb") == 0.0


def test_a_chapter_that_runs_alone_gets_every_core_and_side_by_side_chapters_share_them(tmp_path, monkeypatch):
    # chapter 4 first, alone (7 and 8 wait on it): both cores; then 7 and 8 side by side: one each
    seen = {}
    monkeypatch.setattr(scheduling, "to_run", lambda plans, *a: {nb.stem: {"fp": 1} for nb, _ in plans})
    monkeypatch.setattr(scheduling, "available_cores", lambda: 2)
    monkeypatch.setattr(scheduling, "omp_limit", lambda: None)
    monkeypatch.setattr(
        scheduling, "execute", lambda nb, *a: seen.setdefault(nb.stem, a[-1]["OMP_NUM_THREADS"]) and 1.0
    )
    plans = [(tmp_path / f"{s}.ipynb", {}) for s in ("04_cnn", "07_confusion", "08_beyond")]
    scheduling.run_parallel(plans, tmp_path / "out", False, 2)
    assert seen == {"04_cnn": "2", "07_confusion": "1", "08_beyond": "1"}


def test_side_by_side_chapters_share_one_folder_of_core_slots_that_goes_when_the_run_ends(tmp_path, monkeypatch):
    from pathlib import Path

    from mnist_helpers.core.slots import SLOTS_ENV

    seen = {}

    def execute(nb, *a):
        folder = a[-1].get(SLOTS_ENV)
        seen[nb.stem] = (folder, folder and len(list(Path(folder).glob("core-*.lock"))))
        return 1.0

    monkeypatch.setattr(scheduling, "to_run", lambda plans, *a: {nb.stem: {"fp": 1} for nb, _ in plans})
    monkeypatch.setattr(scheduling, "available_cores", lambda: 2)
    monkeypatch.setattr(scheduling, "omp_limit", lambda: None)
    monkeypatch.setattr(scheduling, "execute", execute)
    plans = [(tmp_path / f"{s}.ipynb", {}) for s in ("03_mlp", "06_autoencoders")]
    scheduling.run_parallel(plans, tmp_path / "out", False, 2)
    (folder, cores), other = seen["03_mlp"], seen["06_autoencoders"]
    assert cores == 2 and other == (folder, 2) and not Path(folder).exists()
    seen.clear()
    scheduling.run_parallel(plans, tmp_path / "out", False, 1)  # one chapter at a time: nothing to share
    assert seen == {"03_mlp": (None, None), "06_autoencoders": (None, None)}


def test_kernel_threads_divide_the_cores_unless_the_chapter_runs_alone():
    assert scheduling.kernel_threads(2, 2, alone=False) == 1
    assert scheduling.kernel_threads(2, 2, alone=True) == 2
    assert scheduling.kernel_threads(16, 3, alone=False) == 5
    assert scheduling.kernel_threads(1, 2, alone=False) == 1  # never fewer than one
