"""The profile runner: profiles validate, bad profiles fail early, runs resume, failures stop with the cell shown."""

import ast
import subprocess
from pathlib import Path

import nbformat
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mnist_helpers import runner
from mnist_helpers.params import ParameterError

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def test_quick_profile_equals_every_notebooks_defaults():
    spec = runner.load_profile("quick")
    for nb in runner.notebooks(NOTEBOOKS):
        declared = papermill.inspect_notebook(str(nb))
        for name, value in runner.chapter_parameters(spec, nb).items():
            assert ast.literal_eval(declared[name]["default"]) == value, f"{nb.stem}: {name}"


@pytest.mark.parametrize("profile", ["quick", "full", "seed"])
def test_every_profile_gives_every_notebook_valid_parameters(profile):
    spec = runner.load_profile(profile)
    for nb in runner.notebooks(NOTEBOOKS):
        runner.chapter_parameters(spec, nb)


def test_full_profile_runs_every_chapter_on_the_whole_split():
    spec = runner.load_profile("full")
    assert spec["all"]["train_size"] == 60000 and spec["all"]["test_size"] == 10000
    assert len(spec["chapters"]["05_optimizers"]["seeds"]) >= 3


@pytest.mark.parametrize(
    "yaml_text, message",
    [
        ("chapters:\n  03_mlp:\n    epochs: 0\n", "'epochs' = 0"),
        ("chapters:\n  03_mlp:\n    optimizer: sgd\n", "'optimizer' = 'sgd'.*adam, rmsprop"),
        ("all:\n  profile: huge\n", "'profile' = 'huge'"),
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
        runner.run(str(path), out_dir=tmp_path / "book", notebooks_dir=NOTEBOOKS)
    assert not (tmp_path / "book").exists()


def test_unknown_profile_name_lists_the_known_ones():
    with pytest.raises(ParameterError, match="quick, full, seed"):
        runner.load_profile("huge")


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
    monkeypatch.setitem(runner.validate.__globals__["RULES"], "x", lambda n, v: None)


def test_runner_executes_then_skips_current_notebooks_and_reruns_stale_ones(tmp_path, allow_x):
    nbs = tiny_notebooks(tmp_path / "nbs")
    out = tmp_path / "book"
    assert list(runner.run(profile_file(tmp_path, 3), out_dir=out, notebooks_dir=nbs)) == ["01_tiny"]
    executed = nbformat.read(out / "01_tiny.ipynb", as_version=4)
    assert "6" in executed.cells[-1].outputs[0]["text"]
    assert runner.run(profile_file(tmp_path, 3), out_dir=out, notebooks_dir=nbs) == {}  # resumed: nothing left to do
    assert list(runner.run(profile_file(tmp_path, 4), out_dir=out, notebooks_dir=nbs)) == ["01_tiny"]  # new parameters


def test_failing_notebook_stops_the_run_names_the_cell_and_writes_no_output(tmp_path, allow_x):
    nbs = tiny_notebooks(tmp_path / "nbs", fail=True)
    out = tmp_path / "book"
    with pytest.raises(
        RuntimeError, match=r"01_tiny.ipynb failed in cell \d+ \(ValueError: bad x\)\.\nThe cell:\n    raise ValueError"
    ):
        runner.run(profile_file(tmp_path, 3), out_dir=out, notebooks_dir=nbs)
    assert not (out / "01_tiny.ipynb").exists()
    assert (tmp_path / "_build" / "failed" / "01_tiny.ipynb").exists()
    assert not [p for p in out.glob("*") if p.name.endswith(".tmp")]


def test_stored_outputs_in_the_source_notebook_do_not_make_results_stale(tmp_path, allow_x):
    nbs = tiny_notebooks(tmp_path / "nbs")
    out = tmp_path / "book"
    runner.run(profile_file(tmp_path, 3), out_dir=out, notebooks_dir=nbs)
    source = nbformat.read(nbs / "01_tiny.ipynb", as_version=4)
    source.cells[1].outputs = [nbformat.v4.new_output("stream", text="6\n")]
    nbformat.write(source, nbs / "01_tiny.ipynb")
    assert runner.run(profile_file(tmp_path, 3), out_dir=out, notebooks_dir=nbs) == {}


def test_only_prefix_that_matches_no_notebook_fails_naming_it_and_the_folder(tmp_path, allow_x):
    nbs = tiny_notebooks(tmp_path / "nbs")
    with pytest.raises(ParameterError, match=rf"--only 99: no notebook in {nbs} starts with '99'.*01_tiny"):
        runner.run(profile_file(tmp_path, 3), only=["99"], out_dir=tmp_path / "book", notebooks_dir=nbs)
    assert not (tmp_path / "book").exists()


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
    assert (tmp_path / "book" / "01_tiny.ipynb").is_file()  # book/ beside the notebooks, not beside the package


def test_runner_streams_each_printed_line_to_the_terminal_with_the_chapter_name(tmp_path, capsys, allow_x):
    nbs = tiny_notebooks(tmp_path / "nbs")
    runner.run(profile_file(tmp_path, 3), out_dir=tmp_path / "book", notebooks_dir=nbs)
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
        runner.run(profile_file(tmp_path, 3), notebooks_dir=nbs)
    assert not (tmp_path / "book").exists()
    assert list(runner.run(profile_file(tmp_path, 3), notebooks_dir=nbs, out_dir=tmp_path / "elsewhere"))


def test_allow_dirty_publishes_records_the_override_and_a_clean_run_replaces_it(tmp_path, allow_x, monkeypatch):
    nbs = git_tree(tmp_path)
    (nbs / "01_tiny.ipynb").write_text((nbs / "01_tiny.ipynb").read_text().replace("a number", "an edit"))
    monkeypatch.delenv(runner.DIRTY_ENV, raising=False)
    assert list(runner.run(profile_file(tmp_path, 3), notebooks_dir=nbs, allow_dirty=True)) == ["01_tiny"]
    made = nbformat.read(tmp_path / "book" / "01_tiny.ipynb", as_version=4).metadata[runner.META_KEY]
    assert made["allow_dirty"] is True
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "edit"], cwd=tmp_path, check=True
    )
    assert list(runner.run(profile_file(tmp_path, 3), notebooks_dir=nbs)) == ["01_tiny"]  # now from a commit
    assert (
        "allow_dirty" not in nbformat.read(tmp_path / "book" / "01_tiny.ipynb", as_version=4).metadata[runner.META_KEY]
    )


def test_runs_table_marks_chapters_whose_code_version_differs_from_the_current_code():
    from mnist_helpers.provenance import code_version, runs_table

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


def test_injected_parameters_are_folded_away_in_the_executed_notebook(tmp_path, allow_x):
    runner.run(profile_file(tmp_path, 3), out_dir=tmp_path / "book", notebooks_dir=tiny_notebooks(tmp_path / "nbs"))
    executed = nbformat.read(tmp_path / "book" / "01_tiny.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "hide-input" in injected[0].metadata["tags"]
