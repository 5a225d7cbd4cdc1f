"""Issue 13's silent-result cases: reuse decided by the weights file itself, profiles that hold only their own values,
finite and bounded parameters, no repeats, whole-profile checks, nothing-to-show pages, and paths resolved once."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd
import pytest
import torch

from mnist_helpers.core.atomic import write_json
from mnist_helpers.data import mnist as data
from mnist_helpers.recipes import saved as saved_models
from mnist_helpers.recipes import train_or_reuse as reuse
from mnist_helpers.reproduce import chapters, params, profile_spec, runner
from mnist_helpers.reproduce import run_record as provenance
from mnist_helpers.reproduce.params import SEED_MAX, ParameterError, validate
from mnist_helpers.reproduce.run_record import Run
from mnist_helpers.training.checkpoints import save_weights
from mnist_helpers.training.torch_fit import fit

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.fixture(scope="module")
def split():
    return data.load_split(300, 200, seed=0)


def mlp(split, run, **kw):
    return reuse.train_classifier("mlp", split, run, epochs=1, batch_size=32, **kw)


# 1. reuse is decided by the key inside the weights file: a crash between two writes cannot mislead it


def test_torch_model_is_not_reused_when_its_weights_came_from_other_settings_than_its_meta_says(split, tmp_path):
    run = Run("t", {"profile": "test"}, tmp_path)
    mlp(split, run, lr=1e-3)
    meta = tmp_path / "test" / "models" / "mlp-adam-seed0.json"
    old_meta = meta.read_bytes() if meta.exists() else None
    mlp(split, run, lr=5e-3)  # new weights; a crash before the meta write leaves the old meta beside them:
    if old_meta is not None:
        meta.write_bytes(old_meta)
    again = mlp(split, run, lr=1e-3)
    assert not again.reused and again.history.meta["lr"] == 1e-3


def test_keras_model_is_not_reused_when_its_weights_came_from_other_settings_than_its_meta_says(tmp_path):
    small = data.load_split(200, 100, seed=0)
    run = Run("t", {"profile": "test"}, tmp_path)
    train = lambda lr: reuse.train_keras_dutta(small, run, epochs=1, batch_size=64, lr=lr)
    train(1e-3)
    meta = tmp_path / "test" / "models" / "dutta_keras-adam-seed0.json"
    old_meta = meta.read_bytes() if meta.exists() else None
    train(5e-3)
    if old_meta is not None:
        meta.write_bytes(old_meta)
    again = train(1e-3)
    assert not again.reused and again.history.meta["lr"] == 1e-3
    assert train(1e-3).reused  # and the one just made is reused


# 15. side files beside a model are not trusted: a damaged history inside the model is an error naming the file


def test_a_meta_json_that_is_not_an_object_or_a_missing_history_json_does_not_break_reuse(split, tmp_path):
    run = Run("t", {"profile": "test"}, tmp_path)
    mlp(split, run)
    models = tmp_path / "test" / "models"
    (models / "mlp-adam-seed0.json").write_text("[1, 2]")
    (models / "mlp-adam-seed0.history.json").unlink(missing_ok=True)
    again = mlp(split, run)
    assert again.reused and len(again.history) == 1


def test_a_model_whose_stored_history_is_missing_names_the_file_and_the_fix(split, tmp_path):
    run = Run("t", {"profile": "test"}, tmp_path)
    first = mlp(split, run)
    weights = tmp_path / "test" / "models" / "mlp-adam-seed0.pt"
    save_weights(first.model, weights, meta={"key": first.key})  # the key, but no history
    with pytest.raises(ValueError, match=r"mlp-adam-seed0.pt: its training history is missing.*Delete it and re-run"):
        mlp(split, run)


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


# 3. finite, bounded learning rates; divergence stops training; no NaN reaches a JSON file


@pytest.mark.parametrize(
    "name, value",
    [("lr", math.inf), ("lr", 1e300), ("lr", math.nan), ("lr", 11.0), ("decay", math.inf), ("decay", math.nan)],
)
def test_non_finite_or_huge_rates_are_refused(name, value):
    with pytest.raises(ParameterError, match=rf"'{name}'.*finite number"):
        validate(**{name: value})


def test_training_stops_on_a_non_finite_loss_naming_epoch_and_step():
    x = torch.rand(64, 1, 28, 28)
    x[40] = math.nan  # lands in the second batch of 32 (shuffled, so search the message loosely)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    with pytest.raises(FloatingPointError, match=r"loss is nan at epoch 1, step [12] of 2.*lr"):
        fit(model, x, torch.zeros(64, dtype=torch.long), None, None, epochs=1, batch_size=32, progress="none")


def test_json_writes_refuse_nan_naming_the_file_and_where(tmp_path):
    with pytest.raises(ValueError, match=r"m.json: not written: \['rows'\]\[1\]\['loss'\] is NaN"):
        write_json(tmp_path / "m.json", {"rows": [{"loss": 1.0}, {"loss": float("nan")}]})
    assert not (tmp_path / "m.json").exists()


def test_missing_values_in_recorded_tables_are_written_as_null(tmp_path):
    run = Run("t", {"profile": "test"}, tmp_path)
    run.record(table=pd.DataFrame({"method": ["ae", "pca"], "img/s": [10.0, None]}))
    run.save()
    written = json.loads(run.metrics_path.read_text())["metrics"]["table"]
    assert written == [{"method": "ae", "img/s": 10.0}, {"method": "pca", "img/s": None}]


# 4. no repeats, and chapter 5 compares exactly its two optimizers


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


# 5. chapter 7 reuses chapter 4's model only when made on the same split with the same settings


def test_chapter_7_reuses_a_saved_model_only_when_made_on_its_split_and_settings(tmp_path, capsys):
    settings = {"profile": "test", "epochs": 1, "batch_size": 32, "seed": 0}
    ch4, ch7 = Run("04_cnn", settings, tmp_path), Run("07_confusion", settings, tmp_path)
    split = data.load_split(300, 200, seed=0)
    reuse.train_classifier("shah_cnn", split, ch4, epochs=1, batch_size=32, augment=True)
    assert reuse.saved_classifier("shah_cnn", data.load_split(400, 200, seed=0), ch7) is None  # other train_size
    assert "other settings (data" in capsys.readouterr().out
    same = reuse.saved_classifier("shah_cnn", split, ch7)
    assert same is not None and same.reused and same.key["data"] == saved_models.data_fingerprint(split)
    other_seed = Run("07_confusion", {**settings, "seed": 1}, tmp_path)
    assert reuse.saved_classifier("shah_cnn", data.load_split(300, 200, seed=1), other_seed) is None


# 6. profile files: misspelt chapters, unknown or repeated keys and non-mappings fail before anything runs


@pytest.mark.parametrize(
    "yaml_text, message",
    [
        ("chapters:\n  03_mpl:\n    epochs: 3\n", r"unknown chapter '03_mpl' \(did you mean '03_mlp'\?\).*04_cnn"),
        ("all:\n  epoch: 5\n", r"unknown parameter 'epoch' \(did you mean 'epochs'\?\)"),
        ("chapters:\n  03_mlp:\n    epochs: 3\n    epochs: 4\n", r"'epochs' twice"),
        ("chapters:\n  03_mlp:\n    epochs: 3\n  03_mlp:\n    epochs: 4\n", r"'03_mlp' twice"),
        ("chapters:\n  03_mlp: 5\n", r"chapter '03_mlp' must be a mapping"),
        ("all: [1, 2]\n", r"'all' must be a mapping"),
        ("chapters:\n  07_confusion:\n    epochs: 0\n", r"chapter 07_confusion: parameter 'epochs' = 0"),
    ],
)
def test_bad_profile_is_refused_whole_before_any_chapter_is_prepared(tmp_path, yaml_text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ParameterError, match=message):
        spec = profile_spec.load_profile(str(path), NOTEBOOKS)
        for nb in chapters.notebooks(NOTEBOOKS)[:1]:  # the runner prepares its first chapter...
            profile_spec.chapter_parameters(spec, nb)


# 7. a page with nothing to show says so; one spelling per choice


def test_metrics_for_a_profile_that_never_ran_say_there_is_nothing_to_show_and_why(tmp_path):
    (tmp_path / "full" / "metrics").mkdir(parents=True)
    (tmp_path / "full" / "metrics" / "03_mlp.json").write_text('{"chapter": "03_mlp", "metrics": {}, "wall_time_s": 1}')
    with pytest.raises(provenance.NothingToShow, match=r"nothing to show for profile 'quick'.*does not exist.*full"):
        provenance.load_metrics(tmp_path, "quick")
    with pytest.raises(provenance.NothingToShow, match=r"nowhere.*does not exist"):
        provenance.load_metrics(tmp_path / "nowhere", "quick")


@pytest.mark.parametrize("name, value", [("profile", "QUICK"), ("optimizer", "Adam"), ("engine", "Torch")])
def test_other_spellings_of_a_choice_are_refused_with_the_canonical_one(name, value):
    with pytest.raises(ParameterError, match=rf"did you mean '{value.lower()}'"):
        validate(**{name: value})


# 8. seeds fit Keras's 32-bit signed seed generator (issue 20, item 11)


@pytest.mark.parametrize("name, value", [("seed", 2**32), ("seed", 8589934592), ("seeds", [0, 2**32])])
def test_seeds_beyond_32_bits_are_refused(name, value):
    with pytest.raises(ParameterError, match=rf"from 0 to {SEED_MAX}"):
        validate(**{name: value})


def test_the_largest_allowed_seed_is_accepted():
    assert validate(seed=SEED_MAX, seeds=[0, SEED_MAX]) == {"seed": SEED_MAX, "seeds": [0, SEED_MAX]}


# 16 and issue 14: artifacts_dir is checked for writing at validation and resolved once, absolute


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


def test_runner_makes_a_relative_mnist_data_dir_absolute_before_kernels_start_elsewhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MNIST_DATA_DIR", "rel/mnist")
    runner.absolute_env_paths()
    assert os.environ["MNIST_DATA_DIR"] == str(tmp_path / "rel" / "mnist")
