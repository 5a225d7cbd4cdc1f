"""How busy the machine is: CPU used by other processes, measured from /proc/stat, and waiting until it is quiet."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

QUIET_CORES = 0.15  # cores' worth of CPU other processes may use while the machine still counts as quiet
QUIET_WINDOWS = 3  # consecutive quiet windows needed before a run starts
WINDOW = 2.0  # seconds per sampling window
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100  # /proc/stat units per second


def _machine_ticks() -> tuple[float, float] | None:
    """(busy, steal) CPU seconds of the whole machine since boot, from /proc/stat; None off Linux."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / TICKS, steal / TICKS


def _own_seconds() -> float:
    """CPU seconds of this process and of the child processes it has waited for."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


@dataclass
class LoadMeter:
    """Cores' worth of CPU that *other* processes used (and the hypervisor stole) between start() and stop().

    A child process counts as this process's own once it has been waited for; until then it is "other".
    """

    started: float = 0.0
    machine: tuple[float, float] | None = None
    own: float = 0.0

    def start(self) -> LoadMeter:
        self.started, self.machine, self.own = time.perf_counter(), _machine_ticks(), _own_seconds()
        return self

    def stop(self) -> dict[str, float | None]:
        """{"other_cores", "steal_cores"} averaged over the interval (None where /proc/stat is unreadable)."""
        wall = max(time.perf_counter() - self.started, 1e-9)
        now = _machine_ticks()
        if self.machine is None or now is None:
            return {"other_cores": None, "steal_cores": None}
        busy = now[0] - self.machine[0]
        other = max(busy - (_own_seconds() - self.own), 0.0) / wall
        return {"other_cores": round(other, 3), "steal_cores": round((now[1] - self.machine[1]) / wall, 3)}


def other_load(seconds: float = WINDOW) -> float | None:
    """Cores' worth of CPU used by other processes over the next `seconds` (this process sleeps meanwhile)."""
    meter = LoadMeter().start()
    time.sleep(seconds)
    return meter.stop()["other_cores"]


def wait_until_quiet(max_wait: float, log=print) -> dict[str, object]:
    """Sleep until other processes use < QUIET_CORES for QUIET_WINDOWS windows in a row, or `max_wait` s pass.

    Returns {"quiet", "waited_s", "last_other_cores"}; the caller runs anyway when the wait times out,
    and records that it did.
    """
    started, streak, last = time.perf_counter(), 0, None
    while True:
        last = other_load()
        if last is None:  # no /proc/stat: nothing to wait for
            return {"quiet": None, "waited_s": 0.0, "last_other_cores": None}
        streak = streak + 1 if last < QUIET_CORES else 0
        waited = time.perf_counter() - started
        if streak >= QUIET_WINDOWS:
            return {"quiet": True, "waited_s": round(waited, 1), "last_other_cores": last}
        if waited >= max_wait:
            log(
                f"the machine is still busy after {waited:.0f} s (other processes use {last:.2f} cores); "
                "running anyway."
            )
            return {"quiet": False, "waited_s": round(waited, 1), "last_other_cores": last}
        if streak == 0 and int(waited) % 30 < WINDOW:
            log(f"waiting for a quiet machine: other processes use {last:.2f} cores ...")


def load_average() -> list[float] | None:
    """The 1, 5 and 15-minute load averages, rounded; None where the OS has none."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        return None
