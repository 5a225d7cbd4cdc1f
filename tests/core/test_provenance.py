"""Provenance: a result's commit and dirty state tell the truth about the code that made it."""

import shutil
import subprocess

from mnist_helpers.core import provenance


def git(folder, *args):
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=folder, check=True)


def committed_tree(folder, files):
    for path, text in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)
    git(folder, "init", "-q")
    git(folder, "add", ".")
    git(folder, "commit", "-qm", "files")
    return folder


def test_an_untracked_notebook_makes_the_tree_dirty(tmp_path):
    committed_tree(tmp_path, {"notebooks/01_a.ipynb": "{}", "mnist_helpers/x.py": ""})
    assert provenance.uncommitted_changes(tmp_path) == []
    (tmp_path / "notebooks" / "08_extra.ipynb").write_text("{}")
    assert provenance.uncommitted_changes(tmp_path) == ["notebooks/08_extra.ipynb"]


def test_untracked_files_that_are_not_code_leave_the_tree_clean(tmp_path):
    committed_tree(tmp_path, {"notebooks/01_a.ipynb": "{}"})
    (tmp_path / "my-seed.yaml").write_text("all: {}\n")
    (tmp_path / "book" / "01_a.ipynb").parent.mkdir()
    (tmp_path / "book" / "01_a.ipynb").write_text("{}")  # a run's own output
    assert provenance.uncommitted_changes(tmp_path) == []


def test_a_copy_without_git_inside_an_unrelated_repository_records_no_commit(tmp_path, monkeypatch):
    committed_tree(tmp_path, {"README.md": "someone else's project"})
    copy = tmp_path / "downloads" / "mnist_helpers"
    shutil.copytree(provenance.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(provenance, "PACKAGE_DIR", copy)
    assert provenance.git_commit() == "unknown"
    assert provenance.uncommitted_changes(copy) is None


def test_a_checkout_records_its_commit(tmp_path, monkeypatch):
    committed_tree(tmp_path, {"mnist_helpers/__init__.py": ""})
    monkeypatch.setattr(provenance, "PACKAGE_DIR", tmp_path / "mnist_helpers")
    head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=tmp_path, capture_output=True, text=True)
    assert provenance.git_commit() == head.stdout.strip()
