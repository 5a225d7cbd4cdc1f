"""Executing one chapter notebook with papermill: written atomically, its output streamed, failures in one line."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mnist_helpers.core.atomic import atomic_path
from mnist_helpers.core.code_hash import notebook_code

META_KEY = "mnist_reproduced"  # notebook metadata key holding how an executed notebook was made
_running: dict[Any, str] = {}  # kernel manager -> chapter, of the kernels running now in this process (any thread)
_stopping = threading.Event()  # set by an interrupted run: a kernel that starts now is stopped at once


def fingerprint(notebook: Path, params: dict[str, Any]) -> dict[str, Any]:
    """What an executed notebook depends on: parameters, the cells' sources (not their stored outputs), and the
    code its cells import (`core.code_hash.notebook_code`: a change elsewhere in the package leaves it current)."""
    import nbformat

    cells = nbformat.read(notebook, as_version=4).cells
    sources = "\x00".join(f"{c.cell_type}:{c.source}" for c in cells)
    return {
        "params": params,
        "source_sha": hashlib.sha256(sources.encode()).hexdigest()[:16],
        "code_version": notebook_code(notebook),
    }


def executed_meta(output: Path) -> dict[str, Any]:
    """How an executed notebook was made (its META_KEY metadata): {} when it is absent, unreadable or has none.

    The one reader of that record: `is_current`, and the scheduler's `made_at` and `previous_seconds`.
    """
    try:
        made = json.loads(Path(output).read_text(encoding="utf-8"))["metadata"][META_KEY]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return made if isinstance(made, dict) else {}


def is_current(output: Path, fingerprint: dict[str, Any]) -> bool:
    """True when `output` was made, completely, from the same notebook, parameters and code."""
    made = executed_meta(output)
    same = all(made.get(k) == v for k, v in fingerprint.items())
    same_tree = bool(made.get("allow_dirty")) == bool(fingerprint.get("allow_dirty"))  # clean runs replace dirty ones
    return made.get("status") == "ok" and same and same_tree


class _Prefixed:
    """A writable stream that prefixes each complete line with a chapter's name (papermill's stdout_file)."""

    def __init__(self, prefix: str, stream: Any):
        self.prefix, self.stream, self.partial = prefix, stream, ""

    def write(self, text: str) -> None:
        *lines, self.partial = (self.partial + text.replace("\r", "\n")).split("\n")
        for line in lines:
            if line.strip():
                self.stream.write(f"  {self.prefix} | {line}\n")

    def flush(self) -> None:
        self.stream.flush()


class _ToClient:
    """A stream that forwards what is written to the Dask client's console (distributed.print)."""

    def __init__(self, err: bool):
        self.err = err

    def write(self, text: str) -> None:
        from distributed import print as forward

        forward(text, end="", file=sys.stderr if self.err else sys.stdout)

    def flush(self) -> None:
        pass


def _console(stream: Any) -> Any:
    """Where a chapter's lines go: `stream` here; on a Dask worker, the client's console."""
    if "distributed" not in sys.modules:
        return stream
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:  # not inside a worker's task
        return stream
    return _ToClient(err=stream is sys.stderr)


class Interrupted(RuntimeError):
    """A chapter stopped by Ctrl-C, SIGTERM or its kernel dying (out of memory); re-running resumes it."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the runner's main thread and handled as Ctrl-C is (temporaries removed, chapters kept)."""


def _dead_kernel_errors() -> tuple[type[BaseException], ...]:
    from nbclient.exceptions import DeadKernelError

    return (DeadKernelError,)


