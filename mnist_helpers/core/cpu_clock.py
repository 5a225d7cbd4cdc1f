"""The machine's CPU clock: CPU-seconds its cores have spent busy since boot, read from /proc/stat.

Two readings, at a run's first start and last finish, say whether the run used the machine: busy CPU-seconds
over (cores x wall seconds) is 1 when every core was busy all along. The reading is machine-wide (it counts
whatever else the machine ran), which is what a run on a machine of its own should be judged by; readings from
different boots do not compare (the clock restarts), so each carries the kernel's boot id.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PROC_STAT = Path("/proc/stat")
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
# /proc/stat's cpu line: user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user).
BUSY_FIELDS = (0, 1, 2, 5, 6)  # user, nice, system, irq, softirq: not idle, iowait, or time stolen by a hypervisor


def parse_proc_stat(text: str, ticks_per_s: float) -> tuple[float, int]:
    """(busy CPU-seconds since boot, number of cores) from the text of /proc/stat."""
    lines = text.splitlines()
    total = next((line.split()[1:] for line in lines if line.split()[:1] == ["cpu"]), None)
    if total is None:
        raise ValueError("/proc/stat has no aggregate 'cpu' line")
    ticks = [int(v) for v in total]
    cores = sum(1 for line in lines if line.startswith("cpu") and line[3:4].isdigit())
    return sum(ticks[i] for i in BUSY_FIELDS if i < len(ticks)) / ticks_per_s, cores


def read_cpu_clock(stat: Path = PROC_STAT, boot_id: Path = BOOT_ID) -> dict[str, Any] | None:
    """{"busy_s", "cores", "boot_id"} now, or None where there is no /proc/stat (not Linux) or it cannot be read."""
    try:
        busy, cores = parse_proc_stat(stat.read_text(), os.sysconf("SC_CLK_TCK"))
        boot = boot_id.read_text().strip() if boot_id.exists() else ""
    except (OSError, ValueError, AttributeError):
        return None
    return {"busy_s": round(busy, 2), "cores": cores, "boot_id": boot}


def utilization(readings: list[tuple[dict[str, Any] | None, dict[str, Any] | None]], span_s: float) -> float | None:
    """Busy CPU-seconds between the earliest start and the latest finish over (cores x `span_s`), from each
    chapter's (start, finish) readings; None when a reading is missing, they come from different boots or
    machines, or the span is empty."""
    if not readings or span_s <= 0:
        return None
    starts, finishes = [s for s, _ in readings], [f for _, f in readings]
    flat = [r for r in starts + finishes if r is not None]
    if len(flat) != 2 * len(readings):  # a chapter without a reading
        return None
    if len({(r["boot_id"], r["cores"]) for r in flat}) != 1 or not flat[0]["boot_id"]:
        return None
    busy = max(f["busy_s"] for f in finishes if f) - min(s["busy_s"] for s in starts if s)
    return busy / (flat[0]["cores"] * span_s)
