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
