"""Parameter validation: every bad value stops with an error naming the parameter and its allowed values."""

import pytest

from mnist_helpers.reproduce.params import ParameterError, validate


@pytest.mark.parametrize(
    "name, value, allowed",
    [
        ("epochs", 0, "integer from 1|integer >= 1"),
        ("epochs", -3, "integer from 1 to 1000"),
        ("epochs", 2.5, "integer from 1 to 1000"),
        ("optimizer", "sgd", "adam, rmsprop"),
        ("optimizers", ["adam", "adagrad"], "adam, rmsprop"),
        ("profile", "Huge!", "quick, full, seed"),
        ("train_size", 60001, "from 1 to 60000"),
        ("test_size", 10001, "from 1 to 10000"),
        ("lr", "fast", "finite number > 0"),
        ("lr", -1e-3, "finite number > 0"),
        ("lr", 0.0, "finite number > 0"),
        ("batch_size", 0, "integer from 1 to 60000"),
        ("code_sizes", [16, 785], "from 1 to 784"),
        ("decay", -1e-4, ">= 0"),
        ("seeds", [], "1 to 100 items"),
    ],
)
def test_bad_value_names_the_parameter_and_the_allowed_values(name, value, allowed):
    with pytest.raises(ParameterError) as err:
        validate(**{name: value})
    msg = str(err.value)
    assert f"'{name}" in msg
    assert any(a in msg for a in allowed.split("|"))


def test_unknown_parameter_is_rejected_with_the_known_ones():
    with pytest.raises(ParameterError, match="unknown parameter 'epoch'.*epochs"):
        validate(epoch=3)


def test_good_values_pass_unchanged():
    out = validate(epochs=3, optimizer="adam", optimizers=["rmsprop", "adam"], lr=1e-3, decay=0, code_sizes=[8, 784])
    assert out["optimizer"] == "adam" and out["optimizers"] == ["rmsprop", "adam"] and out["decay"] == 0
    assert out.optimizer == "adam"  # validated values also read as attributes


def test_reading_a_parameter_a_chapter_does_not_have_names_the_ones_it_has():
    with pytest.raises(AttributeError, match="no parameter 'epoch'; this chapter has epochs"):
        _ = validate(epochs=3).epoch


def test_booleans_are_not_integers():
    with pytest.raises(ParameterError, match="'epochs'"):
        validate(epochs=True)


# issue 20 item 11: every count has a maximum with its reason, checked before any training


def test_a_million_epochs_are_refused_with_the_reason():
    with pytest.raises(ParameterError, match=r"'epochs' = 1000000 .*from 1 to 1000 \(the profiles ask for at most 200"):
        validate(epochs=1_000_000)


def test_dutta_epochs_beyond_the_authors_log_are_refused_naming_the_parameter():
    with pytest.raises(ParameterError, match=r"'dutta_epochs' = 61 .*from 1 to 60 \(chapter 4 reads the author's"):
        validate(dutta_epochs=61)


def test_the_largest_32_bit_unsigned_seed_is_refused_before_training():
    with pytest.raises(ParameterError, match=r"'seed' = 4294967295 .*Keras keeps seeds as 32-bit signed"):
        validate(seed=2**32 - 1)


def test_the_largest_allowed_seed_builds_the_keras_model_with_its_layer_offsets():
    from mnist_helpers.models.keras_cnn import dutta_cnn
    from mnist_helpers.reproduce.params import SEED_MAX

    dutta_cnn(seed=SEED_MAX)  # Keras's int32 seed generators take the seed plus each layer's offset


# issue 19 item 7: a list given with papermill's -p arrives as text


def test_a_list_given_as_text_points_to_papermills_yaml_option():
    with pytest.raises(ParameterError, match=r"'seeds' = '\[0\]'.*-y 'seeds: \[0\]'"):
        validate(seeds="[0]")


# issue 18 "dead code": one rule per parameter a chapter declares


def test_every_rule_is_a_parameter_some_chapter_declares():
    from mnist_helpers.reproduce.chapters import notebooks
    from mnist_helpers.reproduce.params import RULES
    from mnist_helpers.reproduce.profile_spec import declared_parameters

    declared = set().union(*(declared_parameters(nb) for nb in notebooks()))
    assert sorted(set(RULES) - declared) == []


# issue 18 item 4 and issue 20 item 13: notebooks validate the names their parameters cell declares


def write_chapter(folder, stem="09_tiny", source='profile: str = "quick"\nepochs: int = 2  # passes\n'):
    import json

    cell = {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": source, "outputs": []}
    cell["execution_count"] = None
    (folder / f"{stem}.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4}))
    return folder


def test_a_notebook_validates_the_names_its_parameters_cell_declares(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_NOTEBOOKS_DIR", str(write_chapter(tmp_path)))
    namespace = {"profile": "quick", "epochs": 3, "split": object(), "In": ["", "# Parameters\nepochs = 3\n"]}
    assert validate(namespace, "09_tiny") == {"profile": "quick", "epochs": 3}


def test_a_misspelt_papermill_parameter_is_refused_with_the_declared_name(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_NOTEBOOKS_DIR", str(write_chapter(tmp_path)))
    injected = '# Parameters\nepoch = 5\nprofile = "mine"\n'
    namespace = {"profile": "mine", "epochs": 2, "epoch": 5, "In": ["", 'profile: str = "quick"', injected]}
    with pytest.raises(ParameterError, match=r"'epoch'.*does not declare \(did you mean 'epochs'\?\).*-p epochs"):
        validate(namespace, "09_tiny")


def test_every_chapter_validates_its_own_defaults_by_name():
    from mnist_helpers.reproduce.chapters import notebooks
    from mnist_helpers.reproduce.profile_spec import declared_parameters

    for nb in notebooks():
        defaults = declared_parameters(nb)
        assert validate({**defaults, "In": []}, nb.stem) == validate(**defaults)


def test_a_chapter_without_its_notebook_names_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_NOTEBOOKS_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParameterError, match=rf"no notebook {tmp_path}/03_mpl.ipynb.*MNIST_NOTEBOOKS_DIR"):
        validate({"In": []}, "03_mpl")


def test_keras_epochs_beyond_the_twins_epochs_are_refused_naming_both_parameters():
    assert validate(keras_epochs=6, epochs=60).keras_epochs == 6
    with pytest.raises(ParameterError, match=r"'keras_epochs' = 7 exceeds 'epochs' = 6.*at most 6"):
        validate(keras_epochs=7, epochs=6)
