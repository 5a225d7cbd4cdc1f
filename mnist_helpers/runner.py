"""Run every chapter notebook through papermill with a named profile, into book/, resuming where it stopped."""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import hashlib
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from mnist_helpers import locks
from mnist_helpers.atomic import atomic_path, clean_stale
from mnist_helpers.params import DEFAULT_ARTIFACTS_DIR, PROFILES, ParameterError, validate
from mnist_helpers.provenance import code_version, uncommitted_changes
from mnist_helpers.sweep import SCHEDULER_ENV, scheduler_address
from mnist_helpers.threads import available_cores, omp_limit

if TYPE_CHECKING:
    import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
META_KEY = "mnist_reproduced"  # notebook metadata key holding how an executed notebook was made
NOTEBOOKS_ENV = "MNIST_NOTEBOOKS_DIR"  # where the chapter notebooks are when the package is not an editable install
DIRTY_ENV = "MNIST_ALLOW_DIRTY"  # set for the kernels of a run published from a dirty tree; Run.save records it
DEPENDS_ON = {"07": ("04",)}  # chapter 7 reuses chapter 4's saved CNN


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a key given twice in one mapping (PyYAML silently keeps the last)."""


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:  # an unhashable key: construct_mapping reports it
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"found the key {key!r} twice", key_node.start_mark
            )
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def declared_parameters(notebook: Path) -> dict[str, Any]:
    """The names and default values in a notebook's `parameters` cell (`name = literal` lines).

    ast, not papermill.inspect_notebook: papermill gives defaults as source text and costs seconds to import
    in every kernel that checks its profile (provenance.Run).
    """
    for cell in json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            out = {}
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            for stmt in ast.parse(source).body:
                target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
                target = stmt.target if isinstance(stmt, ast.AnnAssign) else target
                if isinstance(target, ast.Name) and stmt.value is not None:
                    out[target.id] = ast.literal_eval(stmt.value)
            return out
    return {}


def _mapping(value: Any, where: str) -> dict[str, Any]:
    """`value` as a dict (None: empty); anything else is a ParameterError naming `where`."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ParameterError(
            f"{where} must be a mapping (name: value, one per line), got {type(value).__name__} {value!r}."
        )
    return value


def _unknown(kind: str, names: list[str], known: list[str], where: str) -> ParameterError:
    """An error for unknown names, with the closest known name for each and the full list."""
    guesses = [
        f"{n!r}" + (f" (did you mean {m[0]!r}?)" if (m := difflib.get_close_matches(n, known, 1)) else "")
        for n in names
    ]
    return ParameterError(f"{where}: unknown {kind} {', '.join(guesses)}; known {kind}s: {', '.join(known)}.")


