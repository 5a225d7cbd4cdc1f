"""core.locks: one writer per profile folder; a held folder is refused by name, a killed holder's lock is free."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

HOLD_SCRIPT = textwrap.dedent("""
    import sys, time
    from mnist_helpers.core import locks
    with locks.folder_lock(sys.argv[1]):
        print("HELD", flush=True)
        time.sleep(60)
""")


@pytest.fixture()
def held(tmp_path):
    """Another process holding the lock of tmp_path/quick; yields its pid."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_SCRIPT, str(tmp_path / "test")], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "HELD"
    yield proc.pid
    proc.kill()
    proc.wait()


def test_a_held_profile_folder_is_refused_naming_pid_host_command_and_since(held, tmp_path):
    from mnist_helpers.core import locks

    refused = rf"test is in use by process {held} on \S+ \(.*-c.*\), since 20\d\d-"
    with pytest.raises(locks.LockHeld, match=refused), locks.folder_lock(tmp_path / "test"):
        pass


def test_the_lock_of_a_killed_holder_is_free(held, tmp_path):
    from mnist_helpers.core import locks

    os.kill(held, signal.SIGKILL)
    time.sleep(0.5)
    with locks.folder_lock(tmp_path / "test"):
        pass


@pytest.mark.parametrize("name", [".lock.owner.json", ".lock"])
def test_a_symlinked_lock_file_is_refused_and_its_target_untouched(tmp_path, name):
    from mnist_helpers.core import locks

    folder, target = tmp_path / "shared", tmp_path / "someone_elses.txt"
    folder.mkdir()
    target.write_text("their file\n")
    (folder / name).symlink_to(target)
    refused = rf"{name} is a symbolic link .*never writes through one"
    with pytest.raises(locks.LockHeld, match=refused), locks.folder_lock(folder):
        pass
    assert target.read_text() == "their file\n"


def test_a_released_lock_leaves_the_folder_as_it_was(tmp_path):
    from mnist_helpers.core import locks

    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "mine.txt").write_text("x")
    with locks.folder_lock(folder), locks.folder_lock(folder):  # re-entrant: the files stay until the last release
        assert (folder / ".lock.owner.json").is_file()
    assert sorted(p.name for p in folder.iterdir()) == ["mine.txt"]
