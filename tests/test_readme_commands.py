"""The README's commands work as written: each one a test runs verbatim (with the small values it shows)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_line(containing: str) -> str:
    """The one command line of the README holding `containing`, without its trailing comment."""
    lines = [line for line in README.splitlines() if containing in line and not line.startswith(("`", "|"))]
    assert len(lines) == 1, f"expected one README command with {containing!r}, found {lines}"
    return re.sub(r"\s+#.*$", "", lines[0])


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


@pytest.mark.slow
def test_the_papermill_example_runs_one_chapter_under_a_profile_of_ones_own():
    command = readme_line("papermill notebooks/")
    mine = ROOT / "artifacts" / "mine"
    before = files_under(mine)
    env = {**os.environ, "MNIST_PROGRESS": "lines"}
    try:
        done = subprocess.run(command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "epoch 1/1" in done.stdout + done.stderr  # --log-output streams the epoch lines
        written = files_under(mine) - before
        assert any(p.name == "03_mlp.json" for p in written)  # the chapter's metrics, under the own profile
        untracked = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "artifacts"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert untracked.stdout == ""  # nothing the example leaves behind is untracked and unignored
    finally:  # remove what the command wrote, never what was there before
        for path in files_under(mine) - before:
            path.unlink()
        for folder in sorted((p for p in mine.rglob("*") if p.is_dir()), reverse=True) if mine.exists() else []:
            if not any(folder.iterdir()):
                folder.rmdir()
        if mine.exists() and not any(mine.iterdir()):
            mine.rmdir()


@pytest.mark.slow
def test_the_runner_example_writes_the_chapters_it_names_into_the_folder_it_names():
    command = readme_line("mnist-reproduce --profile quick --only 01 02 --out")
    out = ROOT / "artifacts" / "quick" / "try"
    before = files_under(out)
    try:
        done = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        assert {"01_preprocessing.ipynb", "02_augmentation.ipynb"} <= {p.name for p in files_under(out)}
        untracked = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "artifacts"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert untracked.stdout == ""
    finally:
        for path in files_under(out) - before:
            path.unlink()


@pytest.mark.slow
def test_an_installed_package_runs_a_checkouts_notebooks_as_the_readme_shows(tmp_path):
    """A non-editable install (pip install --target) runs the README's --notebooks line from outside the checkout;
    the kernels import the installed copy and write their artifacts beside that checkout, not into the package."""
    command = re.search(r"`(mnist-reproduce [^`]*--notebooks path/to/checkout/notebooks)`", README).group(1)
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(ROOT),
        ],
        check=True,
        timeout=600,
    )
    checkout = tmp_path / "path" / "to" / "checkout"
    (checkout / "notebooks").mkdir(parents=True)
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        (checkout / "notebooks" / nb.name).write_bytes(nb.read_bytes())
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "PATH": f"{site / 'bin'}{os.pathsep}{bin_dir}{os.pathsep}{os.environ['PATH']}",
    }
    done = subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (checkout / "artifacts" / "quick" / "notebooks" / "01_preprocessing.ipynb").is_file()
    assert (checkout / "artifacts" / "quick" / "metrics" / "01_preprocessing.json").is_file()
    assert not (site / "artifacts").exists() and not (site / "notebooks").exists()
