"""The profile runner: profiles validate, bad profiles fail early, runs resume, failures stop with the cell shown."""

import ast
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mnist_helpers.reproduce import chapters, notebook_exec, params, profile_spec, runner, scheduling
from mnist_helpers.reproduce.params import ParameterError

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_quick_profile_equals_every_notebooks_defaults():
    spec = profile_spec.load_profile("quick")
    for nb in chapters.notebooks(NOTEBOOKS):
        declared = papermill.inspect_notebook(str(nb))
        for name, value in profile_spec.chapter_parameters(spec, nb).items():
            assert ast.literal_eval(declared[name]["default"]) == value, f"{nb.stem}: {name}"


@pytest.mark.parametrize("profile", ["quick", "full", "seed"])
def test_every_profile_gives_every_notebook_valid_parameters(profile):
    spec = profile_spec.load_profile(profile)
    for nb in chapters.notebooks(NOTEBOOKS):
        profile_spec.chapter_parameters(spec, nb)


@pytest.mark.parametrize("profile, val_size", [("quick", 1000), ("full", 8400), ("seed", 8400)])
def test_chapter_5_is_given_its_validation_size_as_val_size(profile, val_size):
    given = profile_spec.chapter_parameters(profile_spec.load_profile(profile), NOTEBOOKS / "05_optimizers.ipynb")
    assert given["val_size"] == val_size and "test_size" not in given  # the official test set is always whole


def test_full_profile_runs_every_chapter_on_the_whole_split():
    spec = profile_spec.load_profile("full")
    assert spec["all"]["train_size"] == 60000 and spec["all"]["test_size"] == 10000
    assert len(spec["chapters"]["05_optimizers"]["seeds"]) >= 3


@pytest.mark.parametrize(
    "yaml_text, message",
    [
        ("chapters:\n  03_mlp:\n    epochs: 0\n", "'epochs' = 0"),
        ("chapters:\n  03_mlp:\n    optimizer: sgd\n", "'optimizer' = 'sgd'.*adam, rmsprop"),
        ("all:\n  profile: Huge\n", "'profile' = 'Huge'"),
        ("all:\n  train_size: 70000\n", "'train_size' = 70000.*60000"),
        ("chapters:\n  03_mlp:\n    lr: fast\n", "'lr' = 'fast'"),
        ("chapters:\n  03_mlp:\n    batch_size: 0\n", "'batch_size' = 0"),
        ("chapters:\n  06_autoencoders:\n    code_sizes: [8, 1000]\n", "'code_sizes\\[1\\]' = 1000.*784"),
        ("chapters:\n  03_mlp:\n    wings: 2\n", "does not have"),
        ("chapters: [unclosed\n", "not valid YAML"),
        ("epochs: 3\n", "top-level keys"),
    ],
)
def test_bad_profile_file_fails_before_running_anything(tmp_path, yaml_text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ParameterError, match=message):
        runner.run(str(path), out_dir=tmp_path / "out", notebooks_dir=NOTEBOOKS)
    assert not (tmp_path / "out").exists()


def test_unknown_profile_name_lists_the_known_ones():
    with pytest.raises(ParameterError, match="quick, full, seed"):
        profile_spec.load_profile("huge")


