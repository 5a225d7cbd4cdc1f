"""Project paths: the checkout's root, and where artifacts go when no folder is given."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, runtime_checkable

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the checkout holding mnist_helpers/ (editable installs)
DEFAULT_ARTIFACTS_DIR = PROJECT_ROOT / "artifacts"  # what artifacts_dir=None means


def resolve_dir(value: str | os.PathLike | None) -> Path:
    """An absolute folder: None is the project's artifacts/; a relative path is taken from the working directory."""
    if value is None:
        return DEFAULT_ARTIFACTS_DIR
    return Path(os.path.abspath(Path(value).expanduser()))


@runtime_checkable
class RunFolder(Protocol):
    """Where one chapter's run writes under its profile folder (reproduce.run_record.Run is the one in use)."""

    root: Path  # the profile's folder: artifacts/<profile>

    def path(self, *parts: str) -> Path:
        """A path under `root`, its folder created."""
        ...
