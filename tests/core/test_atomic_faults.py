"""core.atomic under faults: modes, a folder that is a file, a full disk, NaN refused, temporaries (issue 13)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mnist_helpers.core import atomic
from mnist_helpers.core.atomic import write_json


def test_atomic_writes_respect_the_umask_like_an_ordinary_write(tmp_path):
    old = os.umask(0o027)
    try:
        atomic.write_text(tmp_path / "a.json", "{}")
        (tmp_path / "b.json").write_text("{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == stat.S_IMODE((tmp_path / "b.json").stat().st_mode)


def test_write_into_a_path_whose_folder_is_a_file_names_the_path_and_the_fix(tmp_path):
    (tmp_path / "metrics").write_text("a file where a folder should be")
    with pytest.raises(OSError, match=r"cannot write .*metrics/03_mlp.json: .*Fix: .*metrics is a file, not a folder"):
        atomic.write_json(tmp_path / "metrics" / "03_mlp.json", {"a": 1})


FULL_DISK_SCRIPT = textwrap.dedent("""
    import resource, signal, sys, torch
    from mnist_helpers.core import atomic
    from mnist_helpers.training import checkpoints
    from mnist_helpers.models import torch_nets as models
    from mnist_helpers.training import torch_fit as train
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG, like a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    try:
        {call}
    except OSError as e:
        print("ERROR " + str(e))
""")


@pytest.mark.parametrize(
    "call, name",
    [
        ("atomic.write_bytes(sys.argv[1] + '/metrics.json', bytes(100_000))", "metrics.json"),
        (
            "checkpoints.save_weights(models.MODELS['mlp'](), sys.argv[1] + '/mlp.pt')",
            "mlp.pt",
        ),  # torch's inline_container
    ],
)
@pytest.mark.slow  # a subprocess or a real kernel: `make test` runs it, `make test-unit` skips it
def test_full_disk_names_the_path_the_cause_and_the_fix_and_leaves_no_temporary(tmp_path, call, name):
    script = FULL_DISK_SCRIPT.replace("{call}", call)
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=120)
    line = next((x for x in out.stdout.splitlines() if x.startswith("ERROR ")), out.stdout + out.stderr)
    assert f"cannot write {tmp_path / name}" in line, line
    assert "disk full?" in line and "Fix: free disk space" in line, line
    assert list(tmp_path.iterdir()) == []


def test_temporaries_have_unique_names_matched_by_the_stale_pattern_and_ignored_by_git(tmp_path):
    with (
        atomic.atomic_path(tmp_path / "m.weights.h5", suffix=".weights.h5") as a,
        atomic.atomic_path(tmp_path / "m.weights.h5", suffix=".weights.h5") as b,
    ):
        assert (
            a != b and a.name.endswith(".mnist-tmp.weights.h5") and a.name.startswith(f".m.weights.h5.{os.getpid()}.")
        )
        a.write_bytes(b"a")
        b.write_bytes(b"b")
    assert atomic.clean_stale(tmp_path, older_than=0) == []  # a live writer's (ours, here) are left alone
    gone = dead_pid()
    debris = [tmp_path / p.name.replace(f".{os.getpid()}.", f".{gone}.") for p in (a, b)]
    for path in debris:  # as a killed writer would leave them
        path.write_bytes(b"half")
    assert set(atomic.clean_stale(tmp_path, older_than=0)) == set(debris)
    assert [p.name for p in tmp_path.iterdir()] == ["m.weights.h5"]
    root = Path(__file__).resolve().parents[2]
    for name in (
        "book/.03_mlp.ipynb.7.k2j3abcd.mnist-tmp.ipynb",
        "artifacts/full/metrics/.03_mlp.json.7.k2j3abcd.mnist-tmp",
    ):
        assert subprocess.run(["git", "check-ignore", "-q", name], cwd=root).returncode == 0, name


def test_json_writes_refuse_nan_naming_the_file_and_where(tmp_path):
    with pytest.raises(ValueError, match=r"m.json: not written: \['rows'\]\[1\]\['loss'\] is NaN"):
        write_json(tmp_path / "m.json", {"rows": [{"loss": 1.0}, {"loss": float("nan")}]})
    assert not (tmp_path / "m.json").exists()


def dead_pid() -> int:
    """The pid of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_files_of_the_user_that_look_temporary_are_never_removed(tmp_path):
    gone = dead_pid()
    theirs = [
        tmp_path / ".thesis.tmp.docx",
        tmp_path / "deep" / "er" / ".notes.tmp",
        tmp_path / f".plan.{gone}.abc.mnist-tmp",  # not atomic_path's exact form (8 random characters)
    ]
    ours = tmp_path / "deep" / f".03_mlp.json.{gone}.k2j3abcd.mnist-tmp"
    for path in [*theirs, ours]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("keep me" if path in theirs else "{")
    assert atomic.clean_stale(tmp_path, older_than=0, recursive=True) == [ours]
    assert all(path.read_text() == "keep me" for path in theirs)