def tiny_notebooks(folder: Path, fail: bool = False) -> Path:
    folder.mkdir()
    cells = [
        new_code_cell("x = 1  # a number", metadata={"tags": ["parameters"]}),
        new_code_cell("y = x * 2\nprint(y)"),
    ]
    if fail:
        cells.append(new_code_cell("raise ValueError('bad x')"))
    nb = new_notebook(
        cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    nbformat.write(nb, folder / "01_tiny.ipynb")
    return folder


def profile_file(tmp_path: Path, x: int) -> str:
    path = tmp_path / f"p{x}.yaml"
    path.write_text(f"chapters:\n  01_tiny:\n    x: {x}\n")
    return str(path)


@pytest.fixture()
def allow_x(monkeypatch):
    monkeypatch.setitem(params.validate.__globals__["RULES"], "x", lambda n, v: None)


@pytest.mark.slow  # a subprocess or a real kernel: `make test` runs it, `make test-unit` skips it
def test_runner_executes_then_skips_current_notebooks_and_reruns_stale_ones(tmp_path, allow_x):
    nbs = tiny_notebooks(tmp_path / "nbs")
    out = tmp_path / "out"
    assert list(runner.run(profile_file(tmp_path, 3), out_dir=out, notebooks_dir=nbs)) == ["01_tiny"]
    executed = nbformat.read(out / "01_tiny.ipynb", as_version=4)
    assert "6" in executed.cells[-1].outputs[0]["text"]
    assert runner.run(profile_file(tmp_path, 3), out_dir=out, notebooks_dir=nbs) == {}  # resumed: nothing left to do
    assert list(runner.run(profile_file(tmp_path, 4), out_dir=out, notebooks_dir=nbs)) == ["01_tiny"]  # new parameters


def test_failing_notebook_stops_the_run_names_the_cell_and_writes_no_output(tmp_path, allow_x):
    nbs = tiny_notebooks(tmp_path / "nbs", fail=True)
    out = tmp_path / "out"
    with pytest.raises(
        RuntimeError, match=r"01_tiny.ipynb failed in cell \d+ \(ValueError: bad x\)\.\nThe cell:\n    raise ValueError"
    ):
        runner.run(profile_file(tmp_path, 3), out_dir=out, notebooks_dir=nbs)
    assert not (out / "01_tiny.ipynb").exists()
    assert (out / "_logs" / "failed" / "01_tiny.ipynb").exists()  # under --out: nothing beside it
    assert not (tmp_path / "_build").exists()
    assert not [p for p in out.glob("*") if ".mnist-tmp" in p.name]


def test_stored_outputs_in_the_source_notebook_do_not_make_results_stale(tmp_path, allow_x):
    nbs = tiny_notebooks(tmp_path / "nbs")
    out = tmp_path / "out"
    runner.run(profile_file(tmp_path, 3), out_dir=out, notebooks_dir=nbs)
    source = nbformat.read(nbs / "01_tiny.ipynb", as_version=4)
    source.cells[1].outputs = [nbformat.v4.new_output("stream", text="6\n")]
    nbformat.write(source, nbs / "01_tiny.ipynb")
    assert runner.run(profile_file(tmp_path, 3), out_dir=out, notebooks_dir=nbs) == {}


# ---------------------------------------------------------------- interruptions, locks, leftovers (issue 13)


def notebook_with(folder: Path, *sources: str) -> Path:
    """A one-chapter notebook folder: the parameters cell (x, profile, artifacts_dir), then `sources` as cells."""
    folder.mkdir()
    params = 'x = 1  # a number\nprofile = "quick"\nartifacts_dir = "../artifacts"'
    cells = [new_code_cell(params, metadata={"tags": ["parameters"]})] + [new_code_cell(s) for s in sources]
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": kernelspec}), folder / "01_tiny.ipynb")
    return folder


def test_ctrl_c_prints_one_line_and_exits_130(tmp_path, allow_x, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(papermill, "execute_notebook", interrupted)
    nbs = notebook_with(tmp_path / "nbs", "y = 2")
    code = runner.main(
        ["--profile", profile_file(tmp_path, 3), "--notebooks", str(nbs), "--out", str(tmp_path / "out")]
    )
    err = capsys.readouterr().err.strip()
    assert code == 130 and err.count("\n") == 0, err
    assert "01_tiny interrupted (Ctrl-C)" in err and "re-run to resume" in err


def test_out_that_is_a_file_is_one_error_line_naming_it(tmp_path, allow_x, capsys):
    nbs = notebook_with(tmp_path / "nbs", "y = 2")
    (tmp_path / "out").write_text("a file")
    code = runner.main(
        ["--profile", profile_file(tmp_path, 3), "--notebooks", str(nbs), "--out", str(tmp_path / "out")]
    )
    err = capsys.readouterr().err.strip()
    assert code == 1 and err.count("\n") == 0, err
    assert f"{tmp_path / 'out'} is a file, not a folder" in err


def test_stale_temporaries_of_a_killed_runner_are_cleaned_at_start(tmp_path, allow_x):
    nbs = notebook_with(tmp_path / "nbs", "y = 2")
    out = tmp_path / "out"
    out.mkdir()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # the killed runner
    stale = out / f".01_tiny.ipynb.{gone.pid}.k2j3xabc.mnist-tmp.ipynb"
    stale.write_text("{}")
    runner.run(profile_file(tmp_path, 3), out_dir=out, notebooks_dir=nbs)
    assert not stale.exists() and (out / "01_tiny.ipynb").exists()


HOLD = """import sys, time
from mnist_helpers.core import locks
with locks.folder_lock(sys.argv[1]):
    print('HELD', flush=True)
    time.sleep(60)
"""


def test_runner_refuses_a_profile_folder_another_process_holds(tmp_path, allow_x):
    nbs = notebook_with(tmp_path / "nbs", "y = 2")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path / "artifacts" / "quick")], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout.readline().strip() == b"HELD"
        with pytest.raises(RuntimeError, match=rf"artifacts/quick is in use by process {holder.pid} on "):
            runner.run(profile_file(tmp_path, 3), out_dir=tmp_path / "out", notebooks_dir=nbs)
    finally:
        holder.kill()
        holder.wait()


