"""Source notebooks are stored clean: outputs only where nbval checks a fact, no run metadata, no definitions."""

import ast
import json
from pathlib import Path

import pytest

from tools.strip_notebooks import strip

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
CHECKED = "nbval-check-output"  # the tag of cells that state facts; nbval compares their stored outputs
RUN_METADATA = ("papermill", "execution", "widgets")  # what a run leaves in metadata


def problems(notebook: dict) -> list[str]:
    """Everything that makes a stored source notebook unclean, one line each."""
    found = [f"notebook metadata holds {k!r}" for k in RUN_METADATA if k in notebook.get("metadata", {})]
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    if not code or "parameters" not in code[0].get("metadata", {}).get("tags", []):
        found.append("the first code cell is not tagged 'parameters'")
    if (notebook.get("nbformat", 0), notebook.get("nbformat_minor", 0)) >= (4, 5):  # cell ids are required there
        ids = [cell.get("id") for cell in notebook["cells"]]
        found += [f"cell {i} has no id" for i, cell_id in enumerate(ids) if not cell_id]
        found += [f"cell id {x!r} is not unique" for x in sorted({x for x in ids if x and ids.count(x) > 1})]
    for i, cell in enumerate(notebook["cells"]):
        meta, tags = cell.get("metadata", {}), cell.get("metadata", {}).get("tags", [])
        found += [f"cell {i} metadata holds {k!r}" for k in RUN_METADATA if k in meta]
        if cell["cell_type"] != "code":
            continue
        checked = CHECKED in tags
        if checked and cell.get("execution_count") != 1:  # nbval skips a reference cell with no count as unrun
            found.append(f"cell {i} is tagged {CHECKED!r} but its execution count is not 1")
        if not checked and cell.get("execution_count") is not None:
            found.append(f"cell {i} has an execution count")
        if cell.get("outputs") and not checked:
            found.append(f"cell {i} stores outputs but is not tagged {CHECKED!r}")
        if any(o.get("execution_count") not in (None, 1) for o in cell.get("outputs", [])):
            found.append(f"cell {i} stores an output with a run's execution count")
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
        if any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in ast.walk(tree)):
            found.append(f"cell {i} defines a function or class (they belong in mnist_helpers)")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_source_notebook_is_stored_clean(path):
    assert problems(json.loads(path.read_text(encoding="utf-8"))) == []


def test_the_hygiene_check_finds_outputs_run_metadata_and_definitions():
    dirty = {
        "metadata": {"papermill": {}},
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 3,
                "source": "def f():\n    pass",
                "outputs": [{}],
            },
        ],
    }
    assert problems(dirty) == [
        "notebook metadata holds 'papermill'",
        "the first code cell is not tagged 'parameters'",
        "cell 0 has an execution count",
        "cell 0 stores outputs but is not tagged 'nbval-check-output'",
        "cell 0 defines a function or class (they belong in mnist_helpers)",
    ]


def test_a_fact_cell_without_an_execution_count_is_reported():
    cell = {"cell_type": "code", "metadata": {"tags": [CHECKED]}, "execution_count": None, "source": "1", "outputs": []}
    notebook = {"metadata": {}, "cells": [{**cell, "metadata": {"tags": ["parameters"]}}, cell]}
    assert problems(notebook) == [f"cell 1 is tagged {CHECKED!r} but its execution count is not 1"]


def test_a_cell_without_an_id_or_with_another_cells_id_is_reported_from_nbformat_4_5():
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "x", **extra} for extra in ({}, {"id": "a"}, {"id": "a"})
    ]
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
    code = {"cell_type": "code", "id": "p", "metadata": {"tags": ["parameters"]}, "source": "", "outputs": []}
    notebook["cells"].insert(0, {**code, "execution_count": None})
    assert problems(notebook) == ["cell 1 has no id", "cell id 'a' is not unique"]
    assert problems({**notebook, "nbformat_minor": 4}) == []


def test_strip_leaves_a_notebook_the_hygiene_check_accepts():
    run = {"execution_count": 7, "metadata": {"execution": {}}, "outputs": [{"execution_count": 7, "data": {}}]}
    notebook = {
        "metadata": {"papermill": {}, "widgets": {}},
        "cells": [
            {"cell_type": "code", "source": "x = 1", **run, "metadata": {"tags": ["parameters"], "papermill": {}}},
            {"cell_type": "code", "source": "x", **run, "metadata": {"tags": [CHECKED]}},
        ],
    }
    clean = strip(notebook)
    assert problems(clean) == []
    assert clean["cells"][0]["outputs"] == [] and clean["cells"][1]["outputs"] == [{"execution_count": 1, "data": {}}]
