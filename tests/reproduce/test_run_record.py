"""Run records: a damaged metrics JSON is refused naming the file and key; profiles of one's own run everywhere."""

import json

import pytest

from mnist_helpers.reproduce.run_record import Run, load_metrics, runs_table


def whole_record(**change):
    record = {
        "chapter": "03_mlp",
        "profile": "quick",
        "params": {"profile": "quick", "epochs": 2},
        "metrics": {},
        "wall_time_s": 1.0,
        "finished": "2026-11-25T00:00:00Z",
        "git_commit": "abc",
        "code_version": "000000000000",
        "packages": {},
        "hardware": {"torch_threads": 1},
    }
    record.update(change)
    return record


def write_metrics(root, record, profile="quick", chapter="03_mlp"):
    folder = root / profile / "metrics"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{chapter}.json").write_text(json.dumps({k: v for k, v in record.items() if v is not ...}))
    return folder / f"{chapter}.json"


def test_a_metrics_json_without_hardware_is_refused_naming_the_file_and_key(tmp_path):
    path = write_metrics(tmp_path, whole_record(hardware=...))
    with pytest.raises(ValueError, match=rf"{path}: not a whole chapter metrics record: key 'hardware' is missing"):
        load_metrics(tmp_path, "quick")


def test_a_string_where_a_number_belongs_is_refused_naming_the_file_and_key(tmp_path):
    path = write_metrics(tmp_path, whole_record(wall_time_s="fast"))
    with pytest.raises(ValueError, match=rf"{path}: key 'wall_time_s' is 'fast' \(a str\), not a int or float"):
        load_metrics(tmp_path, "quick")


def test_runs_table_names_the_chapter_whose_record_lacks_a_key():
    with pytest.raises(ValueError, match=r"metrics record of 03_mlp.*key 'hardware.torch_threads' is missing"):
        runs_table({"03_mlp": whole_record(hardware={})})


def test_a_whole_record_loads(tmp_path):
    write_metrics(tmp_path, whole_record())
    assert load_metrics(tmp_path, "quick")["03_mlp"]["hardware"] == {"torch_threads": 1}


def test_the_readmes_gpu_recipe_passes_the_seed_profiles_check(tmp_path):
    from mnist_helpers.reproduce.profile_spec import profile_values

    params = {**profile_values("seed", "03_mlp"), "profile": "seed", "device": "cuda", "artifacts_dir": str(tmp_path)}
    Run("03_mlp", params)  # device says where it runs, not what it computes: the check passes


def test_a_nan_standing_for_no_value_is_recorded_as_null(tmp_path):
    # one seed has no standard deviation: chapter 3 with seeds [0] records it as null instead of failing to write
    from mnist_helpers.reproduce.run_record import _plain_record

    assert _plain_record({"sd": float("nan"), "per_seed": [99.1, float("nan")], "n": (1, 2)}) == {
        "sd": None,
        "per_seed": [99.1, None],
        "n": [1, 2],
    }


def test_run_span_is_first_start_to_last_finish_beside_the_summed_wall_times_and_core_hours():
    from mnist_helpers.reproduce.run_record import run_span

    def record(finished, wall, threads):
        return {"wall_time_s": wall, "finished": finished, "hardware": {"torch_threads": threads}}

    metrics = {  # two chapters side by side (10:00-10:30 and 10:10-10:40), then one alone (10:40-10:50)
        "a": record("2026-12-03T10:30:00Z", 1800.0, 1),
        "b": record("2026-12-03T10:40:00Z", 1800.0, 1),
        "c": record("2026-12-03T10:50:00Z", 600.0, 2),
    }
    span = run_span(metrics)
    assert span["span_s"] == 3000.0 and span["summed_s"] == 4200.0
    assert span["core_hours"] == (1800 + 1800 + 1200) / 3600
    assert span["cpu_utilization"] is None  # records made before the CPU clock was read
    assert run_span({}) == {"span_s": 0.0, "summed_s": 0.0, "core_hours": 0.0, "cpu_utilization": None}


def test_run_span_gives_the_machines_busy_share_over_the_span_from_the_chapters_cpu_clocks():
    from mnist_helpers.reproduce.run_record import run_span

    def clock(busy):
        return {"busy_s": busy, "cores": 2, "boot_id": "b1"}

    def record(finished, wall, start_busy, finish_busy):
        return {
            "wall_time_s": wall,
            "finished": finished,
            "hardware": {"torch_threads": 1},
            "cpu_clock": {"start": clock(start_busy), "finish": clock(finish_busy)},
        }

    metrics = {  # 10:00-10:30 and 10:10-10:40: a 2,400 s span; the machine's clock went from 5,000 to 9,320 busy s
        "a": record("2026-12-03T10:30:00Z", 1800.0, 5_000.0, 8_000.0),
        "b": record("2026-12-03T10:40:00Z", 1800.0, 5_500.0, 9_320.0),
    }
    assert run_span(metrics)["cpu_utilization"] == (9_320 - 5_000) / (2 * 2_400)  # 0.9


def test_sibling_params_give_chapter_4s_profile_values_so_chapter_8_reuses_its_c5_runs(tmp_path):
    # full: chapter 8 judges C12-C14 at claim_epochs beside chapter 4's saved runs, which need these to match
    from mnist_helpers.reproduce.profile_spec import profile_values

    full8 = {**profile_values("full", "08_beyond"), "profile": "full", "artifacts_dir": str(tmp_path)}
    c4 = Run("08_beyond", full8).sibling_params("04_cnn")
    assert (c4["epochs"], c4["seeds"], c4["augment"]) == (10, [0, 1, 2, 3, 4], True)
    assert c4["epochs"] == full8["claim_epochs"] and c4["train_size"] == full8["train_size"]
    assert full8["epochs"] == full8["claim_epochs"]  # C19 and the suggestions, uncapped: the same reference


SAME = ("seed", "train_size", "test_size", "batch_size", "lr")


def test_sibling_epochs_are_chapter_4s_when_it_trains_as_chapter_8_does(tmp_path):
    from mnist_helpers.reproduce.profile_spec import profile_values

    for profile, epochs in (("full", 10), ("quick", profile_values("quick", "04_cnn")["epochs"])):
        own = {**profile_values(profile, "08_beyond"), "profile": profile, "artifacts_dir": str(tmp_path)}
        assert Run("08_beyond", own).sibling_epochs("04_cnn", SAME, {"augment": True}) == epochs


def test_sibling_epochs_are_none_when_a_setting_differs_or_a_condition_fails(tmp_path):
    own = {"profile": "mine", "artifacts_dir": str(tmp_path), "seed": 0, "train_size": 600, "test_size": 200}
    own |= {"batch_size": 64, "lr": 1e-3}
    run = Run("08_beyond", own)
    assert run.sibling_epochs("04_cnn", SAME) is None  # chapter 4 has not run under "mine"
    c4 = {**own, "epochs": 7, "augment": True}
    write_metrics(tmp_path, whole_record(params=c4), "mine", "04_cnn")
    assert run.sibling_epochs("04_cnn", SAME, {"augment": True}) == 7
    assert run.sibling_epochs("04_cnn", SAME, {"augment": False}) is None  # a condition chapter 4 fails
    assert Run("08_beyond", {**own, "lr": 5e-4}).sibling_epochs("04_cnn", SAME) is None  # another learning rate
