"""reproduce.params refuses silent-result values: non-finite rates, repeats, other spellings, seeds past 32 bits, and
artifact folders that cannot be written; paths are resolved once (issue 13, issue 14)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from mnist_helpers.reproduce import params, profile_spec
from mnist_helpers.reproduce.params import SEED_MAX, ParameterError, validate

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.mark.parametrize(
    "name, value",
    [("lr", math.inf), ("lr", 1e300), ("lr", math.nan), ("lr", 11.0), ("decay", math.inf), ("decay", math.nan)],
)
def test_non_finite_or_huge_rates_are_refused(name, value):
    with pytest.raises(ParameterError, match=rf"'{name}'.*finite number"):
        validate(**{name: value})


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("seeds", [0, 0], "without repeats"),
        ("optimizers", ["adam", "adam"], "without repeats"),
        ("optimizers", ["adam"], "exactly 2"),
        ("optimizers", ["adam", "rmsprop", "adam"], "exactly 2"),
        ("code_sizes", [8, 8], "without repeats"),
    ],
)
def test_repeats_and_wrong_counts_are_refused_before_training(name, value, message):
    with pytest.raises(ParameterError, match=rf"'{name}'.*{message}"):
        validate(**{name: value})


@pytest.mark.parametrize("name, value", [("profile", "QUICK"), ("optimizer", "Adam"), ("engine", "Torch")])
def test_other_spellings_of_a_choice_are_refused_with_the_canonical_one(name, value):
    with pytest.raises(ParameterError, match=rf"did you mean '{value.lower()}'"):
        validate(**{name: value})


@pytest.mark.parametrize("name, value", [("seed", 2**32), ("seed", 8589934592), ("seeds", [0, 2**32])])
def test_seeds_beyond_32_bits_are_refused(name, value):
    with pytest.raises(ParameterError, match=rf"from 0 to {SEED_MAX}"):
        validate(**{name: value})


def test_the_largest_allowed_seed_is_accepted():
    assert validate(seed=SEED_MAX, seeds=[0, SEED_MAX]) == {"seed": SEED_MAX, "seeds": [0, SEED_MAX]}


def test_artifacts_dir_through_a_file_is_refused_at_validation(tmp_path):
    (tmp_path / "afile").write_text("")
    with pytest.raises(ParameterError, match=r"'artifacts_dir' = '.*afile/out' cannot be a folder: .*afile is a file"):
        validate(artifacts_dir=str(tmp_path / "afile" / "out"))


def test_unwritable_artifacts_dir_is_refused_at_validation_naming_the_path_and_the_fix():
    with pytest.raises(ParameterError, match=r"'/sys/mnist-artifacts' is not writable: .* /sys .*chmod"):
        validate(artifacts_dir="/sys/mnist-artifacts")


def test_default_artifacts_dir_is_the_projects_whatever_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert validate(artifacts_dir=None)["artifacts_dir"] == str(
        Path(params.__file__).resolve().parents[2] / "artifacts"
    )


def test_relative_artifacts_dir_is_resolved_once_against_where_the_run_started(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert validate(artifacts_dir="out")["artifacts_dir"] == str(tmp_path / "out")
    path = tmp_path / "mine.yaml"
    path.write_text("all:\n  profile: mine\n  artifacts_dir: out\n")
    spec = profile_spec.load_profile(str(path), NOTEBOOKS)
    assert profile_spec.chapter_parameters(spec, NOTEBOOKS / "03_mlp.ipynb")["artifacts_dir"] == str(tmp_path / "out")