def test_kernels_of_a_runner_may_take_the_lock_the_runner_holds(tmp_path, allow_x):
    cell = (
        "from mnist_helpers.core import locks\n"
        "with locks.folder_lock(f'{artifacts_dir}/{profile}'):\n"
        "    print('inside')"
    )
    nbs = notebook_with(tmp_path / "nbs", cell)
    assert list(runner.run(profile_file(tmp_path, 3), out_dir=tmp_path / "out", notebooks_dir=nbs)) == ["01_tiny"]
    executed = nbformat.read(tmp_path / "out" / "01_tiny.ipynb", as_version=4)
    assert "inside" in executed.cells[-1].outputs[0]["text"]


RUNNER_CLI = """
import sys
from mnist_helpers.reproduce import params
from mnist_helpers.reproduce import runner
params.validate.__globals__["RULES"]["x"] = lambda n, v: None
sys.exit(runner.main(["--profile", sys.argv[2], "--notebooks", sys.argv[1], "--out", sys.argv[3]]))
"""


def runner_in_a_sleeping_cell(tmp_path, **popen: Any) -> subprocess.Popen:
    """The runner CLI in a subprocess, returned once its chapter's kernel is inside a cell that sleeps 60 s."""
    marker = tmp_path / "started"
    nbs = notebook_with(
        tmp_path / "nbs", "y = 2", f"import pathlib, time\npathlib.Path({str(marker)!r}).touch()\ntime.sleep(60)"
    )
    args = [sys.executable, "-c", RUNNER_CLI, str(nbs), profile_file(tmp_path, 3), str(tmp_path / "out")]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
    deadline = time.time() + 120
    while not marker.exists() and time.time() < deadline:
        time.sleep(0.2)
    return proc


@pytest.mark.slow  # a subprocess or a real kernel: `make test` runs it, `make test-unit` skips it
def test_real_ctrl_c_mid_cell_prints_one_line_not_a_zmq_traceback(tmp_path):
    proc = runner_in_a_sleeping_cell(  # its own process group, as a terminal's foreground job; SIGINT not ignored
        tmp_path, start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)
    )
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().count("\n") == 0, err
    assert "01_tiny interrupted (Ctrl-C) in cell 3 of 3 (import pathlib, time)" in err and "re-run to resume" in err


@pytest.mark.slow  # a subprocess or a real kernel: `make test` runs it, `make test-unit` skips it
def test_dead_kernel_prints_one_line_naming_chapter_and_cell_and_exits_non_zero(tmp_path):
    nbs = notebook_with(tmp_path / "nbs", "y = 2", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)  # as OOM")
    args = [sys.executable, "-c", RUNNER_CLI, str(nbs), profile_file(tmp_path, 3), str(tmp_path / "out")]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "01_tiny stopped: its kernel died (out of memory?) in cell 3 of 3 (import os, signal);" in done.stderr
    assert "re-run to resume" in done.stderr
    assert not list((tmp_path / "out").glob("*.ipynb"))


def test_only_prefix_that_matches_no_notebook_fails_naming_it_and_the_folder(tmp_path, allow_x):
    nbs = tiny_notebooks(tmp_path / "nbs")
    with pytest.raises(ParameterError, match=rf"--only 99: no notebook in {nbs} starts with '99'.*01_tiny"):
        runner.run(profile_file(tmp_path, 3), only=["99"], out_dir=tmp_path / "out", notebooks_dir=nbs)
    assert not (tmp_path / "out").exists()


