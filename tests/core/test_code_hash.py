"""Reuse keyed by the code that made a result: which edits make models and chapters stale, on copies of the package."""

import shutil
from pathlib import Path

import nbformat
import pytest

from mnist_helpers.core import code_hash
from mnist_helpers.core.code_hash import PACKAGE_DIR, closure, definition_hash, notebook_code, training_code

TORCH = "mnist_helpers.models.torch_nets"
TORCH_MODELS = ("MLP", "ShahCNN", "DuttaCNNTorch", "DenseAutoencoder", "ConvAutoencoder")


def _copy(tmp_path: Path, name: str) -> Path:
    copy = tmp_path / name / "mnist_helpers"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def _keys(package: Path) -> dict[str, str]:
    """Every published model's key parts: the training code and each definition."""
    keys = {m: training_code(package) + definition_hash(TORCH, m, package) for m in TORCH_MODELS}
    keys["dutta_cnn"] = training_code(package) + definition_hash("mnist_helpers.models.keras_cnn", "dutta_cnn", package)
    return keys


def _edit(package: Path, relative: str, old: str, new: str) -> None:
    path = package / relative
    text = path.read_text()
    assert old in text, f"{old!r} not in {relative}: the test's edit no longer applies"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def before(tmp_path):
    return _keys(_copy(tmp_path, "before"))


def test_a_change_to_a_plotting_module_leaves_every_model_current(tmp_path, before):
    after = _copy(tmp_path, "after")
    _edit(after, "figures/plots.py", '"""', '"""A changed plot. ')
    _edit(after, "claims/rules.py", "CONFIDENCE = 0.95", "CONFIDENCE = 0.9")
    assert _keys(after) == before


def test_a_change_to_the_training_loop_makes_every_model_stale(tmp_path, before):
    after = _copy(tmp_path, "after")
    _edit(after, "training/epoch.py", '"""', '"""A changed loop. ')
    assert all(_keys(after)[m] != before[m] for m in before)


def test_a_change_to_one_model_class_makes_only_that_models_recipes_stale(tmp_path, before):
    after = _copy(tmp_path, "after")
    _edit(after, "models/torch_nets.py", "class ShahCNN(nn.Module):\n", "class ShahCNN(nn.Module):\n    changed = 1\n")
    changed = {m for m, k in _keys(after).items() if k != before[m]}
    assert changed == {"ShahCNN"}


def test_a_module_level_name_a_model_uses_counts_for_that_model_only(tmp_path, before):
    after = _copy(tmp_path, "after")
    _edit(after, "models/torch_nets.py", "KERAS_BN_EPSILON = 1e-3", "KERAS_BN_EPSILON = 1e-5")
    changed = {m for m, k in _keys(after).items() if k != before[m]}
    assert changed == {"DuttaCNNTorch"}  # the twin's batch norm; no other model uses it


def test_imports_under_type_checking_and_of_other_packages_are_not_dependencies():
    found = closure(["mnist_helpers.recipes.train_or_reuse"])
    assert "mnist_helpers.reproduce.run_record" not in found  # imported only for its type
    assert not any(m.startswith(("mnist_helpers.figures", "mnist_helpers.claims")) for m in found)
    assert "mnist_helpers.training.keras_fit" in found  # a function's lazy import counts


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(nb, path)
    return path


def test_a_chapter_is_stale_when_code_it_imports_changes_and_current_otherwise(tmp_path):
    first, second = _copy(tmp_path, "first"), _copy(tmp_path, "second")
    nb = _notebook(tmp_path / "ch.ipynb", "%matplotlib inline\nfrom mnist_helpers import data", "import numpy as np")
    same = notebook_code(nb, first)
    _edit(second, "figures/plots.py", '"""', '"""A changed plot. ')
    assert notebook_code(nb, second) == same  # the chapter imports no figures
    _edit(second, "data/stats.py", '"""', '"""Changed. ')
    assert notebook_code(nb, second) != same  # `from mnist_helpers import data` reaches every data module


def test_an_unknown_module_or_name_is_a_clear_error():
    with pytest.raises(ValueError, match="no 'Nope'"):
        definition_hash(TORCH, "Nope")
    with pytest.raises(ValueError, match="not a module of mnist_helpers"):
        code_hash.modules_hash(["mnist_helpers.nope"])
