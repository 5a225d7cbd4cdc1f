"""Profiles: their layout checked by a schema in the profile's own terms; profiles of one's own and the GPU recipe."""

import json

import pytest

from mnist_helpers.reproduce.params import ParameterError
from mnist_helpers.reproduce.profile_spec import PROFILE_DIR, load_profile, profile_table
from tests.reproduce.test_run_record import whole_record


def test_a_chapter_key_that_is_a_number_is_named_as_such(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("all:\n  profile: mine\nchapters:\n  1:\n    epochs: 2\n")
    with pytest.raises(ParameterError) as err:
        load_profile(path)
    msg = str(err.value)
    assert "'chapters' has the key 1 (int), where a chapter name belongs" in msg and "01_preprocessing" in msg
    assert "got dict" not in msg


def test_a_parameter_key_that_is_a_number_is_named_as_such(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("all:\n  5: 3\n")
    with pytest.raises(ParameterError, match=r"'all' has the key 5 \(int\), where a parameter name belongs"):
        load_profile(path)


def test_the_readmes_gpu_recipe_is_a_valid_profile(tmp_path):
    text = (PROFILE_DIR / "seed.yaml").read_text().replace("device: cpu", "device: cuda")
    (tmp_path / "my-seed.yaml").write_text(text)
    assert load_profile(tmp_path / "my-seed.yaml")["all"]["device"] == "cuda"


def test_a_profile_of_ones_own_shows_the_values_its_chapters_ran_with(tmp_path):
    folder = tmp_path / "mine" / "metrics"
    folder.mkdir(parents=True)
    record = whole_record(profile="mine", params={"profile": "mine", "epochs": 3, "artifacts_dir": str(tmp_path)})
    (folder / "03_mlp.json").write_text(json.dumps(record))
    table = profile_table("mine", tmp_path)
    assert table.loc[("03_mlp", "epochs"), "value"] == 3
    assert list(table.index) == [("03_mlp", "epochs")]


def test_a_profile_of_ones_own_that_has_not_run_yet_gives_an_empty_table(tmp_path):
    assert profile_table("mine", tmp_path).empty