def test_entry_point_exits_nonzero_when_no_notebook_matches(tmp_path, capsys):
    assert runner.main(["--profile", "quick", "--only", "99", "--notebooks", str(NOTEBOOKS)]) == 1
    assert "--only 99: no notebook in" in capsys.readouterr().err


def test_missing_notebooks_folder_fails_naming_it_and_how_to_point_at_a_checkout(tmp_path, capsys):
    assert runner.main(["--profile", "quick", "--notebooks", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert f"no chapter notebooks (NN_*.ipynb) in {tmp_path / 'nowhere'}, which does not exist" in err
    assert "--notebooks DIR" in err and runner.NOTEBOOKS_ENV in err


def test_notebooks_env_variable_points_the_runner_at_a_checkout(tmp_path, monkeypatch, allow_x):
    nbs = tiny_notebooks(tmp_path / "nbs")
    monkeypatch.setenv(runner.NOTEBOOKS_ENV, str(nbs))
    assert list(runner.run(profile_file(tmp_path, 3))) == ["01_tiny"]
    # beside the notebooks, not beside the package: a profile other than full goes to artifacts/<profile>/notebooks/
    assert (tmp_path / "artifacts" / "p3" / "notebooks" / "01_tiny.ipynb").is_file()


def test_runner_streams_each_printed_line_to_the_terminal_with_the_chapter_name(tmp_path, capsys, allow_x):
    nbs = tiny_notebooks(tmp_path / "nbs")
    runner.run(profile_file(tmp_path, 3), out_dir=tmp_path / "out", notebooks_dir=nbs)
    assert "  01_tiny | 6\n" in capsys.readouterr().out


def git_tree(folder: Path) -> Path:
    git = lambda *a: subprocess.run(["git", *a], cwd=folder, check=True, capture_output=True)
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "start")
    tiny_notebooks(folder / "notebooks")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "notebooks")
    return folder / "notebooks"


def test_publishing_into_book_from_a_dirty_tree_is_refused_naming_the_changed_file(tmp_path, allow_x):
    nbs = git_tree(tmp_path)
    (nbs / "01_tiny.ipynb").write_text((nbs / "01_tiny.ipynb").read_text().replace("a number", "an edit"))
    with pytest.raises(RuntimeError, match=r"refusing to publish into .*book.*notebooks/01_tiny.ipynb.*--allow-dirty"):
        runner.run(profile_file(tmp_path, 3), notebooks_dir=nbs, publish=True)
    assert not (tmp_path / "book").exists()
    assert list(runner.run(profile_file(tmp_path, 3), notebooks_dir=nbs, out_dir=tmp_path / "elsewhere"))


def test_allow_dirty_publishes_records_the_override_and_a_clean_run_replaces_it(tmp_path, allow_x, monkeypatch):
    nbs = git_tree(tmp_path)
    (nbs / "01_tiny.ipynb").write_text((nbs / "01_tiny.ipynb").read_text().replace("a number", "an edit"))
    monkeypatch.delenv(runner.DIRTY_ENV, raising=False)
    assert list(runner.run(profile_file(tmp_path, 3), notebooks_dir=nbs, allow_dirty=True, publish=True)) == ["01_tiny"]
    made = nbformat.read(tmp_path / "book" / "01_tiny.ipynb", as_version=4).metadata[notebook_exec.META_KEY]
    assert made["allow_dirty"] is True
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "edit"], cwd=tmp_path, check=True
    )
    assert list(runner.run(profile_file(tmp_path, 3), notebooks_dir=nbs, publish=True)) == ["01_tiny"]  # committed
    assert (
        "allow_dirty"
        not in nbformat.read(tmp_path / "book" / "01_tiny.ipynb", as_version=4).metadata[notebook_exec.META_KEY]
    )


