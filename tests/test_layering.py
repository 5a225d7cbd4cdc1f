"""The package's rooms are layered: a subpackage imports only from the rooms below it (type hints excepted)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mnist_helpers"
# Foundations first, orchestration last: each room may import from the rooms listed before it, never after.
LAYERS = ("core", "data", "augment", "models", "training", "recipes", "claims", "measure", "figures", "reproduce")


def runtime_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every `mnist_helpers` import outside `if TYPE_CHECKING:` blocks."""
    tree = ast.parse(source)
    hidden = {
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for n in ast.walk(block)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mnist_helpers"):
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("mnist_helpers")]
    return found


def upward_imports(room: str, source: str) -> list[str]:
    """The imports in a module of `room` that reach a room above it (or outside the layer list)."""
    allowed = set(LAYERS[: LAYERS.index(room) + 1])
    bad = []
    for line, module in runtime_imports(source):
        parts = module.split(".")
        if len(parts) > 1 and parts[1] not in allowed:
            bad.append(f"line {line}: {module}")
    return bad


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE)


def test_every_subpackage_is_in_the_layer_list():
    rooms = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert rooms == set(LAYERS)


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_module_imports_only_downward(path):
    room = path.relative_to(PACKAGE).parts[0]
    assert upward_imports(room, path.read_text(encoding="utf-8")) == []


def test_the_layer_check_finds_an_upward_import_and_spares_type_hints():
    source = (
        "from typing import TYPE_CHECKING\n"
        "from mnist_helpers.core.paths import PROJECT_ROOT\n"
        "from mnist_helpers.reproduce.run_record import Run\n"
        "if TYPE_CHECKING:\n"
        "    from mnist_helpers.figures import plots\n"
    )
    assert upward_imports("recipes", source) == ["line 3: mnist_helpers.reproduce.run_record"]
