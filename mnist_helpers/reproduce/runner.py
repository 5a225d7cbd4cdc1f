"""Run every chapter notebook through papermill with a profile, resuming where it stopped.

The full profile publishes into book/ (and, once every chapter is this run's, installs pages/: book_pages); every
other profile writes into artifacts/<profile>/notebooks/ unless told.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import mnist_helpers
from mnist_helpers.core import locks
from mnist_helpers.core.atomic import clean_stale
from mnist_helpers.core.env import ALLOW_DIRTY_ENV, DATA_DIR_ENV, PROGRESS_ENV, keras_on_torch
from mnist_helpers.core.paths import default_artifacts_dir
from mnist_helpers.core.provenance import uncommitted_changes
from mnist_helpers.recipes.sweeps import SCHEDULER_ENV
from mnist_helpers.reproduce import book_pages
from mnist_helpers.reproduce.chapters import NOTEBOOKS_ENV, default_notebooks_dir, notebooks, select
from mnist_helpers.reproduce.notebook_exec import Interrupted, Terminated
from mnist_helpers.reproduce.params import ParameterError
from mnist_helpers.reproduce.profile_spec import chapter_parameters, declared_parameters, load_profile
from mnist_helpers.reproduce.scheduling import run_parallel

DIRTY_ENV = ALLOW_DIRTY_ENV  # the name runner used; core.env holds it
PUBLISHED_PROFILE = "full"  # the profile whose executed chapters are the book


def profile_name(profile: str | os.PathLike, spec: dict[str, Any]) -> str:
    """The profile's name: the one its file sets for every chapter (all: profile:), else the name or file stem."""
    return str(spec["all"].get("profile") or Path(profile).stem)


def default_out_dir(notebooks_dir: Path, name: str, publish: bool = False) -> Path:
    """book/ beside the notebooks for the published profile (or with `publish`); else artifacts/<name>/notebooks/."""
    root = Path(notebooks_dir).resolve().parent
    return root / "book" if name == PUBLISHED_PROFILE or publish else root / "artifacts" / name / "notebooks"


def logs_dir(notebooks_dir: Path, out_dir: Path) -> Path:
    """Where kernel logs and failed notebooks go: the book build's _build/ for book/, else <out>/_logs/ (so runs
    into different folders never overwrite each other's logs)."""
    root = Path(notebooks_dir).resolve().parent
    return root / "_build" if Path(out_dir).resolve() == root / "book" else Path(out_dir) / "_logs"


def refuse_source_folder(notebooks_dir: Path, out_dir: Path) -> None:
    """Raise when --out is the folder of the notebooks being run, inside it, or holds it (or a link to one of them):
    the executed copies would overwrite or sit among the source notebooks, and the run would lock and sweep them."""
    out, source = Path(out_dir).resolve(), Path(notebooks_dir).resolve()
    if out == source or out in source.parents or source in out.parents:
        where = "is" if out == source else "is inside" if source in out.parents else "holds"
        raise RuntimeError(
            f"--out {out_dir} {where} the folder of the notebooks being run ({source}): the executed copies would "
            "overwrite the source notebooks or mix with them. Fix: choose a folder outside it (or leave --out out)."
        )
    if any((out / nb.name).resolve() == nb.resolve() for nb in notebooks(notebooks_dir)):
        raise RuntimeError(
            f"--out {out_dir}: its notebooks are links to the source notebooks in {source}; the executed copies "
            "would overwrite the source notebooks. Fix: choose another folder (or leave --out out)."
        )


def refuse_unpublished_profile(notebooks_dir: Path, out_dir: Path, name: str, publish: bool) -> None:
    """Raise when a profile other than the published one would write into book/ without --publish."""
    if name == PUBLISHED_PROFILE or publish or Path(out_dir).resolve() != Path(notebooks_dir).resolve().parent / "book":
        return
    raise RuntimeError(
        f"refusing to write the {name!r} profile's chapters into {Path(out_dir).resolve()}: book/ holds the "
        f"published {PUBLISHED_PROFILE!r} run, and the next book build would mix the two. Leave out --out "
        f"(they go to artifacts/{name}/notebooks/), or pass --publish to mean it."
    )


