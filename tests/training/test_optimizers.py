"""Optimizer names: labels in the book follow the optimizer that ran."""

import json
from pathlib import Path

import pytest

from mnist_helpers.training.optimizers import OPTIMIZERS, optimizer_name


def test_every_optimizer_has_the_books_name_and_an_unknown_one_is_refused():
    assert [optimizer_name(o) for o in OPTIMIZERS] == ["Adam", "RMSprop"]
    with pytest.raises(ValueError, match="'sgd' is not one of"):
        optimizer_name("sgd")


def test_chapter_3_labels_its_result_with_the_optimizer_that_ran_not_a_fixed_adam():
    notebook = Path(__file__).resolve().parents[2] / "notebooks" / "03_mlp.ipynb"
    sources = "".join("".join(c["source"]) for c in json.loads(notebook.read_text())["cells"])
    assert "optimizer_name(p.optimizer)" in sources
    assert "784-300-10, Adam" not in sources
