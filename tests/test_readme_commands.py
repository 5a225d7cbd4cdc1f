"""The README's commands work as written: each one a test runs verbatim (with the small values it shows)."""

import os
import re
import subprocess
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
