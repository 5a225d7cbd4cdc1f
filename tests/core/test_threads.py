"""core.threads: the usable cores (affinity and cgroup quota) and the thread caps set from them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from joblib.externals.loky.backend import context as loky_context

from mnist_helpers.core import threads

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AFFINITY = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@pytest.mark.skipif(AFFINITY < 2, reason="needs two usable cores to see a quota of one")
def test_available_cores_honours_a_cgroup_cpu_quota(monkeypatch):
    monkeypatch.setattr(loky_context, "_cpu_count_cgroup", lambda os_cpu_count: 1)  # cpu.max = "100000 100000"
    assert threads.available_cores() == 1


def test_available_cores_honours_loky_max_cpu_count(monkeypatch):
    monkeypatch.setenv("LOKY_MAX_CPU_COUNT", "1")
    assert threads.available_cores() == 1


def test_available_cores_never_exceeds_the_affinity_mask():
    assert 1 <= threads.available_cores() <= AFFINITY


@pytest.mark.slow
@pytest.mark.skipif(AFFINITY < 2, reason="needs two usable cores to tell a cap of one from the default")
def test_configure_threads_caps_the_blas_and_openmp_pools_too():
    code = (
        "import json, numpy, threadpoolctl; from mnist_helpers.core.threads import configure_threads; "
        "configure_threads(1); print(json.dumps([p['num_threads'] for p in threadpoolctl.threadpool_info()]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    env["PYTHONPATH"] = ROOT
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True)
    pools = json.loads(out.stdout.strip().splitlines()[-1])
    assert pools and set(pools) == {1}
