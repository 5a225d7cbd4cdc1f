"""Shared cores: one lock file per core; a holder waits until one is free, and nothing waits without a runner."""

import threading
import time
from pathlib import Path

import pytest

from mnist_helpers.core import slots


def test_without_a_runner_nothing_is_shared_and_a_slot_waits_for_nothing(monkeypatch):
    monkeypatch.delenv(slots.SLOTS_ENV, raising=False)
    assert slots.shared_cores() is None
    with slots.core_slot() as number:
        assert number is None


def test_two_cores_give_two_holders_their_own_and_a_third_waits_for_a_release(monkeypatch):
    got = []

    def third():
        with slots.core_slot(poll_s=0.01) as number:
            got.append((number, time.monotonic()))

    with slots.shared_slots(2) as env:
        monkeypatch.setenv(slots.SLOTS_ENV, env[slots.SLOTS_ENV])
        assert slots.shared_cores() == 2
        with slots.core_slot() as a:
            with slots.core_slot() as b:
                assert {a, b} == {0, 1}
                waiter = threading.Thread(target=third)
                waiter.start()
                time.sleep(0.3)
                assert got == []  # both cores held: it waits
                released = time.monotonic()
            waiter.join(5)
            assert got and got[0][0] == b and got[0][1] >= released  # it took the core b let go, once let go


def test_the_folder_goes_when_the_runner_ends_and_a_vanished_or_empty_one_is_named(monkeypatch, tmp_path):
    with slots.shared_slots(3) as env:
        folder = Path(env[slots.SLOTS_ENV])
        assert sorted(p.name for p in folder.iterdir()) == ["core-0.lock", "core-1.lock", "core-2.lock"]
    assert not folder.exists()
    monkeypatch.setenv(slots.SLOTS_ENV, str(folder))
    with pytest.raises(ValueError, match=r"MNIST_CORE_SLOTS=.*no core-\*\.lock files there.*unset MNIST_CORE_SLOTS"):
        slots.shared_cores()
    with pytest.raises(ValueError, match="cores=0"), slots.shared_slots(0):
        pass