def absolute_env_paths() -> None:
    """Make a relative $MNIST_DATA_DIR absolute, once, from where the runner started: kernels run in notebooks/."""
    if os.environ.get(DATA_DIR_ENV):
        os.environ[DATA_DIR_ENV] = os.path.abspath(os.path.expanduser(os.environ[DATA_DIR_ENV]))


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


def run(
    profile: str,
    only: list[str] | None = None,
    out_dir: Path | None = None,
    force: bool = False,
    notebooks_dir: Path | None = None,
    allow_dirty: bool = False,
    jobs: int = 1,
    scheduler: str | None = None,
    publish: bool = False,
) -> dict[str, float]:
    """Run the profile's notebooks in order; skip the ones already current; stop at the first failure.

    `notebooks_dir` defaults to default_notebooks_dir(); `out_dir` to the book/ folder beside it for the full
    profile, to artifacts/<profile>/notebooks/ beside it for any other (book/ only with `publish`). Publishing
    from a git tree with uncommitted changes is refused unless `allow_dirty`.
    """
    keras_on_torch()  # the kernels inherit KERAS_BACKEND: another backend is refused here, before any chapter runs
    notebooks_dir = Path(notebooks_dir) if notebooks_dir is not None else default_notebooks_dir()
    spec = load_profile(profile, notebooks_dir)
    name = profile_name(profile, spec)
    out_dir = Path(out_dir) if out_dir is not None else default_out_dir(notebooks_dir, name, publish)
    refuse_unpublished_profile(notebooks_dir, out_dir, name, publish)
    refuse_source_folder(notebooks_dir, out_dir)
    todo = select(notebooks(notebooks_dir), only)
    plans = [(nb, chapter_parameters(spec, nb)) for nb in todo]  # validate everything before running anything
    dirty = refuse_dirty_publish(notebooks_dir, out_dir, allow_dirty)
    if dirty:
        os.environ[DIRTY_ENV] = "1"  # the kernels inherit it; provenance.Run.save records it in the metrics
    else:
        os.environ.pop(DIRTY_ENV, None)
    os.environ.setdefault(PROGRESS_ENV, "lines")  # one line per epoch in executed notebooks
    absolute_env_paths()
    chapters_env = {NOTEBOOKS_ENV: str(Path(notebooks_dir).resolve())}  # kernels find the chapters and artifacts/
    with _holding(_artifact_folders(plans) + [out_dir], chapters_env):
        logs = logs_dir(notebooks_dir, out_dir)
        times = run_parallel(plans, out_dir, force, jobs, scheduler, dirty, logs)  # jobs=1: one after another
        root = Path(notebooks_dir).resolve().parent
        if only is None and Path(out_dir).resolve() == root / "book":  # every chapter of book/ is now this run's
            for page in book_pages.install(root):
                print(
                    f"installed {page.relative_to(root)} from {book_pages.PAGES_DIR}/: it matches this run", flush=True
                )
        return times


def _artifact_folders(plans: list[tuple[Path, dict[str, Any]]]) -> list[Path]:
    """Each chapter's <artifacts_dir>/<profile>/ (its parameter or notebook default, relative to the notebook)."""
    folders = set()
    for nb, params in plans:
        defaults = declared_parameters(nb)
        if "artifacts_dir" not in params and "artifacts_dir" not in defaults:
            continue
        value = {k: params[k] if k in params else defaults.get(k) for k in ("artifacts_dir", "profile")}
        given = value["artifacts_dir"]
        root = default_artifacts_dir(nb.parent) if given is None else nb.parent / given
        folders.add((root / str(value["profile"] or "quick")).resolve())
    return sorted(folders)


