"""Subpackages re-export names lazily: on first use, from the module that defines them, and nothing else."""

import subprocess
import sys

import pytest

from mnist_helpers.core.lazy import exports


def test_a_reexported_name_is_the_modules_own_object_and_loads_only_on_first_use():
    probe = (
        "import sys, mnist_helpers.figures as f; name = 'mnist_helpers.figures.stopping_plots'; "
        "before = name in sys.modules; v = f.validation_curves; "
        "from mnist_helpers.figures.stopping_plots import validation_curves; "
        "print(before, name in sys.modules, v is validation_curves)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True", "True"]


def test_an_unknown_name_is_an_attribute_error_naming_the_package():
    getattr_, dir_, all_ = exports("mnist_helpers.core", {"paths": ("PROJECT_ROOT",)})
    assert all_ == ["PROJECT_ROOT"] and dir_() == ["PROJECT_ROOT"]
    with pytest.raises(AttributeError, match="'mnist_helpers.core' has no attribute 'nope'"):
        getattr_("nope")


def test_every_subpackage_exports_only_names_its_modules_define():
    import importlib

    for room in (
        "core",
        "data",
        "augment",
        "models",
        "training",
        "recipes",
        "claims",
        "measure",
        "figures",
        "reproduce",
    ):
        package = importlib.import_module(f"mnist_helpers.{room}")
        for name in package.__all__:
            assert getattr(package, name) is not None, f"mnist_helpers.{room}.{name}"


def test_no_exported_name_is_also_a_submodule_of_its_package():
    # Importing a submodule sets it as an attribute of its package: an exported function of the same name would then
    # be shadowed by the module (data.author_split(...) calling a module), depending on what was imported first.
    import importlib
    import pkgutil

    import mnist_helpers

    for room in (m for m in pkgutil.iter_modules(mnist_helpers.__path__) if m.ispkg):
        package = importlib.import_module(f"mnist_helpers.{room.name}")
        submodules = {m.name for m in pkgutil.iter_modules(package.__path__)}
        assert not set(getattr(package, "__all__", ())) & submodules, room.name
