"""Atomic file writes: a reader sees the old file or the whole new one, never half of it."""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TMP_MARK = ".mnist-tmp"  # every temporary is `.<name>.<pid>.<random>.mnist-tmp<suffix>`: .gitignore matches it
# What clean_stale may delete: exactly the names atomic_path makes (a user's `.thesis.tmp.docx` never matches).
OUR_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[a-z0-9_]{8}" + re.escape(TMP_MARK) + r"(\..+)?$")
STALE_AFTER = 60.0  # seconds: a temporary older than this, whose writer is gone, is debris


class WriteError(OSError):
    """A write that failed; the message names the path, the cause and the fix."""

    def __str__(self) -> str:
        return str(self.strerror)  # without OSError's "[Errno N]" prefix: the message says it in words


def _umask() -> int:
    """The process umask (os.umask can only be read by setting it; set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_failure(path: Path, error: BaseException) -> WriteError:
    """A WriteError naming `path`, why writing it failed (from `error`) and what to do about it."""
    code = getattr(error, "errno", None)
    cause = getattr(error, "strerror", None) or str(error).splitlines()[0]
    folder = path.parent
    existing = next((p for p in [folder, *folder.parents] if p.exists()), folder)
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) or "inline_container" in str(error):
        try:
            free = f"{shutil.disk_usage(existing).free / 1e6:.0f} MB free"
        except OSError:
            free = "free space unknown"
        cause = f"{cause} (disk full? {free} on the device holding {existing})"
        fix = "free disk space on that device, or write elsewhere (another artifacts_dir / --out), then re-run"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = f"make {existing} writable (chmod u+w), or write elsewhere (another artifacts_dir / --out)"
    elif code in (errno.ENOTDIR, errno.EEXIST) or (existing.exists() and not existing.is_dir()):
        fix = f"{existing} is a file, not a folder: move it away, or choose another folder"
    else:
        fix = "check the folder exists and is writable, then re-run"
    return WriteError(code or errno.EIO, f"cannot write {path}: {cause}. Fix: {fix}.")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a unique temporary path beside `path` (ending in TMP_MARK + `suffix`); on success move it over `path`.

    The file gets the mode an ordinary write would (0666 less the umask, not mkstemp's 0600). Any failure
    deletes the temporary; an OSError (or torch's "inline_container" write error) becomes a WriteError that
    names the path, the cause and the fix.
    """
    target = Path(path)
    tmp_path: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        prefix = f".{target.name}.{os.getpid()}."  # the writer's pid: clean_stale leaves a live writer's file alone
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=TMP_MARK + suffix)
        os.fchmod(fd, 0o666 & ~_umask())
        os.close(fd)
        tmp_path = Path(tmp)
        yield tmp_path
        with open(tmp_path, "rb+") as f:  # flush file contents before the rename makes them visible
            os.fsync(f.fileno())
        os.replace(tmp_path, target)
    except BaseException as e:
        if tmp_path is not None:
            tmp_path.unlink(missing_ok=True)
        if isinstance(e, WriteError):
            raise
        if isinstance(e, OSError) or (isinstance(e, RuntimeError) and "inline_container" in str(e)):
            raise write_failure(target, e) from None
        raise


def clean_stale(folder: str | os.PathLike, older_than: float = STALE_AFTER, recursive: bool = False) -> list[Path]:
    """Delete temporaries that atomic_path made in `folder` and whose writer is gone (older than `older_than` s);
    return them. Only names of atomic_path's exact form are touched: nothing else of the user's is ever removed."""
    root = Path(folder)
    if not root.is_dir():
        return []
    pattern = f".*{TMP_MARK}*"
    found = root.rglob(pattern) if recursive else root.glob(pattern)
    now, removed = time.time(), []
    for p in found:
        ours = OUR_TEMPORARY.match(p.name)
        try:
            debris = ours and not p.is_symlink() and p.is_file() and not _alive(int(ours["pid"]))
            if debris and now - p.stat().st_mtime >= older_than:
                p.unlink()
                removed.append(p)
        except OSError:  # gone already, or not ours to delete: leave it
            continue
    return removed


def _alive(pid: int) -> bool:
    """True when a process with this pid runs on this machine (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    except OverflowError:  # not a pid this system can have
        return False
    return True


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write `obj` as indented JSON to `path` atomically; NaN and infinity are refused (JSON has neither)."""
    try:
        text = json.dumps(obj, indent=2, sort_keys=True, default=_jsonable, allow_nan=False)
    except ValueError:
        raise ValueError(
            f"{path}: not written: {_nonfinite(obj) or 'a value'} is NaN or infinite, which JSON cannot hold. "
            "Record None for 'no value', or fix the computation that produced it (a diverged run?)."
        ) from None
    write_text(path, text + "\n")


def _nonfinite(obj: Any, where: str = "") -> str | None:
    """Where in `obj` the first NaN or infinite float sits, e.g. "['rows'][3]['loss']" (None if nowhere)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return where or "the value"
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, (list, tuple)) else ()
    for key, value in items:
        found = _nonfinite(_jsonable(value) if hasattr(value, "tolist") else value, f"{where}[{key!r}]")
        if found:
            return found
    return None


def read_json(path: str | os.PathLike) -> Any:
    """Read JSON from `path`; a file that does not parse raises ValueError naming it and the fix."""
    p = Path(path)
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(
            f"{p}: not valid JSON ({e}). Delete the file and re-run the step (or chapter) that writes it."
        ) from None


def _jsonable(obj: Any) -> Any:
    """Turn numpy scalars/arrays and paths into plain JSON values."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")
