"""CPU thread settings: use the cores this process may run on, never more (2 cores collapse when oversubscribed)."""

from __future__ import annotations

import contextlib
import os

import joblib
import torch
from threadpoolctl import threadpool_limits

_interop_configured = False  # torch.set_num_interop_threads may be called once per process


def available_cores() -> int:
    """Number of CPU cores this process may use: the least of its affinity mask, its cgroup CPU quota (containers,
    CI runners) and $LOKY_MAX_CPU_COUNT, as loky counts them (`joblib.cpu_count`), never the machine's count."""
    return joblib.cpu_count()


def omp_limit() -> int | None:
    """The thread cap set by OMP_NUM_THREADS, or None when it is unset or empty."""
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    if not value:
        return None
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if limit < 1:
        raise ValueError(
            f"OMP_NUM_THREADS={value!r} is not a positive whole number; set it to e.g. 1 or 2, or unset it."
        )
    return limit


def configure_threads(requested: int | None = None) -> int:
    """Set torch's intra-op threads to min(available cores, OMP_NUM_THREADS, requested) and return that number.

    The BLAS and OpenMP pools that numpy, scipy and scikit-learn use get the same cap (threadpoolctl).
    Inter-op threads are set to 1 (our models are sequential stacks; extra pools only compete
    for the same cores). That call is allowed once per process, so later calls skip it.
    """
    if requested is not None and (isinstance(requested, bool) or int(requested) != requested or requested < 1):
        raise ValueError(f"requested={requested!r}: pass a positive number of threads, or None for every allowed core.")
    n = available_cores()
    limit = omp_limit()
    if limit is not None:
        n = min(n, limit)
    if requested is not None:
        n = min(n, int(requested))
    torch.set_num_threads(n)
    threadpool_limits(limits=n)  # OpenBLAS / MKL / OpenMP pools loaded so far
    _set_interop_once()
    return n


def _set_interop_once() -> None:
    """Set one inter-op thread unless this process already did, or torch already started its pool."""
    global _interop_configured
    if _interop_configured:
        return
    with contextlib.suppress(RuntimeError):  # raised once inter-op work has run: the pool size is fixed then
        torch.set_num_interop_threads(1)
    _interop_configured = True
