"""Parameter validation: every bad value stops with an error naming the parameter and its allowed values."""

import pytest

from mnist_helpers.reproduce.params import ParameterError, validate


@pytest.mark.parametrize(
    "name, value, allowed",
    [
        ("epochs", 0, "integer from 1|integer >= 1"),
        ("epochs", -3, "integer >= 1"),
        ("epochs", 2.5, "integer >= 1"),
        ("optimizer", "sgd", "adam, rmsprop"),
        ("optimizers", ["adam", "adagrad"], "adam, rmsprop"),
        ("profile", "Huge!", "quick, full, seed"),
        ("train_size", 60001, "from 1 to 60000"),
        ("test_size", 10001, "from 1 to 10000"),
        ("lr", "fast", "finite number > 0"),
        ("lr", -1e-3, "finite number > 0"),
        ("lr", 0.0, "finite number > 0"),
        ("batch_size", 0, "integer >= 1"),
        ("code_sizes", [16, 785], "from 1 to 784"),
        ("decay", -1e-4, ">= 0"),
        ("seeds", [], "at least 1"),
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
