"""Lazy re-exports for the subpackages' `__init__`: a name is imported from its module on first use."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import import_module
from typing import Any


def exports(package: str, names_by_module: dict[str, Iterable[str]]) -> tuple[Callable, Callable, list[str]]:
    """`__getattr__`, `__dir__` and `__all__` for `package`, re-exporting each module's names on first use.

    Lazy, so importing one module of a subpackage (say `training.optimizers`) does not import its heavy
    siblings (Keras), and a subpackage's `__init__` never takes part in an import cycle.
    """
    home = {name: module for module, names in names_by_module.items() for name in names}
    public = sorted(home)

    def __getattr__(name: str) -> Any:
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{home[name]}"), name)
        setattr(import_module(package), name, value)
        return value

    def __dir__() -> list[str]:
        return public

    return __getattr__, __dir__, public
