"""reproduce.run_record under faults: a profile's folder holds only its values, metrics are written atomically with
provenance and without NaN, and unreadable or absent metrics name the file or say there is nothing to show."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mnist_helpers.reproduce import run_record as provenance
from mnist_helpers.reproduce.params import ParameterError, validate
from mnist_helpers.reproduce.run_record import Run


def test_metrics_json_that_does_not_parse_names_the_file(tmp_path):
    folder = tmp_path / "quick" / "metrics"
    folder.mkdir(parents=True)
    (folder / "03_mlp.json").write_text('{"chapter": "03_mlp", "metr')
    with pytest.raises(ValueError, match=r"03_mlp.json: not valid JSON.*Delete the file and re-run"):
        provenance.load_metrics(tmp_path, "quick")


def test_metrics_are_written_atomically_with_provenance(tmp_path):
    run = Run("03_mlp", {"profile": "quick", "epochs": 2}, tmp_path)
    run.record(test_accuracy=np.float32(0.5))
    record = run.save()
    on_disk = json.loads((tmp_path / "quick" / "metrics" / "03_mlp.json").read_text())
    assert on_disk == json.loads(json.dumps(record, default=float))
    for key in ("git_commit", "code_version", "packages", "hardware", "wall_time_s", "params"):
        assert key in on_disk
    start, finish = on_disk["cpu_clock"]["start"], on_disk["cpu_clock"]["finish"]  # the machine's, at both ends
    assert start["boot_id"] == finish["boot_id"] and finish["busy_s"] >= start["busy_s"]
    assert not [p for p in (tmp_path / "quick" / "metrics").iterdir() if p.name.startswith(".")]


# 2. a named profile's folder holds only that profile's values


def test_run_under_a_named_profile_refuses_other_values_before_writing_anything(tmp_path):
    quick_sized = validate(profile="full", train_size=6000, test_size=2000, epochs=2)
    with pytest.raises(ParameterError, match=r"train_size=6000 \(full: 60000\).*profile of your own|name of your own"):
        Run("03_mlp", quick_sized, tmp_path)
    with pytest.raises(ParameterError, match=r"lr=0.005 \(quick: 0.001\)"):
        Run("03_mlp", validate(profile="quick", lr=5e-3), tmp_path)
    assert not list(tmp_path.iterdir())


def test_run_accepts_the_profiles_own_values_and_other_values_under_a_name_of_their_own(tmp_path):
    assert Run("03_mlp", validate(profile="full", train_size=60000, epochs=60), tmp_path).root == tmp_path / "full"
    mine = validate(profile="mine", train_size=6000, lr=5e-3, artifacts_dir=str(tmp_path))
    assert Run("03_mlp", mine, None).root == tmp_path / "mine"


def test_a_chapter_that_is_not_in_a_named_profile_is_refused(tmp_path):
    with pytest.raises(ParameterError, match=r"'t' is not part of profile 'quick'"):
        Run("t", {"profile": "quick"}, tmp_path)


def test_missing_values_in_recorded_tables_are_written_as_null(tmp_path):
    run = Run("t", {"profile": "test"}, tmp_path)
    run.record(table=pd.DataFrame({"method": ["ae", "pca"], "img/s": [10.0, None]}))
    run.save()
    written = json.loads(run.metrics_path.read_text())["metrics"]["table"]
    assert written == [{"method": "ae", "img/s": 10.0}, {"method": "pca", "img/s": None}]


def test_metrics_for_a_profile_that_never_ran_say_there_is_nothing_to_show_and_why(tmp_path):
    (tmp_path / "full" / "metrics").mkdir(parents=True)
    (tmp_path / "full" / "metrics" / "03_mlp.json").write_text('{"chapter": "03_mlp", "metrics": {}, "wall_time_s": 1}')
    with pytest.raises(provenance.NothingToShow, match=r"nothing to show for profile 'quick'.*does not exist.*full"):
        provenance.load_metrics(tmp_path, "quick")
    with pytest.raises(provenance.NothingToShow, match=r"nowhere.*does not exist"):
        provenance.load_metrics(tmp_path / "nowhere", "quick")
