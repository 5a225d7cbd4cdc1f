"""Which code made a result: hashes of the package's modules a result depends on, found from the import graph.

A trained model is keyed by the code that trains it (the modules its recipe imports, transitively, less the
model definitions) and by its own model's definition (the class or function and the module-level names it
uses); an executed chapter by the modules its notebook imports. A change to a plot then leaves every model
current, a change to the training loop makes every model stale, and a change to one model class makes only
that model's recipes stale. Static (ast), so nothing is imported to compute a key.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path

PACKAGE = "mnist_helpers"
PACKAGE_DIR = Path(__file__).resolve().parents[1]
TRAINING_ROOTS = (f"{PACKAGE}.recipes.train_or_reuse",)  # what trains every model the chapters publish
MODEL_PACKAGE = f"{PACKAGE}.models"  # model definitions: keyed per definition, not per module


def _file(module: str, package_dir: Path) -> Path | None:
    """The source file of `module` (a package's __init__.py), or None when it is not one of ours."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    base = package_dir.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _source(module: str, package_dir: Path) -> Path:
    """`_file`, or a ValueError naming the module and the folder looked in."""
    path = _file(module, package_dir)
    if path is None:
        raise ValueError(f"{module!r} is not a module of {PACKAGE} under {package_dir}.")
    return path


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterable[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth (a function's lazy import counts), except under `if TYPE_CHECKING:`."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _package_modules(package: str, package_dir: Path) -> list[str]:
    """Every module of a subpackage (what its lazy `__init__` may load)."""
    folder = package_dir.joinpath(*package.split(".")[1:])
    return sorted(
        ".".join((PACKAGE, *p.relative_to(package_dir).with_suffix("").parts)).removesuffix(".__init__")
        for p in folder.rglob("*.py")
    )


def imported_modules(tree: ast.AST, package_dir: Path, *, expand_packages: bool) -> set[str]:
    """Our modules an ast imports. `from pkg import name` counts `pkg.name` when that is a module, else `pkg`;
    with `expand_packages`, a package counts as all its modules (a notebook's `from mnist_helpers import claims`
    reaches whatever `claims.` names it uses)."""
    found: set[str] = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif node.module and node.level == 0:
            names = [
                f"{node.module}.{a.name}" if _file(f"{node.module}.{a.name}", package_dir) else node.module
                for a in node.names
            ]
        else:
            continue
        for name in names:
            if _file(name, package_dir) is None:
                continue
            is_package = _source(name, package_dir).name == "__init__.py"
            found.update(_package_modules(name, package_dir) if is_package and expand_packages else [name])
    return found


@functools.cache
def _direct(module: str, package_dir: Path) -> frozenset[str]:
    path = _source(module, package_dir)
    found = imported_modules(ast.parse(path.read_text(encoding="utf-8")), package_dir, expand_packages=False)
    parents = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}  # their __init__ runs
    return frozenset((found | parents) - {module})


def closure(roots: Iterable[str], package_dir: Path = PACKAGE_DIR) -> list[str]:
    """`roots` and every module of ours they import, transitively, sorted."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(_direct(module, Path(package_dir)))
    return sorted(seen)


def _digest(chunks: Iterable[tuple[str, bytes]]) -> str:
    h = hashlib.sha256()
    for name, data in chunks:
        h.update(name.encode() + b"\x00" + data + b"\x00")
    return h.hexdigest()[:12]


def modules_hash(modules: Iterable[str], package_dir: Path = PACKAGE_DIR) -> str:
    """A short hash of the named modules' sources."""
    return _digest((m, _source(m, Path(package_dir)).read_bytes()) for m in sorted(modules))


def training_code(package_dir: Path = PACKAGE_DIR) -> str:
    """The hash of the code that trains every model, less the model definitions (`definition_hash` keys those)."""
    modules = [m for m in closure(TRAINING_ROOTS, package_dir) if not m.startswith(MODEL_PACKAGE + ".")]
    return modules_hash(modules, package_dir)


def _top_level(tree: ast.Module) -> dict[str, ast.stmt]:
    """A module's top-level definitions and assignments by the name they bind."""
    out: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            out.update({t.id: node for t in targets if isinstance(t, ast.Name)})
    return out


def definition_hash(module: str, name: str, package_dir: Path = PACKAGE_DIR) -> str:
    """A short hash of one definition in `module` and of everything it uses by name: the module-level names of its
    module (constants, helpers, base classes), and the whole of any module of ours it imports names from."""
    package_dir = Path(package_dir)
    source = _source(module, package_dir).read_text(encoding="utf-8")
    tree = ast.parse(source)
    defs = _top_level(tree)
    if name not in defs:
        raise ValueError(f"{module} defines no {name!r}.")
    imported = {  # names this module imports from our other modules -> those modules
        alias.asname or alias.name: found
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module and _file(node.module, package_dir)
        for alias in node.names
        for found in imported_modules(ast.Module([node], []), package_dir, expand_packages=False)
    }
    chunks, todo, seen, modules = [], [name], set(), set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        node = defs[current]
        chunks.append((current, (ast.get_source_segment(source, node) or "").encode()))
        for used in {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}:
            if used in defs:
                todo.append(used)
            elif used in imported:
                modules.add(imported[used])
    other = closure(sorted(modules), package_dir) if modules else []
    return _digest([*sorted(chunks), ("modules", modules_hash(other, package_dir).encode())])


def notebook_code(notebook: Path, package_dir: Path = PACKAGE_DIR) -> str:
    """The hash of every module of ours a notebook's code cells import (a package counts as all its modules)."""
    import nbformat

    roots: set[str] = set()
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        lines = [line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue  # a cell papermill or a reader would see fail: the run itself says so
        roots |= imported_modules(tree, Path(package_dir), expand_packages=True)
    return modules_hash(closure(sorted(roots), package_dir), package_dir)
