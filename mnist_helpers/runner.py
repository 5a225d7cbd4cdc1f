"""Run every chapter notebook through papermill with a named profile, into book/, resuming where it stopped."""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from mnist_helpers.atomic import atomic_path
from mnist_helpers.params import PROFILES, ParameterError, validate
from mnist_helpers.provenance import code_version, uncommitted_changes

if TYPE_CHECKING:
    import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
META_KEY = "mnist_reproduced"  # notebook metadata key holding how an executed notebook was made
NOTEBOOKS_ENV = "MNIST_NOTEBOOKS_DIR"  # where the chapter notebooks are when the package is not an editable install
DIRTY_ENV = "MNIST_ALLOW_DIRTY"  # set for the kernels of a run published from a dirty tree; Run.save records it


def load_profile(profile: str | os.PathLike) -> dict[str, Any]:
    """A profile by name (quick, full, seed) or by path to a YAML file: {'all': {...}, 'chapters': {...}}."""
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
        spec = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        raise ParameterError(f"profile file {path} is not valid YAML: {e}") from None
    if not isinstance(spec, dict) or set(spec) - {"all", "chapters"}:
        raise ParameterError(
            f"profile file {path}: expected top-level keys 'all' and 'chapters' only, "
            f"got {sorted(spec) if isinstance(spec, dict) else type(spec).__name__}."
        )
    spec.setdefault("all", {})
    spec.setdefault("chapters", {})
    return spec


def chapter_parameters(spec: dict[str, Any], notebook: Path) -> dict[str, Any]:
    """The validated parameters a profile gives one notebook (its 'all' values it declares, plus its own)."""
    import papermill

    declared = papermill.inspect_notebook(str(notebook))
    own = dict(spec["chapters"].get(notebook.stem) or {})
    unknown = sorted(set(own) - set(declared))
    if unknown:
        raise ParameterError(
            f"profile gives {notebook.stem} parameter(s) {unknown} it does not have; it has {sorted(declared)}."
        )
    params = {k: v for k, v in spec["all"].items() if k in declared}
    params.update(own)
    return validate(**params)


def default_notebooks_dir() -> Path:
    """$MNIST_NOTEBOOKS_DIR when set (relative to the working directory), else notebooks/ beside the package."""
    return Path(os.environ.get(NOTEBOOKS_ENV) or ROOT / "notebooks").resolve()


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


def execute(notebook: Path, output: Path, params: dict[str, Any], fingerprint: dict[str, Any], log_dir: Path) -> float:
    """Execute one notebook with papermill; write it to `output` atomically only when it ran to the end.

    The cells' printed lines (one per epoch: the runner sets MNIST_PROGRESS=lines) reach the terminal as they come.
    """
    import nbformat
    import papermill

    started = time.perf_counter()
    failed = log_dir / output.name
    with atomic_path(output, suffix=".tmp.ipynb") as tmp:  # papermill wants an .ipynb name
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
            )
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
) -> dict[str, float]:
    """Run the profile's notebooks in order; skip the ones already current; stop at the first failure.

    `notebooks_dir` defaults to default_notebooks_dir(), `out_dir` to the book/ folder beside it; publishing
    there from a git tree with uncommitted changes is refused unless `allow_dirty`.
    """
    notebooks_dir = Path(notebooks_dir) if notebooks_dir is not None else default_notebooks_dir()
    out_dir = Path(out_dir) if out_dir is not None else notebooks_dir.resolve().parent / "book"
    spec = load_profile(profile)
    todo = select(notebooks(notebooks_dir), only)
    plans = [(nb, chapter_parameters(spec, nb)) for nb in todo]  # validate everything before running anything
    dirty = refuse_dirty_publish(notebooks_dir, out_dir, allow_dirty)
    if dirty:
        os.environ[DIRTY_ENV] = "1"  # the kernels inherit it; provenance.Run.save records it in the metrics
    else:
        os.environ.pop(DIRTY_ENV, None)
    os.environ.setdefault("MNIST_PROGRESS", "lines")  # one line per epoch in executed notebooks
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
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        times = run(args.profile, args.only, args.out, args.force, args.notebooks, args.allow_dirty)
    except (ParameterError, RuntimeError) as e:
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