def load_profile(profile: str | os.PathLike, notebooks_dir: Path | None = None) -> dict[str, Any]:
    """A profile by name (quick, full, seed) or by path to a YAML file: {'all': {...}, 'chapters': {...}}.

    The whole profile is checked before anything runs: its layout, no key given twice, every chapter name
    against the notebooks in `notebooks_dir`, every parameter against what its chapter's notebook declares
    (for 'all': some notebook), and every chapter's values against their rules (params.validate).
    """
    path = Path(profile)
    if not path.suffix:
        if str(profile) not in PROFILES:
            raise ParameterError(
                f"parameter 'profile' = {str(profile)!r} is not allowed: "
                f"one of {', '.join(PROFILES)}, or a path to a .yaml file."
            )
        path = PROFILE_DIR / f"{profile}.yaml"
    if not path.is_file():
        raise ParameterError(
            f"profile file {path} does not exist; pass one of {', '.join(PROFILES)} or an existing .yaml file."
        )
    try:
        raw = yaml.load(path.read_text(), Loader=_UniqueKeyLoader) or {}
    except yaml.YAMLError as e:
        raise ParameterError(f"profile file {path} is not valid YAML: {e}") from None
    if not isinstance(raw, dict) or set(raw) - {"all", "chapters"}:
        raise ParameterError(
            f"profile file {path}: expected top-level keys 'all' and 'chapters' only, "
            f"got {sorted(map(str, raw)) if isinstance(raw, dict) else type(raw).__name__}."
        )
    where = f"profile file {path}"
    spec = {"all": dict(_mapping(raw.get("all"), f"{where}: 'all'")), "chapters": {}}
    for chapter, own in _mapping(raw.get("chapters"), f"{where}: 'chapters'").items():
        spec["chapters"][chapter] = dict(_mapping(own, f"{where}: chapter {chapter!r}"))
    books = {nb.stem: nb for nb in notebooks(notebooks_dir)}
    unknown = sorted(set(spec["chapters"]) - set(books))
    if unknown:
        raise _unknown("chapter", unknown, list(books), where)
    declared = {stem: declared_parameters(nb) for stem, nb in books.items()}
    anywhere = sorted(set().union(*declared.values()))
    unknown = sorted(set(spec["all"]) - set(anywhere))
    if unknown:
        raise _unknown("parameter", unknown, anywhere, f"{where}: 'all'")
    for stem, nb in books.items():
        try:
            chapter_parameters(spec, nb, declared[stem])
        except ParameterError as e:
            raise ParameterError(f"{where}, chapter {stem}: {e}") from None
    return spec


def chapter_parameters(spec: dict[str, Any], notebook: Path, declared: dict[str, Any] | None = None) -> dict[str, Any]:
    """The validated parameters a profile gives one notebook (its 'all' values it declares, plus its own)."""
    declared = declared_parameters(notebook) if declared is None else declared
    own = dict(spec["chapters"].get(notebook.stem) or {})
    unknown = sorted(set(own) - set(declared))
    if unknown:
        raise _unknown("parameter", unknown, sorted(declared), f"{notebook.stem} (it does not have them)")
    params = {k: v for k, v in spec["all"].items() if k in declared}
    params.update(own)
    return validate(**params)


def default_notebooks_dir() -> Path:
    """$MNIST_NOTEBOOKS_DIR when set (relative to the working directory), else notebooks/ beside the package."""
    return Path(os.environ.get(NOTEBOOKS_ENV) or ROOT / "notebooks").resolve()


def profile_values(profile: str, chapter: str, notebooks_dir: Path | None = None) -> dict[str, Any]:
    """The canonical values named profile `profile` runs `chapter` with: the notebook's defaults under the profile's.

    Raises ParameterError when the profile has no such chapter (provenance.Run then refuses to write under it).
    """
    notebooks_dir = Path(notebooks_dir) if notebooks_dir is not None else default_notebooks_dir()
    spec = load_profile(profile, notebooks_dir)
    notebook = notebooks_dir / f"{chapter}.ipynb"
    if not notebook.is_file():
        raise ParameterError(
            f"chapter {chapter!r} is not part of profile {profile!r} (no {notebook}); set 'profile' to a name of "
            f"your own (e.g. profile='mine') to write its results under <artifacts_dir>/mine/."
        )
    defaults = declared_parameters(notebook)
    defaults.pop("artifacts_dir", None)
    return {**validate(**defaults), **chapter_parameters(spec, notebook)}


def absolute_env_paths() -> None:
    """Make a relative $MNIST_DATA_DIR absolute, once, from where the runner started: kernels run in notebooks/."""
    if os.environ.get("MNIST_DATA_DIR"):
        os.environ["MNIST_DATA_DIR"] = os.path.abspath(os.path.expanduser(os.environ["MNIST_DATA_DIR"]))


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
    """The notebooks named with one of the `only` prefixes (all when none); a prefix matching none raises."""
    if not only:
        return found
    unmatched = [o for o in only if not any(nb.stem.startswith(o) for nb in found)]
    if unmatched:
        raise ParameterError(
            f"--only {' '.join(unmatched)}: no notebook in {found[0].parent} starts with "
            f"{', '.join(repr(o) for o in unmatched)}; the notebooks are {', '.join(nb.stem for nb in found)}."
        )
    return [nb for nb in found if any(nb.stem.startswith(o) for o in only)]


