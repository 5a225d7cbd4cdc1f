"""One writer per profile artifacts folder: a file lock that says who holds it, passed on to the runner's kernels."""

from __future__ import annotations

import contextlib
import datetime
import functools
import inspect
import json
import os
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import filelock  # flock-based: the OS releases it when its holder dies, so a killed run leaves no stale lock

from mnist_helpers.core.atomic import clean_stale, write_failure, write_text
from mnist_helpers.core.env import LOCKS_HELD_ENV

LOCK_NAME = ".lock"  # the lock file inside the locked folder
OWNER_NAME = ".lock.owner.json"  # who holds it: pid, host, command, since
HELD_ENV = LOCKS_HELD_ENV  # the name locks used; core.env holds it

_held: dict[Path, tuple[filelock.BaseFileLock, int]] = {}  # folder -> (lock, depth): re-entrant in one process


class LockHeld(RuntimeError):
    """Another process is writing this folder; the message says which one and what to do."""


def _key(folder: str | os.PathLike) -> Path:
    return Path(folder).expanduser().resolve()


def held_by_parent(folder: Path) -> bool:
    """True when an ancestor process (the runner) holds `folder`'s lock and said so through HELD_ENV."""
    try:
        held = json.loads(os.environ.get(HELD_ENV) or "{}")
    except ValueError:
        return False
    pid = held.get(str(folder)) if isinstance(held, dict) else None
    return pid is not None and _owner(folder).get("pid") == pid  # the holder it names really holds it


def _owner(folder: Path) -> dict[str, Any]:
    try:
        owner = json.loads((folder / OWNER_NAME).read_text())
    except (OSError, ValueError):
        return {}
    return owner if isinstance(owner, dict) else {}


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike) -> Iterator[Path]:
    """Hold `folder`'s lock for the block, or raise LockHeld naming the holder. Re-entrant within a process."""
    key = _key(folder)
    if key in _held:
        lock, depth = _held[key]
        _held[key] = (lock, depth + 1)
    elif held_by_parent(key):
        yield key
        return
    else:
        lock = filelock.FileLock(key / LOCK_NAME, timeout=0)
        try:
            key.mkdir(parents=True, exist_ok=True)
            _refuse_links(key)
            lock.acquire()
        except filelock.Timeout:
            raise LockHeld(_refusal(key)) from None
        except OSError as e:
            raise write_failure(key / LOCK_NAME, e) from None
        owner = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": " ".join(sys.argv) or sys.executable,
            "since": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        }
        write_text(key / OWNER_NAME, json.dumps(owner) + "\n")  # replaces a link placed there, never writes through it
        _held[key] = (lock, 1)
    try:
        yield key
    finally:
        lock, depth = _held[key]
        if depth > 1:
            _held[key] = (lock, depth - 1)
        else:
            del _held[key]
            for name in (OWNER_NAME, LOCK_NAME):  # leave the folder as it was; unlinked while still held
                with contextlib.suppress(OSError):
                    (key / name).unlink()
            lock.release()


def _refuse_links(folder: Path) -> None:
    """Refuse a lock or owner file that is a symbolic link: locking would open (and truncate) its target."""
    for name in (LOCK_NAME, OWNER_NAME):
        if (folder / name).is_symlink():
            raise LockHeld(
                f"{folder / name} is a symbolic link (to {os.readlink(folder / name)}); the lock never writes through "
                "one. Remove the link (it is not this project's), then re-run."
            )


def _refusal(folder: Path) -> str:
    owner = _owner(folder)
    who = (
        f"process {owner.get('pid')} on {owner.get('host')} ({owner.get('command')}), since {owner.get('since')}"
        if owner
        else "another process"
    )
    return (
        f"{folder} is in use by {who}. Wait for it to finish (or stop it), then re-run; "
        "two runs writing one profile's artifacts would overwrite each other."
    )


def env_for_children(folders: list[Path]) -> dict[str, str]:
    """The lock hand-over for child processes (notebook kernels, sweep workers): HELD_ENV naming the holder of each
    of `folders`; folders an ancestor holds keep its pid, the others name this process."""
    try:
        held = json.loads(os.environ.get(HELD_ENV) or "{}")
    except ValueError:
        held = {}
    held = held if isinstance(held, dict) else {}
    for folder in folders:
        if not held_by_parent(_key(folder)):
            held[str(_key(folder))] = os.getpid()
    return {HELD_ENV: json.dumps(held)}


def locks_run_folder(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a train-or-reuse recipe: hold the lock of its `run` argument's profile folder while it runs."""
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        run = signature.bind_partial(*args, **kwargs).arguments["run"]
        with folder_lock(run.root):
            for sub in ("models", "checkpoints"):
                clean_stale(run.root / sub)
            return func(*args, **kwargs)

    return wrapper
