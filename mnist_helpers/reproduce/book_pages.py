"""The pages that paste a run's results travel with the run: installing them on publication, and a book of any run.

The intro pastes the reproducibility page's figure, text and table, and the table of contents lists the chapters
a run made, so both must match the executed notebooks beside them. `pages/` holds the versions for the code in
this commit; `book/intro.md` and `_toc.yml` are the versions the published run was made for. The runner
installs `pages/` when it publishes a whole run into `book/` (`install`), and `build` makes the book of any
other run (your quick or own profile) in a folder of its own, with the pages for this commit:

    python -m mnist_helpers.reproduce.book_pages --profile quick    # -> _build/books/quick/_build/html/index.html
    make book-profile PROFILE=quick                                # runs the profile first (resuming)
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from mnist_helpers.core.atomic import atomic_path
from mnist_helpers.reproduce.chapters import default_notebooks_dir

PAGES_DIR = "pages"
INSTALLED = {"intro.md": Path("book") / "intro.md", "_toc.yml": Path("_toc.yml")}  # pages/<name> -> its place
BOOK_FILES = ("_config.yml",)  # beside book/ in the root: what jupyter-book reads besides the toc
SKIPPED = ("*.ipynb", "__pycache__")  # the published chapters are replaced by the run's


def install(root: Path) -> list[Path]:
    """Copy pages/'s files to their places in `root` (each written atomically); return the ones that changed.
    A root without pages/ (notebooks run outside a checkout of this repository) has nothing to install."""
    root = Path(root)
    changed: list[Path] = []
    if not (root / PAGES_DIR).is_dir():
        return changed
    for name, place in INSTALLED.items():
        source, target = root / PAGES_DIR / name, root / place
        if not source.is_file():
            raise FileNotFoundError(
                f"{source} is missing: it is the {place} for the code in this checkout. Fix: restore it "
                f"(git checkout -- {PAGES_DIR}/{name})."
            )
        text = source.read_bytes()
        if target.is_file() and target.read_bytes() == text:
            continue
        with atomic_path(target, suffix=target.suffix) as tmp:
            tmp.write_bytes(text)
        changed.append(target)
    return changed


def assemble(root: Path, executed: Path, dest: Path) -> Path:
    """Write a buildable copy of the book into `dest`: the root's _config.yml, book/ without its executed
    chapters, the notebooks of `executed` in their place, and pages/ installed. Returns `dest`."""
    root, executed, dest = Path(root), Path(executed), Path(dest)
    chapters = sorted(executed.glob("*.ipynb"))
    if not chapters:
        raise FileNotFoundError(
            f"no executed notebooks (*.ipynb) in {executed}: run the profile first, e.g. "
            "mnist-reproduce --profile quick (they go to artifacts/<profile>/notebooks/)."
        )
    if dest.resolve() == root.resolve():
        raise ValueError(f"{dest} is the repository itself: choose another folder for the assembled book.")
    if dest.exists():
        shutil.rmtree(dest)  # an earlier assembly: rebuilt from scratch, so no chapter of another run lingers
    shutil.copytree(root / "book", dest / "book", ignore=shutil.ignore_patterns(*SKIPPED))
    for name in BOOK_FILES:
        shutil.copy2(root / name, dest / name)
    (dest / PAGES_DIR).mkdir()
    for name in INSTALLED:
        shutil.copy2(root / PAGES_DIR / name, dest / PAGES_DIR / name)
    for nb in chapters:
        shutil.copy2(nb, dest / "book" / nb.name)
    install(dest)
    return dest


def build(root: Path, executed: Path, dest: Path) -> Path:
    """Assemble the book of the run in `executed` into `dest` and build it with jupyter-book (warnings as errors);
    return its index.html. A failed build raises with jupyter-book's last lines."""
    assemble(root, executed, dest)
    jb = Path(sys.executable).with_name("jupyter-book")
    command = [str(jb) if jb.exists() else "jupyter-book", "build", str(dest), "-W", "-n", "--keep-going"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"jupyter-book build of {dest} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return dest / "_build" / "html" / "index.html"


def main(argv: list[str] | None = None) -> int:
    """Build the book of one profile's run: its executed notebooks in artifacts/<profile>/notebooks/ by default."""
    parser = argparse.ArgumentParser(prog="python -m mnist_helpers.reproduce.book_pages", description=__doc__)
    parser.add_argument(
        "--profile", default="quick", help="whose run: artifacts/<profile>/notebooks/, book/ for full (default: quick)"
    )
    parser.add_argument("--executed", type=Path, help="the executed notebooks' folder, if not the profile's default")
    parser.add_argument("--dest", type=Path, help="where the book is assembled (default: _build/books/<profile>/)")
    args = parser.parse_args(argv)
    root = default_notebooks_dir().parent  # the checkout whose notebooks the runner runs
    published = args.profile == "full"  # the runner's PUBLISHED_PROFILE: its chapters are book/
    executed = args.executed or (root / "book" if published else root / "artifacts" / args.profile / "notebooks")
    dest = args.dest or root / "_build" / "books" / args.profile
    try:
        index = build(root, executed, dest)
    except (OSError, RuntimeError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"built {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
