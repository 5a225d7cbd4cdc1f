"""Project paths: the checkout's root, and where artifacts go when no folder is given."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, runtime_checkable

from mnist_helpers.core.env import NOTEBOOKS_ENV

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the checkout holding mnist_helpers/ (editable installs)
DEFAULT_ARTIFACTS_DIR = PROJECT_ROOT / "artifacts"  # what artifacts_dir=None means in a checkout


def default_artifacts_dir(notebooks_dir: str | os.PathLike | None = None) -> Path:
    """What artifacts_dir=None means: artifacts/ of the checkout holding the package (an editable install), else
    artifacts/ beside the notebooks' folder (`notebooks_dir`, else $MNIST_NOTEBOOKS_DIR: the checkout an installed
    package runs), else ./artifacts; never a folder inside site-packages."""
    if (PROJECT_ROOT / "notebooks").is_dir():
        return DEFAULT_ARTIFACTS_DIR
    notebooks = notebooks_dir or os.environ.get(NOTEBOOKS_ENV)
    if notebooks:
        return Path(os.path.abspath(Path(notebooks).expanduser())).parent / "artifacts"
    return Path.cwd() / "artifacts"


def resolve_dir(value: str | os.PathLike | None) -> Path:
    """An absolute folder: None is default_artifacts_dir(); a relative path is taken from the working directory."""
    if value is None:
        return default_artifacts_dir()
    return Path(os.path.abspath(Path(value).expanduser()))


@runtime_checkable
class RunFolder(Protocol):
    """Where one chapter's run writes under its profile folder (reproduce.run_record.Run is the one in use)."""

    root: Path  # the profile's folder: artifacts/<profile>

    def path(self, *parts: str) -> Path:
        """A path under `root`, its folder created."""
        ...