def refuse_dirty_publish(notebooks_dir: Path, out_dir: Path, allow_dirty: bool) -> bool:
    """Raise when `out_dir` is the published book/ and the notebooks' git tree has uncommitted changes.

    Returns True when the tree is dirty and `allow_dirty` overrides the refusal (the run records it).
    """
    if Path(out_dir).resolve() != (Path(notebooks_dir).resolve().parent / "book"):
        return False
    changed = uncommitted_changes(notebooks_dir)
    if not changed:
        return False
    if allow_dirty:
        print(f"warning: publishing from a dirty tree ({len(changed)} changed file(s)); recorded", flush=True)
        return True
    listed = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
    raise RuntimeError(
        f"refusing to publish into {Path(out_dir).resolve()}: the git tree has uncommitted changes ({listed}). "
        "A published chapter must come from a commit: commit or stash them, write elsewhere with --out DIR, "
        "or pass --allow-dirty (recorded in each notebook's metadata and shown on the reproducibility page)."
    )


def _fingerprint(notebook: Path, params: dict[str, Any]) -> dict[str, Any]:
    """What an executed notebook depends on: parameters, the cells' sources (not their stored outputs), the code."""
    import nbformat

    cells = nbformat.read(notebook, as_version=4).cells
    sources = "\x00".join(f"{c.cell_type}:{c.source}" for c in cells)
    return {
        "params": params,
        "source_sha": hashlib.sha256(sources.encode()).hexdigest()[:16],
        "code_version": code_version(),
    }


def is_current(output: Path, fingerprint: dict[str, Any]) -> bool:
    """True when `output` was made, completely, from the same notebook, parameters and code."""
    import nbformat

    if not output.is_file():
        return False
    try:
        made = nbformat.read(output, as_version=4).metadata.get(META_KEY, {})
    except Exception:  # an unreadable notebook is simply not current
        return False
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


class Interrupted(RuntimeError):
    """A chapter stopped by Ctrl-C or by its kernel dying (out of memory); re-running resumes it."""


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
    if isinstance(error, KeyboardInterrupt):
        what = "interrupted (Ctrl-C)"
    else:
        what = "stopped: its kernel died (out of memory?)"
    return f"{notebook.stem} {what}{cell}; kernel log in {kernel_log}; finished chapters are kept, re-run to resume."


@contextlib.contextmanager
def _kernel_manager(log: Path):
    """A kernel manager class whose kernels write their own stderr to `log`, not the terminal.

    A kernel torn down mid-cell (Ctrl-C) prints a long ZMQ traceback there; its cells' outputs are unaffected.
    """
    from jupyter_client.manager import AsyncKernelManager

    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as stream:

        class LoggedKernelManager(AsyncKernelManager):
            async def start_kernel(self, **kw: Any) -> None:
                kw.setdefault("stderr", stream)
                await super().start_kernel(**kw)

        yield LoggedKernelManager