def test_runs_table_marks_chapters_whose_code_version_differs_from_the_current_code():
    from mnist_helpers.reproduce.run_record import chapter_code, runs_table

    code_version = lambda: chapter_code("01_a")  # no such notebook: the whole package's version

    record = lambda version, **extra: {
        "wall_time_s": 1.0,
        "finished": "2026-11-25T00:00:00Z",
        "git_commit": "abc",
        "code_version": version,
        "hardware": {"torch_threads": 1},
        **extra,
    }
    table = runs_table({"01_a": record(code_version()), "02_b": record("000000000000", allow_dirty=True)})
    assert table.loc["01_a", "code now"] == "current"
    assert table.loc["02_b", "code now"] == f"differs (now {code_version()})"
    assert table.loc["02_b", "git commit"] == "abc (--allow-dirty)"


def test_chapter_7_waits_for_chapter_4_and_unnumbered_pages_wait_for_every_chapter():
    needs = scheduling.dependencies(["03_mlp", "04_cnn", "07_confusion", "reproducibility"])
    assert needs["07_confusion"] == {"04_cnn"} and needs["03_mlp"] == set()
    assert needs["reproducibility"] == {"03_mlp", "04_cnn", "07_confusion"}


def _copy_as(folder: Path, *stems: str) -> None:
    for stem in stems:
        nbformat.write(nbformat.read(folder / "01_tiny.ipynb", as_version=4), folder / f"{stem}.ipynb")


@pytest.mark.slow  # a subprocess or a real kernel: `make test` runs it, `make test-unit` skips it
def test_parallel_runner_runs_every_chapter_once_then_skips_them(tmp_path, allow_x):
    nbs = tiny_notebooks(tmp_path / "nbs")
    _copy_as(nbs, "04_tiny", "07_tiny", "summary")
    out = tmp_path / "out"
    times = runner.run(profile_file(tmp_path, 3), out_dir=out, notebooks_dir=nbs, jobs=2)
    assert sorted(times) == ["01_tiny", "04_tiny", "07_tiny", "summary"]
    assert list(times)[-1] == "summary"  # the unnumbered page finished last
    assert list(times).index("07_tiny") > list(times).index("04_tiny")
    assert runner.run(profile_file(tmp_path, 3), out_dir=out, notebooks_dir=nbs, jobs=2) == {}


def test_parallel_runner_raises_the_first_failure_and_writes_no_output_for_it(tmp_path, allow_x):
    nbs = tiny_notebooks(tmp_path / "nbs", fail=True)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match=r"01_tiny.ipynb failed in cell \d+ \(ValueError: bad x\)"):
        runner.run(profile_file(tmp_path, 3), out_dir=out, notebooks_dir=nbs, jobs=2)
    assert not (out / "01_tiny.ipynb").exists()


def test_jobs_must_be_positive(tmp_path, allow_x):
    nbs = tiny_notebooks(tmp_path / "nbs")
    with pytest.raises(ParameterError, match="--jobs 0"):
        runner.run(profile_file(tmp_path, 3), out_dir=tmp_path / "out", notebooks_dir=nbs, jobs=0)


def test_runner_executes_chapters_on_a_dask_cluster_given_its_address(tmp_path, allow_x):
    distributed = pytest.importorskip("distributed")
    nbs = tiny_notebooks(tmp_path / "nbs")
    out = tmp_path / "out"
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        times = runner.run(
            profile_file(tmp_path, 3), out_dir=out, notebooks_dir=nbs, scheduler=cluster.scheduler_address
        )
    assert list(times) == ["01_tiny"]
    assert "6" in nbformat.read(out / "01_tiny.ipynb", as_version=4).cells[-1].outputs[0]["text"]


