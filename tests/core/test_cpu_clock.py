"""The machine's CPU clock (issue 21): busy CPU-seconds from /proc/stat, and a run's use of the machine."""

import pytest

from mnist_helpers.core.cpu_clock import parse_proc_stat, read_cpu_clock, utilization

STAT = """cpu  100 20 30 400 50 6 4 8 0 0
cpu0 60 10 15 200 25 3 2 4 0 0
cpu1 40 10 15 200 25 3 2 4 0 0
intr 12345 0 0
ctxt 999
"""


def test_busy_time_is_user_nice_system_irq_and_softirq_not_idle_iowait_or_steal():
    busy, cores = parse_proc_stat(STAT, ticks_per_s=100)
    assert busy == (100 + 20 + 30 + 6 + 4) / 100 and cores == 2


def test_a_proc_stat_without_the_aggregate_line_is_refused():
    with pytest.raises(ValueError, match="no aggregate 'cpu' line"):
        parse_proc_stat("intr 1 2 3\n", ticks_per_s=100)


def test_a_reading_carries_the_boot_it_belongs_to_and_none_comes_from_a_missing_file(tmp_path):
    (tmp_path / "stat").write_text(STAT)
    (tmp_path / "boot_id").write_text("abc-123\n")
    reading = read_cpu_clock(tmp_path / "stat", tmp_path / "boot_id")
    assert reading["cores"] == 2 and reading["boot_id"] == "abc-123" and reading["busy_s"] > 0
    assert read_cpu_clock(tmp_path / "missing", tmp_path / "boot_id") is None


def test_this_linux_machine_has_a_clock_that_moves_forward():
    first = read_cpu_clock()
    assert first is not None and first["boot_id"] and first["cores"] >= 1
    sum(i * i for i in range(2_000_000))  # keep a core busy for a moment
    assert read_cpu_clock()["busy_s"] >= first["busy_s"]


def _r(busy, boot="b", cores=2):
    return {"busy_s": busy, "cores": cores, "boot_id": boot}


def test_utilization_is_busy_seconds_from_first_start_to_last_finish_over_cores_times_span():
    readings = [(_r(10.0), _r(70.0)), (_r(20.0), _r(110.0))]
    assert utilization(readings, span_s=60.0) == pytest.approx((110 - 10) / (2 * 60))


@pytest.mark.parametrize(
    "readings",
    [
        [(_r(10.0), None)],  # a chapter without its finish reading
        [(_r(10.0), _r(70.0)), (_r(20.0, boot="other"), _r(110.0, boot="other"))],  # a reboot in between
        [(_r(10.0), _r(70.0)), (_r(20.0, cores=4), _r(110.0, cores=4))],  # another machine
        [],
    ],
)
def test_utilization_is_not_given_when_the_readings_do_not_compare(readings):
    assert utilization(readings, span_s=60.0) is None