def execute(notebook: Path, output: Path, params: dict[str, Any], fingerprint: dict[str, Any], log_dir: Path) -> float:
    """Execute one notebook with papermill; write it to `output` atomically only when it ran to the end.

    The cells' printed lines (one per epoch: the runner sets MNIST_PROGRESS=lines) reach the terminal as they come.
    """
    import nbformat
    import papermill

    started = time.perf_counter()
    failed = log_dir / output.name
    kernel_log = log_dir.parent / "kernels" / f"{notebook.stem}.log"
    with atomic_path(output, suffix=".ipynb") as tmp, _kernel_manager(kernel_log) as manager:
        try:
            papermill.execute_notebook(
                str(notebook),
                str(tmp),
                parameters=params,
                cwd=str(notebook.parent),
                kernel_name="python3",
                progress_bar=False,  # the streamed epoch lines below are the progress
                log_output=False,  # papermill's logger would also echo every cell's repr
                stdout_file=_Prefixed(notebook.stem, sys.stdout),
                stderr_file=_Prefixed(notebook.stem, sys.stderr),
                kernel_manager_class=manager,
            )
        except (KeyboardInterrupt, *_dead_kernel_errors()) as e:
            raise Interrupted(_interruption(notebook, tmp, e, kernel_log)) from None
        except papermill.PapermillExecutionError as e:
            log_dir.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, failed)
            raise RuntimeError(
                f"{notebook.name} failed in cell {e.exec_count} ({e.ename}: {e.evalue}).\n"
                f"The cell:\n    " + "\n    ".join(e.source.splitlines()) + "\n"
                f"The executed notebook up to the error is in {failed}."
            ) from None
        seconds = time.perf_counter() - started
        nb = nbformat.read(tmp, as_version=4)
        for cell in nb.cells:  # the book folds papermill's injected values away, as it does the defaults
            if "injected-parameters" in cell.metadata.get("tags", []):
                cell.metadata["tags"].append("hide-input")
        nb.metadata[META_KEY] = {**fingerprint, "status": "ok", "seconds": round(seconds, 1)}
        nbformat.write(nb, tmp)
    return seconds


def run(
    profile: str,
    only: list[str] | None = None,
    out_dir: Path | None = None,
    force: bool = False,
    notebooks_dir: Path | None = None,
    allow_dirty: bool = False,
    jobs: int = 1,
    scheduler: str | None = None,
) -> dict[str, float]:
    """Run the profile's notebooks in order; skip the ones already current; stop at the first failure.

    `notebooks_dir` defaults to default_notebooks_dir(), `out_dir` to the book/ folder beside it; publishing
    there from a git tree with uncommitted changes is refused unless `allow_dirty`.
    """
    notebooks_dir = Path(notebooks_dir) if notebooks_dir is not None else default_notebooks_dir()
    out_dir = Path(out_dir) if out_dir is not None else notebooks_dir.resolve().parent / "book"
    spec = load_profile(profile, notebooks_dir)
    todo = select(notebooks(notebooks_dir), only)
    plans = [(nb, chapter_parameters(spec, nb)) for nb in todo]  # validate everything before running anything
    dirty = refuse_dirty_publish(notebooks_dir, out_dir, allow_dirty)
    if dirty:
        os.environ[DIRTY_ENV] = "1"  # the kernels inherit it; provenance.Run.save records it in the metrics
    else:
        os.environ.pop(DIRTY_ENV, None)
    os.environ.setdefault("MNIST_PROGRESS", "lines")  # one line per epoch in executed notebooks
    absolute_env_paths()
    with _holding(_artifact_folders(plans) + [out_dir]):
        if jobs != 1 or scheduler_address(scheduler) is not None:
            return run_parallel(plans, out_dir, force, jobs, scheduler, dirty)
        return _run_plans(plans, out_dir, force, dirty)


def _artifact_folders(plans: list[tuple[Path, dict[str, Any]]]) -> list[Path]:
    """Each chapter's <artifacts_dir>/<profile>/ (its parameter or notebook default, relative to the notebook)."""
    import papermill

    folders = set()
    for nb, params in plans:
        defaults = {k: v["default"] for k, v in papermill.inspect_notebook(str(nb)).items()}
        if "artifacts_dir" not in params and "artifacts_dir" not in defaults:
            continue
        value = {
            k: params[k] if k in params else ast.literal_eval(defaults.get(k, "None"))
            for k in ("artifacts_dir", "profile")
        }
        root = DEFAULT_ARTIFACTS_DIR if value["artifacts_dir"] is None else nb.parent / value["artifacts_dir"]
        folders.add((root / str(value["profile"] or "quick")).resolve())
    return sorted(folders)