def test_the_executed_notebook_shows_one_parameter_cell_with_the_values_the_run_used(tmp_path, allow_x):
    runner.run(profile_file(tmp_path, 3), out_dir=tmp_path / "out", notebooks_dir=tiny_notebooks(tmp_path / "nbs"))
    executed = nbformat.read(tmp_path / "out" / "01_tiny.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "remove-cell" in injected[0].metadata["tags"]  # papermill's: off the page
    defaults = [c for c in executed.cells if "parameters" in c.metadata.get("tags", [])]
    assert defaults[0].source == notebook_exec.RAN_WITH + "\nx = 3  # a number"  # the profile's 3, not the 1


def test_a_runs_own_outputs_do_not_make_the_tree_dirty_but_a_source_change_does(tmp_path):
    import subprocess

    from mnist_helpers.core.provenance import uncommitted_changes

    git = lambda *a: subprocess.run(["git", *a], cwd=tmp_path, check=True, capture_output=True)
    for path in ("book/01_x.ipynb", "book/intro.md", "artifacts/full/metrics/01_x.json", "mnist_helpers/x.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("{}")
    git("init", "-q")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qam", "x", "--allow-empty")
    git("add", ".")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "files")
    (tmp_path / "book/01_x.ipynb").write_text('{"executed": 1}')  # what a published run rewrites
    (tmp_path / "artifacts/full/metrics/01_x.json").write_text('{"acc": 1}')
    assert uncommitted_changes(tmp_path) == []
    (tmp_path / "book/intro.md").write_text("edited")  # sources: the book's own pages, the package
    (tmp_path / "mnist_helpers/x.py").write_text("edited")
    assert sorted(uncommitted_changes(tmp_path)) == ["book/intro.md", "mnist_helpers/x.py"]


def test_chapters_start_longest_first_by_their_last_run_and_never_run_ones_before_all():
    seconds = {"01_a": 9.0, "03_c": 742.0, "04_d": 1653.0, "06_f": None, "02_b": None}
    assert scheduling.longest_first(["01_a", "02_b", "03_c", "04_d", "06_f"], seconds) == [
        "02_b",
        "06_f",
        "04_d",
        "03_c",
        "01_a",
    ]


def test_previous_seconds_reads_the_last_runs_time_only_when_its_parameters_were_the_same(tmp_path):
    done = tmp_path / "done.ipynb"
    made = {"seconds": 12.5, "params": {"epochs": 5}, "status": "ok"}
    done.write_text(json.dumps({"metadata": {notebook_exec.META_KEY: made}}))
    (tmp_path / "bad.ipynb").write_text("{not json")
    assert scheduling.previous_seconds(done, {"epochs": 5}) == 12.5
    assert scheduling.previous_seconds(done, {"epochs": 50}) is None  # another cost
    assert scheduling.previous_seconds(tmp_path / "bad.ipynb", {}) is None
    assert scheduling.previous_seconds(tmp_path / "absent.ipynb", {}) is None


def _executed(tmp_path: Path, times: dict[str, float], recorded: bool = False) -> tuple[list, Path]:
    """Chapters 01, 04, 07 and an unnumbered page, each with a current executed copy made at `times[stem]`:
    recorded in its metadata (`recorded`, as runs now do) or only as the file's modification time."""
    nbs = tiny_notebooks(tmp_path / "nbs")
    _copy_as(nbs, "04_tiny", "07_tiny", "summary")
    out = tmp_path / "out"
    out.mkdir()
    plans = [(nbs / f"{stem}.ipynb", {}) for stem in ("01_tiny", "04_tiny", "07_tiny", "summary")]
    for nb, params_ in plans:
        made = nbformat.read(nb, as_version=4)
        made.metadata[notebook_exec.META_KEY] = {**notebook_exec.fingerprint(nb, params_), "status": "ok"}
        if recorded:
            made.metadata[notebook_exec.META_KEY]["finished"] = times[nb.stem]
        nbformat.write(made, out / nb.name)
        mtime = 1000.0 - times[nb.stem] if recorded else times[nb.stem]  # recorded: file times say the opposite
        os.utime(out / nb.name, (mtime, mtime))
    return plans, out


ORDERED = {"01_tiny": 100.0, "04_tiny": 200.0, "07_tiny": 300.0, "summary": 400.0}  # each after what it needs


def test_nothing_runs_when_every_chapter_is_current_and_newer_than_what_it_needs(tmp_path):
    plans, out = _executed(tmp_path, ORDERED)
    assert scheduling.to_run(plans, out, force=False, dirty=False) == {}


def test_a_chapter_to_be_rerun_takes_the_chapters_that_need_it_along(tmp_path):
    plans, out = _executed(tmp_path, ORDERED)
    (out / "04_tiny.ipynb").unlink()  # chapter 4 must run: chapter 7 reuses its model, the summary reads it
    assert list(scheduling.to_run(plans, out, force=False, dirty=False)) == ["04_tiny", "07_tiny", "summary"]


def test_a_chapter_older_than_one_it_needs_is_rerun(tmp_path):
    plans, out = _executed(tmp_path, ORDERED | {"07_tiny": 500.0})  # chapter 7 ran again after the summary
    assert list(scheduling.to_run(plans, out, force=False, dirty=False)) == ["summary"]


def test_the_time_a_run_recorded_decides_over_the_files_time(tmp_path):
    plans, out = _executed(tmp_path, ORDERED, recorded=True)  # a checkout wrote the files in reverse order
    assert scheduling.to_run(plans, out, force=False, dirty=False) == {}


def test_the_full_profile_publishes_into_book_and_every_other_profile_writes_beside_its_artifacts(tmp_path):
    notebooks_dir = tmp_path / "notebooks"
    assert runner.default_out_dir(notebooks_dir, "full") == tmp_path / "book"
    assert runner.default_out_dir(notebooks_dir, "quick") == tmp_path / "artifacts" / "quick" / "notebooks"
    runner.refuse_unpublished_profile(notebooks_dir, tmp_path / "book", "full", publish=False)
    runner.refuse_unpublished_profile(notebooks_dir, tmp_path / "elsewhere", "quick", publish=False)
    runner.refuse_unpublished_profile(notebooks_dir, tmp_path / "book", "quick", publish=True)  # meant
    with pytest.raises(RuntimeError, match="refusing to write the 'quick' profile's chapters into .*book.*--publish"):
        runner.refuse_unpublished_profile(notebooks_dir, tmp_path / "book", "quick", publish=False)


def test_a_profile_file_is_named_by_its_profile_key_or_its_stem():
    assert runner.profile_name("my-seed.yaml", {"all": {"profile": "mine"}, "chapters": {}}) == "mine"
    assert runner.profile_name("path/to/my-seed.yaml", {"all": {}, "chapters": {}}) == "my-seed"
    assert runner.profile_name("quick", {"all": {"profile": "quick"}, "chapters": {}}) == "quick"


def test_the_command_line_names_itself_shows_its_defaults_and_its_version(capsys):
    import mnist_helpers

    with pytest.raises(SystemExit):
        runner.main(["--help"], prog="python -m mnist_helpers")
    shown = capsys.readouterr().out
    assert (
        shown.startswith("usage: python -m mnist_helpers") and "(default: quick)" in shown and "(default: 1)" in shown
    )
    with pytest.raises(SystemExit):
        runner.main(["--version"])
    assert capsys.readouterr().out.strip() == f"mnist-reproduce {mnist_helpers.__version__}"


def test_an_out_folder_that_is_the_notebooks_folder_is_refused_before_anything_runs(tmp_path, allow_x):
    nbs = tiny_notebooks(tmp_path / "nbs")
    source = (nbs / "01_tiny.ipynb").read_text()
    for out in (nbs, tmp_path / "link"):
        if out.name == "link":
            out.symlink_to(nbs)
        with pytest.raises(RuntimeError, match="would overwrite the source notebooks"):
            runner.run(profile_file(tmp_path, 3), out_dir=out, notebooks_dir=nbs)
    assert (nbs / "01_tiny.ipynb").read_text() == source


@pytest.mark.parametrize("only", [[""], [], ["03", " "]])
def test_an_empty_only_selection_is_refused_not_read_as_every_chapter(tmp_path, only, allow_x):
    nbs = tiny_notebooks(tmp_path / "nbs")
    with pytest.raises(ParameterError, match="give notebook name prefixes, e.g. --only 03 04"):
        runner.run(profile_file(tmp_path, 3), only=only, out_dir=tmp_path / "out", notebooks_dir=nbs)
    assert not (tmp_path / "out").exists()


def test_a_failed_chapter_is_kept_when_its_log_folder_is_on_another_device(tmp_path, allow_x, monkeypatch):
    import shutil

    nbs = notebook_with(tmp_path / "nbs", "y = 2", "raise ValueError('the real error')")
    real_replace = os.replace

    def cross_device(src, dst):  # what os.replace does across filesystems
        if "_logs" in str(dst):
            raise OSError(18, "Invalid cross-device link")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", cross_device)
    monkeypatch.setattr(shutil, "_samefile", lambda *a: False)
    with pytest.raises(RuntimeError, match="ValueError: the real error"):
        runner.run(profile_file(tmp_path, 3), out_dir=tmp_path / "out", notebooks_dir=nbs)
    assert (tmp_path / "out" / "_logs" / "failed" / "01_tiny.ipynb").is_file()


@pytest.mark.slow  # a subprocess or a real kernel: `make test` runs it, `make test-unit` skips it
def test_sigterm_stops_the_runner_with_one_line_and_leaves_no_temporary(tmp_path):
    proc = runner_in_a_sleeping_cell(tmp_path)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert err.strip().count("\n") == 0, err
    assert "01_tiny terminated (SIGTERM) in cell 3 of 3" in err and "re-run to resume" in err
    assert not [p for p in (tmp_path / "out").rglob("*") if ".mnist-tmp" in p.name]


def test_a_base_install_without_the_book_extra_says_which_extra_to_install(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "papermill" else real(name, *a))
    assert runner.main(["--profile", "quick"]) == 1
    err = capsys.readouterr().err
    assert "needs the [book] extra (papermill missing)" in err and "pip install 'mnist-helpers[book]'" in err


def test_the_kernels_learn_where_the_notebooks_are_from_the_runner(tmp_path, allow_x, monkeypatch):
    monkeypatch.delenv(runner.NOTEBOOKS_ENV, raising=False)
    nbs = notebook_with(
        tmp_path / "nbs", "y = 2", "import os\nprint('NOTEBOOKS', os.environ.get('MNIST_NOTEBOOKS_DIR'))"
    )
    runner.run(profile_file(tmp_path, 3), out_dir=tmp_path / "out", notebooks_dir=nbs)
    executed = nbformat.read(tmp_path / "out" / "01_tiny.ipynb", as_version=4)
    assert f"NOTEBOOKS {nbs.resolve()}" in executed.cells[-1].outputs[0]["text"]
    assert runner.NOTEBOOKS_ENV not in os.environ  # the runner's own environment is left as it was


LOCKING_CELL = """import pathlib
from mnist_helpers.core import locks
with locks.folder_lock(pathlib.Path('../artifacts/quick').resolve()):  # a recipe writing the profile's folder
    print('TRAINED UNDER THE LOCK')"""


@pytest.mark.slow  # starts a Dask worker process and a kernel on it
def test_the_runner_on_a_cluster_trains_on_the_worker_under_its_lock_and_streams_the_lines_back(
    tmp_path, allow_x, capsys
):
    distributed = pytest.importorskip("distributed")
    nbs = notebook_with(tmp_path / "nbs", "y = 2", LOCKING_CELL)
    with distributed.LocalCluster(  # started before the runner sets its variables: the worker does not inherit them
        n_workers=1, threads_per_worker=1, processes=True, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        done = runner.run(
            profile_file(tmp_path, 3), out_dir=tmp_path / "out", notebooks_dir=nbs, scheduler=cluster.scheduler_address
        )
        time.sleep(1)  # the forwarded lines travel as events
    assert list(done) == ["01_tiny"]
    executed = nbformat.read(tmp_path / "out" / "01_tiny.ipynb", as_version=4)
    assert "TRAINED UNDER THE LOCK" in executed.cells[-1].outputs[0]["text"]
    assert "01_tiny | TRAINED UNDER THE LOCK" in capsys.readouterr().out  # on the runner's console


@pytest.mark.slow  # a real kernel
def test_publishing_a_whole_run_installs_the_pages_made_for_it_and_a_partial_run_does_not(tmp_path, allow_x):
    nbs = git_tree(tmp_path)
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "intro.md").write_text("# the intro for this code\n")
    (tmp_path / "pages" / "_toc.yml").write_text("root: book/intro\n")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# the published run's intro\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "add", "."], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "pages"], cwd=tmp_path, check=True)
    runner.run(profile_file(tmp_path, 3), notebooks_dir=nbs, publish=True, only=["01"])
    assert (tmp_path / "book" / "intro.md").read_text() == "# the published run's intro\n"  # book/ may mix runs
    runner.run(profile_file(tmp_path, 3), notebooks_dir=nbs, publish=True)
    assert (tmp_path / "book" / "intro.md").read_text() == "# the intro for this code\n"
    assert (tmp_path / "_toc.yml").read_text() == "root: book/intro\n"