@contextlib.contextmanager
def _holding(folders: list[Path], extra_env: dict[str, str] | None = None):
    """Lock every folder (sorted: no deadlock between runners), clean stale temporaries, tell the kernels (the
    lock hand-over and `extra_env`, in this process's environment until the block ends)."""
    with contextlib.ExitStack() as stack:
        for folder in sorted({f.resolve() for f in folders}):
            stack.enter_context(locks.folder_lock(folder))
            clean_stale(folder, older_than=0, recursive=True)  # we hold the lock: no one else is writing here
        env = {**locks.env_for_children(list(folders)), **(extra_env or {})}
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


# What running the chapters needs beyond the package, by import name (the chapters glue their results with myst_nb).
BOOK_EXTRA = ("papermill", "nbformat", "ipykernel", "jsonschema", "myst_nb")


def missing_book_extra() -> list[str]:
    """The modules of the [book] extra that are not installed (running chapters needs them; the package does not)."""
    return [name for name in BOOK_EXTRA if importlib.util.find_spec(name) is None]


def main(argv: list[str] | None = None, prog: str = "mnist-reproduce") -> int:
    """The command line: `mnist-reproduce` or `python -m mnist_helpers` (same options)."""
    parser = argparse.ArgumentParser(
        prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {mnist_helpers.__version__}")
    parser.add_argument(
        "--profile", default="quick", help="quick, full, seed, or a path to a profile .yaml file (default: %(default)s)"
    )
    parser.add_argument("--only", nargs="*", help="notebook name prefixes to run, e.g. 03 04")
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        help=f"the folder of chapter notebooks (default: ${NOTEBOOKS_ENV}, else notebooks/ beside the package)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where executed notebooks go (default: book/ for the full profile, else artifacts/<profile>/notebooks/)",
    )
    parser.add_argument(
        "--publish",
        action="store_true",
        help="write a profile other than full into book/, the published book (its default --out then)",
    )
    parser.add_argument("--force", action="store_true", help="re-run notebooks even when they are up to date")
    parser.add_argument(
        "--allow-dirty",
        action="store_true",
        help="publish into book/ although the git tree has uncommitted changes (recorded and shown in the book)",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="notebooks run at once, sharing the cores (default: %(default)s)"
    )
    parser.add_argument(
        "--scheduler", default=None, help=f"a Dask scheduler (tcp://host:port) to run on; default ${SCHEDULER_ENV}"
    )
    args = parser.parse_args(argv)
    missing = missing_book_extra()
    if missing:
        print(
            f"error: {prog} runs the chapter notebooks, which needs the [book] extra ({', '.join(missing)} missing). "
            "Fix: pip install 'mnist-helpers[book]' (in a checkout: pip install -e '.[book]', or make venv-book).",
            file=sys.stderr,
        )
        return 1
    logging.getLogger("papermill").addHandler(logging.NullHandler())  # its "Kernel died" line repeats our error
    started = time.perf_counter()
    previous = signal.signal(signal.SIGTERM, _terminate)  # SIGTERM as Ctrl-C: temporaries removed, chapters kept
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
            publish=args.publish,
        )
    except KeyboardInterrupt as e:  # between chapters, or while validating
        what, code = ("terminated (SIGTERM)", 143) if isinstance(e, Terminated) else ("interrupted (Ctrl-C)", 130)
        print(f"{what}; finished chapters are kept, re-run to resume.", file=sys.stderr)
        return code
    except Interrupted as e:
        print(f"error: {e}", file=sys.stderr)
        return 143 if "SIGTERM" in str(e) else 130 if "Ctrl-C" in str(e) else 1
    except (ParameterError, RuntimeError, ValueError, OSError) as e:  # OSError: WriteError names path, cause, fix
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(f"ran {len(times)} notebook(s) in {time.perf_counter() - started:.0f} s", flush=True)
    return 0


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated()


if __name__ == "__main__":
    sys.exit(main())
