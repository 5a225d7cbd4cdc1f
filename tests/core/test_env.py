"""Environment names: each said once, in core.env, and relative folders made absolute where the user typed them."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import mnist_helpers
from mnist_helpers.core import env

PACKAGE = Path(mnist_helpers.__file__).parent
NAMES = [v for k, v in vars(env).items() if k.endswith("_ENV")]


def test_no_module_but_core_env_spells_an_environment_name():
    spelt = re.compile("[\"'](" + "|".join(map(re.escape, NAMES)) + ")[\"']")
    offenders = [
        f"{path.relative_to(PACKAGE)}: {m.group(0)}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "env.py"
        for m in spelt.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_every_project_variable_has_one_constant():
    assert len(NAMES) == len(set(NAMES))
    for name in ("MNIST_DATA_DIR", "MNIST_CACHE_DIR", "MNIST_ALLOW_DIRTY", "MNIST_PROGRESS", "MNIST_NOTEBOOKS_DIR"):
        assert name in NAMES
    assert {"MNIST_DASK_SCHEDULER", "MNIST_LOCKS_HELD", "MNIST_SWEEP_PARENT", "KERAS_BACKEND"} <= set(NAMES)


def test_relative_folders_become_absolute_against_the_given_base(monkeypatch, tmp_path):
    monkeypatch.setenv(env.DATA_DIR_ENV, "../shared/data/mnist")
    monkeypatch.setenv(env.CACHE_DIR_ENV, "/already/absolute")
    changed = env.absolute_path_envs(tmp_path / "repo")
    assert os.environ[env.DATA_DIR_ENV] == str(tmp_path / "shared" / "data" / "mnist")
    assert os.environ[env.CACHE_DIR_ENV] == "/already/absolute"
    assert changed == {env.DATA_DIR_ENV: str(tmp_path / "shared" / "data" / "mnist")}


def test_nbval_conftest_makes_a_relative_data_dir_absolute_from_where_pytest_ran(monkeypatch, tmp_path):
    import importlib.util
    from types import SimpleNamespace

    spec = importlib.util.spec_from_file_location("notebooks_conftest", PACKAGE.parent / "notebooks" / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    monkeypatch.setenv(env.DATA_DIR_ENV, "../shared/data/mnist")
    conftest.pytest_configure(SimpleNamespace(invocation_params=SimpleNamespace(dir=tmp_path / "main")))
    assert os.environ[env.DATA_DIR_ENV] == str(tmp_path / "shared" / "data" / "mnist")


@pytest.mark.slow  # a subprocess: keras reads its backend once per process
@pytest.mark.parametrize("backend", ["jax", "tensorflow", "numpy"])
def test_a_keras_backend_other_than_torch_is_refused_naming_the_variable_and_the_fix(backend):
    code = "import mnist_helpers.models.keras_cnn"
    env = {**os.environ, "KERAS_BACKEND": backend}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert f"RuntimeError: KERAS_BACKEND='{backend}'" in last and "export KERAS_BACKEND=torch" in last, last


def test_keras_on_torch_sets_the_backend_when_unset(monkeypatch):
    from mnist_helpers.core import env

    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    env.keras_on_torch()
    assert os.environ["KERAS_BACKEND"] == "torch"


def _keras_imports_without_the_check(tree: ast.AST) -> list[int]:
    """Lines of `import keras` (or from keras) not preceded, in the same block, by a keras_on_torch() call."""
    found = []
    for node in ast.walk(tree):
        checked = False
        for statement in getattr(node, "body", []) if isinstance(getattr(node, "body", None), list) else []:
            call = statement.value if isinstance(statement, ast.Expr) else None
            if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "keras_on_torch":
                checked = True
            names = [a.name for a in statement.names] if isinstance(statement, ast.Import) else []
            names += [statement.module or ""] if isinstance(statement, ast.ImportFrom) else []
            if any(n == "keras" or n.startswith("keras.") for n in names) and not checked:
                found.append(statement.lineno)
    return found


def test_every_import_of_keras_in_the_package_comes_after_the_backend_check():
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line in _keras_imports_without_the_check(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "module, function, args",
    [
        ("mnist_helpers.augment.showcase", "keras_sampled_angles", (2, {"a": 0.1})),
        ("mnist_helpers.training.keras_optim", "legacy_decay_ignored", ()),
    ],
)
def test_keras_helpers_refuse_another_backend_naming_the_variable_and_the_fix(monkeypatch, module, function, args):
    import importlib

    helper = getattr(importlib.import_module(module), function)
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    with pytest.raises(RuntimeError, match=r"KERAS_BACKEND='jax'.*Fix: export KERAS_BACKEND=torch"):
        helper(*args)
