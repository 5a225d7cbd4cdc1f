"""The chapter notebooks: where they are, in which order they run, and which ones a run selects."""

from __future__ import annotations

import os
from pathlib import Path

from mnist_helpers.core.env import NOTEBOOKS_ENV
from mnist_helpers.core.paths import PROJECT_ROOT
from mnist_helpers.reproduce.params import ParameterError


def default_notebooks_dir() -> Path:
    """$MNIST_NOTEBOOKS_DIR when set (relative to the working directory), else notebooks/ beside the package."""
    return Path(os.environ.get(NOTEBOOKS_ENV) or PROJECT_ROOT / "notebooks").resolve()


def notebooks(folder: Path | None = None) -> list[Path]:
    """The chapter notebooks in order, then the reproducibility page (which reads the chapters' results)."""
    folder = Path(folder) if folder is not None else default_notebooks_dir()
    chapters = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))
    if not chapters:
        raise ParameterError(
            f"no chapter notebooks (NN_*.ipynb) in {folder.resolve()}"
            + ("" if folder.is_dir() else ", which does not exist")
            + f". An installed (non-editable) package has no notebooks beside it: pass --notebooks DIR "
            f"or set {NOTEBOOKS_ENV}=DIR, with DIR the notebooks/ folder of a checkout of the repository."
        )
    return chapters + sorted(p for p in folder.glob("*.ipynb") if p not in chapters)


def select(found: list[Path], only: list[str] | None) -> list[Path]:
    """The notebooks named with one of the `only` prefixes (all when None); an empty or unmatched prefix raises."""
    if only is None:
        return found
    if not only or any(not o.strip() for o in only):
        raise ParameterError(
            f"--only {' '.join(repr(o) for o in only)}: give notebook name prefixes, e.g. --only 03 04 "
            "(an empty one would match every chapter); leave --only out to run them all."
        )
    unmatched = [o for o in only if not any(nb.stem.startswith(o) for nb in found)]
    if unmatched:
        raise ParameterError(
            f"--only {' '.join(unmatched)}: no notebook in {found[0].parent} starts with "
            f"{', '.join(repr(o) for o in unmatched)}; the notebooks are {', '.join(nb.stem for nb in found)}."
        )
    return [nb for nb in found if any(nb.stem.startswith(o) for o in only)]
