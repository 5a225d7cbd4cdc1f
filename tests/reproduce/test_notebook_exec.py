"""An executed notebook's record of how it was made: one reader, and what makes a copy current."""

import json

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
