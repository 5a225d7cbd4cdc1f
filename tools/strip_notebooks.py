"""Store source notebooks clean: `python tools/strip_notebooks.py [NOTEBOOK ...]` (default: notebooks/*.ipynb).

Removes run metadata (papermill, execution, widgets), and clears outputs and execution counts except in cells tagged
`nbval-check-output`, whose stored outputs nbval compares; those keep the count 1 (nbval skips a reference cell with
no count as unrun). tests/test_notebook_hygiene.py checks the result.
"""

import json
import sys
from pathlib import Path

CHECKED = "nbval-check-output"
RUN_METADATA = ("papermill", "execution", "widgets")


def strip(notebook: dict) -> dict:
    """`notebook` without run metadata, counts, or outputs outside the fact cells nbval checks."""
    for key in RUN_METADATA:
        notebook.get("metadata", {}).pop(key, None)
    for cell in notebook["cells"]:
        for key in RUN_METADATA:
            cell.get("metadata", {}).pop(key, None)
        if cell["cell_type"] != "code":
            continue
        checked = CHECKED in cell.get("metadata", {}).get("tags", [])
        cell["execution_count"] = 1 if checked else None
        if not checked:
            cell["outputs"] = []
        for output in cell["outputs"]:
            if "execution_count" in output:
                output["execution_count"] = 1
    return notebook


def main(paths: list[str]) -> None:
    root = Path(__file__).resolve().parents[1]
    for path in [Path(p) for p in paths] or sorted((root / "notebooks").glob("*.ipynb")):
        text = json.dumps(strip(json.loads(path.read_text(encoding="utf-8"))), indent=1, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