def _interruption(notebook: Path, partial: Path, error: BaseException, kernel_log: Path) -> str:
    """One line: the chapter, the cell running when it stopped (from papermill's partial output), what to do."""
    import nbformat

    cell = ""
    with contextlib.suppress(Exception):  # the partial notebook may be empty or half-written: then no cell is named
        cells = [
            c
            for c in nbformat.read(partial, as_version=4).cells
            if "injected-parameters" not in c.get("metadata", {}).get("tags", [])
        ]
        started = [i for i, c in enumerate(cells) if c.get("metadata", {}).get("papermill", {}).get("start_time")]
        if started:  # papermill stamps each cell's start: the last one stamped was running
            first_line = cells[started[-1]].source.strip().splitlines()[0][:60]
            cell = f" in cell {started[-1] + 1} of {len(cells)} ({first_line})"
    resume = "finished chapters are kept, re-run to resume."
    return f"{notebook.stem} {_what(error)}{cell}; kernel log in {kernel_log}; {resume}"


def _what(error: BaseException) -> str:
    """What stopped a chapter, in words: SIGTERM, Ctrl-C, or its kernel dying."""
    if isinstance(error, Terminated):
        return "terminated (SIGTERM)"
    if isinstance(error, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    return "stopped: its kernel died (out of memory?)"


@contextlib.contextmanager
def kernels_stop_on_interrupt() -> Iterator[None]:
    """Ctrl-C or SIGTERM in the block (a KeyboardInterrupt in the main thread) kills the kernels of the chapters
    running in other threads, and any starting, so that their threads end at once (their temporaries removed)
    instead of running the chapters to the end; then raises Interrupted naming those chapters."""
    _stopping.clear()
    try:
        yield
    except KeyboardInterrupt as e:
        _stopping.set()
        running = list(_running.items())  # one snapshot: other threads add and remove theirs
        stopped = sorted({chapter for _, chapter in running})
        for manager, _ in running:
            _kill(manager)
        if not stopped:
            raise
        raise Interrupted(f"{', '.join(stopped)} {_what(e)}; finished chapters are kept, re-run to resume.") from None


def _kill(manager: Any) -> None:
    """Kill a kernel manager's kernel process, if it still runs (nbclient then raises DeadKernelError)."""
    process = getattr(getattr(manager, "provisioner", None), "process", None)
    if process is not None and process.poll() is None:
        with contextlib.suppress(OSError):
            process.kill()


def _keep_failed(partial: Path, failed: Path) -> str:
    """Move a failed chapter's executed notebook to `failed` (copied where that is on another device); say where it
    is. A move that fails is said too, never raised: the chapter's own error is the one to show."""
    try:
        failed.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(partial, failed)
    except OSError as e:
        return f"The executed notebook up to the error could not be kept in {failed} ({e.strerror or e})."
    return f"The executed notebook up to the error is in {failed}."


@contextlib.contextmanager
def _kernel_manager(log: Path, env: dict[str, str] | None = None, chapter: str = ""):
    """A kernel manager class whose kernels write their own stderr to `log`, not the terminal, and get `env` on
    top of this process's environment (a Dask worker's kernel gets the runner's variables this way). Its kernels are
    listed, under `chapter`, for kernels_stop_on_interrupt while the block runs.

    A kernel torn down mid-cell (Ctrl-C) prints a long ZMQ traceback there; its cells' outputs are unaffected.
    """
    from jupyter_client.manager import AsyncKernelManager

    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as stream:

        class LoggedKernelManager(AsyncKernelManager):
            async def start_kernel(self, **kw: Any) -> None:
                kw.setdefault("stderr", stream)
                if env:
                    kw["env"] = {**os.environ, **kw.get("env", {}), **env}
                await super().start_kernel(**kw)
                started.append(self)
                _running[self] = chapter
                if _stopping.is_set():  # the run was interrupted while this kernel started
                    _kill(self)

        started: list[Any] = []
        try:
            yield LoggedKernelManager
        finally:
            for manager in started:
                _running.pop(manager, None)


# `name: annotation = value  # comment`, one parameter per line of a `parameters` cell
ASSIGNMENT = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)(?P<annotation>\s*:\s*[^=]+?)?\s*=\s*(?P<value>.*?)(?P<comment>\s+#.*)?$"
)
RAN_WITH = "# The values this chapter ran with: the profile's in place of the notebook's quick defaults."


