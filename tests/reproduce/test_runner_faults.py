"""reproduce.runner under faults: what it refuses before running anything, and what it leaves behind."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mnist_helpers.reproduce import params, runner


def test_runner_makes_a_relative_mnist_data_dir_absolute_before_kernels_start_elsewhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MNIST_DATA_DIR", "rel/mnist")
    runner.absolute_env_paths()
    assert os.environ["MNIST_DATA_DIR"] == str(tmp_path / "rel" / "mnist")


def one_chapter(folder: Path, *sources: str, stem: str = "01_tiny", parameters: str = "x = 1") -> Path:
    """A folder with a chapter, 01_tiny or `stem`: a parameters cell (x) then `sources` as cells."""
    folder.mkdir(parents=True, exist_ok=True)
    cells = [new_code_cell(parameters, metadata={"tags": ["parameters"]})] + [new_code_cell(s) for s in sources]
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": kernelspec}), folder / f"{stem}.ipynb")
    return folder


@pytest.fixture()
def profile(tmp_path, monkeypatch) -> str:
    """A profile file giving 01_tiny x=3 (x made a known parameter for the test)."""
    monkeypatch.setitem(params.validate.__globals__["RULES"], "x", lambda n, v: None)
    path = tmp_path / "p3.yaml"
    path.write_text("chapters:\n  01_tiny:\n    x: 3\n")
    return str(path)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("out, where", [("nbs/executed", "is inside"), (".", "holds"), ("nbs/..", "holds")])
def test_an_out_folder_inside_or_holding_the_notebooks_folder_is_refused_before_anything_runs(
    tmp_path, profile, out, where
):
    nbs = one_chapter(tmp_path / "nbs")
    before = snapshot(tmp_path)
    refused = rf"--out .* {where} the folder of the notebooks being run \({nbs}\).* Fix: choose a folder outside it"
    with pytest.raises(RuntimeError, match=refused):
        runner.run(profile, out_dir=tmp_path / out, notebooks_dir=nbs)
    assert snapshot(tmp_path) == before and not (tmp_path / "nbs" / "executed").exists()


def test_a_failed_chapter_shows_its_own_error_when_its_notebook_cannot_be_kept(tmp_path, profile, monkeypatch):
    import shutil

    def unwritable(src, dst):
        raise PermissionError(13, "Permission denied")

    nbs = one_chapter(tmp_path / "nbs", "raise ValueError('the real error')")
    monkeypatch.setattr(shutil, "move", unwritable)
    kept = r"(?s)ValueError: the real error.*could not be kept in .*_logs/failed/01_tiny.ipynb \(Permission denied\)"
    with pytest.raises(RuntimeError, match=kept):
        runner.run(profile, out_dir=tmp_path / "out", notebooks_dir=nbs)
    assert not [p for p in (tmp_path / "out").rglob("*") if ".mnist-tmp" in p.name]


JOBS_CLI = """
import sys
from mnist_helpers.reproduce import params, runner
params.validate.__globals__["RULES"]["x"] = lambda n, v: None
sys.exit(runner.main(["--profile", sys.argv[2], "--notebooks", sys.argv[1], "--out", sys.argv[3], "--jobs", "2"]))
"""


@pytest.mark.slow  # two real kernels in a subprocess
def test_sigterm_with_two_jobs_stops_the_running_chapters_at_once_naming_them(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    started = {stem: tmp_path / f"{stem}.started" for stem in ("01_tiny", "02_tiny")}
    for stem, marker in started.items():
        nbs = one_chapter(
            tmp_path / "nbs", f"import pathlib, time\npathlib.Path({str(marker)!r}).touch()\ntime.sleep(300)", stem=stem
        )
    (tmp_path / "p.yaml").write_text("all: {}\n")
    args = [sys.executable, "-c", JOBS_CLI, str(nbs), str(tmp_path / "p.yaml"), str(tmp_path / "out")]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not all(marker.is_file() for marker in started.values()) and time.time() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=90)  # not the cells' 300 s: the chapters stop with the runner
    finally:
        proc.kill()
    assert proc.returncode == 143, err
    assert err.strip().count("\n") == 0, err
    assert "01_tiny, 02_tiny terminated (SIGTERM)" in err and "re-run to resume" in err, err
    assert not [p for p in (tmp_path / "out").rglob("*") if ".mnist-tmp" in p.name or p.suffix == ".ipynb"]


@pytest.mark.parametrize("backend", ["jax", "tensorflow", "numpy"])
def test_a_keras_backend_other_than_torch_is_refused_before_any_chapter_runs(
    tmp_path, profile, monkeypatch, capsys, backend
):
    nbs = one_chapter(tmp_path / "nbs")
    monkeypatch.setenv("KERAS_BACKEND", backend)
    assert runner.main(["--profile", profile, "--notebooks", str(nbs), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"error: KERAS_BACKEND='{backend}'" in err and "Fix: export KERAS_BACKEND=torch" in err, err
    assert not (tmp_path / "out").exists()


def test_a_venv_without_myst_nb_says_which_extra_to_install_before_any_chapter_runs(
    tmp_path, profile, monkeypatch, capsys
):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "myst_nb" else real(name, *a))
    nbs = one_chapter(tmp_path / "nbs")
    assert runner.main(["--profile", profile, "--notebooks", str(nbs), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "needs the [book] extra (myst_nb missing)" in err and "pip install 'mnist-helpers[book]'" in err, err
    assert not (tmp_path / "out").exists()


def test_a_run_leaves_its_logs_under_out_and_no_lock_files_behind(tmp_path, profile):
    parameters = 'x = 1\nprofile = "quick"\nartifacts_dir = "../artifacts"'  # a profile folder the run locks
    nbs = one_chapter(tmp_path / "nbs", "y = 2", parameters=parameters)
    runner.run(profile, out_dir=tmp_path / "out", notebooks_dir=nbs)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["01_tiny.ipynb", "_logs"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artifacts", "nbs", "out", "p3.yaml"]  # no _build/
    assert (tmp_path / "artifacts" / "quick").is_dir() and not list(tmp_path.rglob(".lock*"))