@contextlib.contextmanager
def _holding(folders: list[Path]):
    """Lock every folder (sorted: no deadlock between runners), clean stale temporaries, tell the kernels."""
    with contextlib.ExitStack() as stack:
        for folder in sorted({f.resolve() for f in folders}):
            stack.enter_context(locks.folder_lock(folder))
            clean_stale(folder, older_than=0, recursive=True)  # we hold the lock: no one else is writing here
        env = locks.hold_for_children(list(folders))
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)  # kernels inherit the runner's environment
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def _run_plans(plans: list[tuple[Path, dict[str, Any]]], out_dir: Path, force: bool, dirty: bool) -> dict[str, float]:
    """Execute the plans in order, skipping current outputs (the body of `run`, under its locks)."""
    times: dict[str, float] = {}
    for i, (nb, params) in enumerate(plans, 1):
        out = out_dir / nb.name
        fp = _fingerprint(nb, params) | ({"allow_dirty": True} if dirty else {})
        if not force and is_current(out, fp):
            print(f"[{i}/{len(plans)}] {nb.stem}: up to date, skipped", flush=True)
            continue
        print(f"[{i}/{len(plans)}] {nb.stem}: running with {params}", flush=True)
        times[nb.stem] = execute(nb, out, params, fp, out_dir.parent / "_build" / "failed")
        print(f"[{i}/{len(plans)}] {nb.stem}: done in {times[nb.stem]:.0f} s -> {out}", flush=True)
    return times


def dependencies(stems: list[str]) -> dict[str, set[str]]:
    """Which chapters each one waits for: DEPENDS_ON between numbered chapters, and pages without a number
    (the reproducibility page reads every chapter's results) after every numbered chapter."""
    numbered = [s for s in stems if s[:2].isdigit()]
    needs: dict[str, set[str]] = {}
    for stem in stems:
        if not stem[:2].isdigit():
            needs[stem] = set(numbered)
        else:
            wanted = DEPENDS_ON.get(stem[:2], ())
            needs[stem] = {s for s in numbered if s[:2] in wanted}
    return needs


