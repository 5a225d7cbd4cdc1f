"""Dutta's logs read as the README describes them."""

import pytest

from mnist_helpers.claims.author_logs import author_best, author_figure, author_history, load_author_log


@pytest.mark.parametrize(
    ("optimizer", "epoch", "expected"),
    [("adam", 8, 98.87), ("adam", 5, 98.26), ("rmsprop", 8, 98.42), ("rmsprop", 5, 98.48), ("adam", 60, 99.30)],
)
def test_author_figure_at_an_epoch_matches_the_readme(optimizer, epoch, expected):
    assert author_figure(optimizer, epoch) == pytest.approx(expected, abs=1e-9)


def test_author_best_is_adam_epoch_50_and_rmsprop_epoch_27():
    assert author_best("adam") == (pytest.approx(99.39), 50)
    assert author_best("rmsprop") == (pytest.approx(99.00), 27)


def test_author_log_has_sixty_epochs_and_the_keras_columns():
    log = load_author_log("rmsprop")
    assert len(log) == 60 and list(log.columns) == ["seconds", "loss", "accuracy", "val_loss", "val_accuracy"]


def test_author_history_puts_validation_in_the_test_columns():
    history = author_history("adam")
    assert history.at_epoch(8)["test_acc"] == pytest.approx(0.9887) and history.last_value() == pytest.approx(0.9930)


def test_epoch_outside_the_log_is_rejected_naming_the_range():
    with pytest.raises(ValueError, match="1 to 60"):
        author_figure("adam", 61)


def test_missing_log_names_the_file_and_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="AUTHOR_LOGS_DIR"):
        load_author_log("adam", tmp_path)


def test_a_truncated_log_is_rejected(tmp_path):
    (tmp_path / "dutta_cnn_adam.csv").write_text("epoch,seconds,loss,accuracy,val_loss,val_accuracy\n1,1,1,0.5,1,0.5\n")
    with pytest.raises(ValueError, match="epochs 1-60"):
        load_author_log("adam", tmp_path)
