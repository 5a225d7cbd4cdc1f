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


# issue 20 item 5: a damaged log is refused on load, naming the file and row, before any verdict


def damaged_copy(tmp_path, epoch, column, value):
    from mnist_helpers.claims.author_logs import LOG_FILES, logs_dir

    lines = (logs_dir() / LOG_FILES["adam"]).read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[epoch].split(",")
    cells[header.index(column)] = value
    lines[epoch] = ",".join(cells)
    (tmp_path / LOG_FILES["adam"]).write_text("\n".join(lines) + "\n")
    return tmp_path / LOG_FILES["adam"]


def test_a_nan_at_the_compared_epoch_is_an_error_not_a_verdict(tmp_path):
    path = damaged_copy(tmp_path, 8, "val_accuracy", "nan")
    with pytest.raises(ValueError, match=rf"{path}, line 9 \(epoch 8\): val_accuracy = nan is not a number"):
        author_figure("adam", 8, directory=tmp_path)


def test_a_string_in_the_log_names_the_file_and_row(tmp_path):
    path = damaged_copy(tmp_path, 3, "loss", "oops")
    with pytest.raises(ValueError, match=rf"{path}, line 4 \(epoch 3\): loss = 'oops' is not a number"):
        load_author_log("adam", tmp_path)


def test_an_accuracy_above_one_names_the_file_and_row(tmp_path):
    path = damaged_copy(tmp_path, 5, "accuracy", "1.7")
    with pytest.raises(ValueError, match=rf"{path}, line 6 \(epoch 5\): accuracy = 1.7 is outside 0 to 1"):
        load_author_log("adam", tmp_path)