def run_parallel(
    plans: list[tuple[Path, dict[str, Any]]],
    out_dir: Path,
    force: bool,
    jobs: int,
    scheduler: str | None = None,
    dirty: bool = False,
) -> dict[str, float]:
    """Execute the plan `jobs` notebooks at a time (each kernel gets cores // jobs threads through
    OMP_NUM_THREADS, which `configure_threads` honours), a chapter starting once the chapters it depends
    on have finished; or on a Dask cluster given its scheduler address (the workers must see this
    repository and its artifacts at the same paths). Current notebooks are skipped as in `run`; the first
    failure stops new starts, lets the running ones finish, and is raised."""
    import concurrent.futures as cf

    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ParameterError(f"--jobs {jobs!r}: pass a positive number of notebooks to run at once.")
    address = scheduler_address(scheduler)
    n = len(plans)
    pending: dict[str, tuple[int, Path, dict[str, Any], dict[str, Any]]] = {}
    for i, (nb, params) in enumerate(plans, 1):
        fp = _fingerprint(nb, params) | ({"allow_dirty": True} if dirty else {})
        if not force and is_current(out_dir / nb.name, fp):
            print(f"[{i}/{n}] {nb.stem}: up to date, skipped", flush=True)
        else:
            pending[nb.stem] = (i, nb, params, fp)
    needs = {stem: deps & set(pending) for stem, deps in dependencies([nb.stem for nb, _ in plans]).items()}
    old_omp = os.environ.get("OMP_NUM_THREADS")
    if address is None:  # kernels inherit this process's environment
        os.environ["OMP_NUM_THREADS"] = str(max(1, min(available_cores(), omp_limit() or 10**6) // jobs))
        executor, client = cf.ThreadPoolExecutor(max_workers=jobs), None  # each notebook runs in its own kernel
    else:
        from dask.distributed import Client

        client = Client(address)
        executor = client.get_executor()
    times: dict[str, float] = {}
    running: dict[cf.Future, str] = {}
    failure: BaseException | None = None
    try:
        while pending or running:
            ready = [s for s in pending if not needs[s] - set(times)] if failure is None else []
            for stem in ready[: max(0, jobs - len(running))] if address is None else ready:
                i, nb, params, fp = pending.pop(stem)
                print(f"[{i}/{n}] {stem}: running with {params}", flush=True)
                future = executor.submit(
                    execute, nb, out_dir / nb.name, params, fp, out_dir.parent / "_build" / "failed"
                )
                running[future] = stem
            if not running:
                break  # a failure left chapters that can no longer start
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in done:
                stem = running.pop(future)
                try:
                    times[stem] = future.result()
                    print(f"[{plans_index(plans, stem)}/{n}] {stem}: done in {times[stem]:.0f} s", flush=True)
                except Exception as e:  # kept, then raised once the running ones finish
                    failure = failure or e
    finally:
        executor.shutdown(wait=True)
        if client is not None:
            client.close()
        if old_omp is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = old_omp
    if failure is not None:
        raise failure
    return times


def plans_index(plans: list[tuple[Path, dict[str, Any]]], stem: str) -> int:
    """1-based position of a chapter in the plan, for progress lines."""
    return next(i for i, (nb, _) in enumerate(plans, 1) if nb.stem == stem)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", default="quick", help="quick, full, seed, or a path to a profile .yaml file")
    parser.add_argument("--only", nargs="*", help="notebook name prefixes to run, e.g. 03 04")
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        help=f"the folder of chapter notebooks (default: ${NOTEBOOKS_ENV}, else notebooks/ beside the package)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="where executed notebooks go (default: book/ beside them)"
    )
    parser.add_argument("--force", action="store_true", help="re-run notebooks even when they are up to date")
    parser.add_argument(
        "--allow-dirty",
        action="store_true",
        help="publish into book/ although the git tree has uncommitted changes (recorded and shown in the book)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="notebooks run at once, sharing the cores (default 1)")
    parser.add_argument(
        "--scheduler", default=None, help=f"a Dask scheduler (tcp://host:port) to run on; default ${SCHEDULER_ENV}"
    )
    args = parser.parse_args(argv)
    logging.getLogger("papermill").addHandler(logging.NullHandler())  # its "Kernel died" line repeats our error
    started = time.perf_counter()
    try:
        times = run(
            args.profile,
            args.only,
            args.out,
            args.force,
            args.notebooks,
            args.allow_dirty,
            jobs=args.jobs,
            scheduler=args.scheduler,
        )
    except KeyboardInterrupt:  # between chapters, or while validating
        print("interrupted (Ctrl-C); finished chapters are kept, re-run to resume.", file=sys.stderr)
        return 130
    except Interrupted as e:
        print(f"error: {e}", file=sys.stderr)
        return 130 if "Ctrl-C" in str(e) else 1
    except (ParameterError, RuntimeError, ValueError, OSError) as e:  # OSError: WriteError names path, cause, fix
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"ran {len(times)} notebook(s) in {time.perf_counter() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def profile_table(profile: str | os.PathLike) -> pd.DataFrame:
    """A profile's parameters as a table: one row per (chapter, parameter), shared values marked 'all'."""
    import pandas as pd

    spec = load_profile(profile)
    rows = [{"chapter": "all", "parameter": k, "value": v} for k, v in spec["all"].items()]
    rows += [
        {"chapter": ch, "parameter": k, "value": v}
        for ch, own in spec["chapters"].items()
        for k, v in (own or {}).items()
    ]
    return pd.DataFrame(rows).set_index(["chapter", "parameter"])