def values_run_with(source: str, params: dict[str, Any]) -> str:
    """The `parameters` cell's source with each parameter in `params` set to its value there, annotations and
    comments kept (the value is written as papermill writes injected parameters)."""
    from papermill.translators import PythonTranslator

    lines = []
    for line in source.splitlines():
        m = ASSIGNMENT.match(line)
        if m and m["name"] in params:
            value = PythonTranslator.translate(params[m["name"]])
            line = f"{m['name']}{m['annotation'] or ''} = {value}{m['comment'] or ''}"
        lines.append(line)
    return "\n".join(lines)


def show_values_run_with(nb: Any, params: dict[str, Any]) -> None:
    """In an executed notebook, make the `parameters` cell show the values the chapter ran with and remove
    papermill's injected cell (which lists only the changed values, without their comments): the book's one
    parameter cell is then the run's, folded like the defaults were."""
    tags = lambda cell: cell.metadata.setdefault("tags", [])
    injected = [c for c in nb.cells if "injected-parameters" in tags(c)]
    defaults = [c for c in nb.cells if "parameters" in tags(c)]
    for cell in injected:
        tags(cell).append("remove-cell")
    if injected and defaults:
        defaults[0].source = RAN_WITH + "\n" + values_run_with(defaults[0].source, params)
    elif injected:  # a notebook without a tagged defaults cell: papermill's cell is the only record, keep it
        tags(injected[0]).remove("remove-cell")
        tags(injected[0]).append("hide-input")


def execute(
    notebook: Path,
    output: Path,
    params: dict[str, Any],
    fingerprint: dict[str, Any],
    log_dir: Path,
    env: dict[str, str] | None = None,  # variables for the kernel on top of this process's (from a remote runner)
) -> float:
    """Execute one notebook with papermill; write it to `output` atomically only when it ran to the end.

    The cells' printed lines (one per epoch: the runner sets MNIST_PROGRESS=lines) reach the terminal as they come:
    the runner's own, or, on a Dask worker, the client's (through distributed.print).
    """
    import nbformat
    import papermill

    started = time.perf_counter()
    failed = log_dir / output.name
    kernel_log = log_dir.parent / "kernels" / f"{notebook.stem}.log"
    with atomic_path(output, suffix=".ipynb") as tmp, _kernel_manager(kernel_log, env, notebook.stem) as manager:
        try:
            papermill.execute_notebook(
                str(notebook),
                str(tmp),
                parameters=params,
                cwd=str(notebook.parent),
                kernel_name="python3",
                progress_bar=False,  # the streamed epoch lines below are the progress
                log_output=False,  # papermill's logger would also echo every cell's repr
                stdout_file=_Prefixed(notebook.stem, _console(sys.stdout)),
                stderr_file=_Prefixed(notebook.stem, _console(sys.stderr)),
                kernel_manager_class=manager,
            )
        except (KeyboardInterrupt, *_dead_kernel_errors()) as e:
            raise Interrupted(_interruption(notebook, tmp, e, kernel_log)) from None
        except papermill.PapermillExecutionError as e:
            raise RuntimeError(
                f"{notebook.name} failed in cell {e.exec_count} ({e.ename}: {e.evalue}).\n"
                f"The cell:\n    " + "\n    ".join(e.source.splitlines()) + "\n" + _keep_failed(tmp, failed)
            ) from None
        seconds = time.perf_counter() - started
        nb = nbformat.read(tmp, as_version=4)
        show_values_run_with(nb, params)
        made = {"status": "ok", "seconds": round(seconds, 1), "finished": round(time.time(), 3)}  # epoch seconds
        nb.metadata[META_KEY] = {**fingerprint, **made}
        nbformat.write(nb, tmp)
    return seconds
