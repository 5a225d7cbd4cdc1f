"""An executed notebook's record of how it was made: one reader, and what makes a copy current."""

import json

from mnist_helpers.reproduce import notebook_exec
from mnist_helpers.reproduce.notebook_exec import META_KEY, executed_meta, is_current


def _executed(path, made):
    path.write_text(json.dumps({"cells": [], "metadata": {META_KEY: made}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_executed_meta_reads_the_record_and_gives_nothing_for_absent_damaged_or_foreign_files(tmp_path):
    made = {"status": "ok", "params": {"epochs": 2}, "seconds": 3.5}
    assert executed_meta(_executed(tmp_path / "a.ipynb", made)) == made
    assert executed_meta(tmp_path / "absent.ipynb") == {}
    (tmp_path / "bad.ipynb").write_text("{not json")
    assert executed_meta(tmp_path / "bad.ipynb") == {}
    assert executed_meta(_executed(tmp_path / "odd.ipynb", ["not", "a", "record"])) == {}


def test_a_copy_is_current_only_when_complete_and_made_from_the_same_fingerprint(tmp_path):
    fp = {"params": {"epochs": 2}, "source_sha": "abc", "code_version": "v1"}
    assert is_current(_executed(tmp_path / "ok.ipynb", {**fp, "status": "ok"}), fp)
    assert not is_current(_executed(tmp_path / "half.ipynb", {**fp, "status": "running"}), fp)
    assert not is_current(_executed(tmp_path / "other.ipynb", {**fp, "status": "ok", "code_version": "v2"}), fp)
    assert not is_current(_executed(tmp_path / "dirty.ipynb", {**fp, "status": "ok", "allow_dirty": True}), fp)


def test_the_parameters_cell_shows_the_values_run_with_keeping_annotations_and_comments():
    source = (
        'profile: str = "quick"  # quick | full | seed\n'
        "seeds: list[int] = [0, 1]  # one run per seed\n"
        "epochs: int = 2  # passes (Shah: 10)\n"
        'artifacts_dir: "Optional[str]" = None  # None: the project\'s artifacts/'
    )
    shown = notebook_exec.values_run_with(source, {"profile": "full", "seeds": [0, 1, 2], "epochs": 10})
    assert shown.splitlines() == [
        'profile: str = "full"  # quick | full | seed',
        "seeds: list[int] = [0, 1, 2]  # one run per seed",
        "epochs: int = 10  # passes (Shah: 10)",
        'artifacts_dir: "Optional[str]" = None  # None: the project\'s artifacts/',  # not given: the default
    ]


def test_an_executed_notebook_keeps_one_parameter_cell_with_the_run_values_and_drops_papermills():
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[
            new_code_cell("epochs: int = 2  # passes", metadata={"tags": ["parameters", "hide-input"]}),
            new_code_cell("# Parameters\nepochs = 10\n", metadata={"tags": ["injected-parameters"]}),
            new_code_cell("print(epochs)"),
        ]
    )
    notebook_exec.show_values_run_with(nb, {"epochs": 10})
    assert nb.cells[0].source == notebook_exec.RAN_WITH + "\nepochs: int = 10  # passes"
    assert "remove-cell" in nb.cells[1].metadata["tags"] and "hide-input" in nb.cells[0].metadata["tags"]
    alone = new_notebook(cells=[new_code_cell("epochs = 10", metadata={"tags": ["injected-parameters"]})])
    notebook_exec.show_values_run_with(alone, {"epochs": 10})  # no defaults cell: papermill's stays, folded
    assert alone.cells[0].metadata["tags"] == ["injected-parameters", "hide-input"]
