"""The cores chapters share when the runner runs them side by side: one lock file per core, held by each sweep run
while it trains, so that a chapter left running alone takes the cores another chapter's sweep has let go.

Without it each kernel keeps the share of the cores it started with (one of two), and a chapter whose neighbour
finished trains its queued seeds one at a time while the other core idles.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import filelock  # flock-based: the OS releases a slot when its holder dies, so a killed run blocks no other

SLOTS_ENV = "MNIST_CORE_SLOTS"  # the folder of the shared cores' lock files; the runner sets it for its kernels
SLOT_GLOB = "core-*.lock"
POLL_S = 0.25  # seconds between looks for a free core: negligible next to a training run's minutes


def _slot_files() -> list[Path] | None:
    """The shared cores' lock files, or None when no runner shares them; ValueError when $MNIST_CORE_SLOTS names
    a folder without any."""
    folder = os.environ.get(SLOTS_ENV, "").strip()
    if not folder:
        return None
    files = sorted(Path(folder).glob(SLOT_GLOB))
    if not files:
        raise ValueError(
            f"${SLOTS_ENV}={folder}: no {SLOT_GLOB} files there (the runner that made it has finished?); "
            f"unset {SLOTS_ENV} to use this kernel's own share of the cores."
        )
    return files


def shared_cores() -> int | None:
    """How many cores the runner shares among its chapters' sweeps; None when this process runs under no such
    runner (a sweep then divides its own share of the cores)."""
    files = _slot_files()
    return None if files is None else len(files)


@contextlib.contextmanager
def core_slot(poll_s: float = POLL_S) -> Iterator[int | None]:
    """Hold one shared core for the block, waiting until one is free; yields its number, or None (and waits for
    nothing) when no runner shares the cores."""
    files = _slot_files()
    if files is None:
        yield None
        return
    while True:
        for number, path in enumerate(files):
            lock = filelock.FileLock(path)
            try:
                lock.acquire(timeout=0)
            except filelock.Timeout:
                continue
            try:
                yield number
            finally:
                lock.release()
            return
        time.sleep(poll_s)


@contextlib.contextmanager
def shared_slots(cores: int) -> Iterator[dict[str, str]]:
    """A fresh folder of `cores` lock files for chapters run side by side; yields the environment that points their
    kernels (and the kernels' sweep workers) at it; the folder is removed afterwards."""
    if isinstance(cores, bool) or not isinstance(cores, int) or cores < 1:
        raise ValueError(f"cores={cores!r}: pass the positive number of cores the chapters share.")
    folder = Path(tempfile.mkdtemp(prefix="mnist-cores-"))
    try:
        for number in range(cores):
            (folder / f"core-{number}.lock").touch()
        yield {SLOTS_ENV: str(folder)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
