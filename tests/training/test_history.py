"""training.history: per-epoch rows and run metadata, read back only when whole."""

import re

import pytest

from mnist_helpers.training.history import FORMAT, History


def _history(accs=(0.9, 0.95, 0.93)):
    h = History(meta={"seed": 0})
    for i, acc in enumerate(accs, 1):
        h.append(epoch=i, train_loss=1.0 / i, test_acc=acc, test_loss=0.1 * i, lr=1e-3, seconds=1.0)
    return h


def test_a_history_round_trips_through_its_json_record(tmp_path):
    h = _history()
    h.to_json(tmp_path / "h.json")
    assert History.from_json(tmp_path / "h.json") == h


def test_last_best_and_at_epoch_read_the_rows_the_book_quotes():
    h = _history()
    assert h.last_value() == 0.93 and h.best_value() == (0.95, 2) and h.at_epoch(3)["test_acc"] == 0.93
    with pytest.raises(ValueError, match=r"epoch=7 is not in this History \(epochs 1-3\)"):
        h.at_epoch(7)
    with pytest.raises(ValueError, match="unknown column"):
        h.append(epoch=4, accuracy=1.0)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"epoch": 1, "test_acc": "0.98"}, "row 1: test_acc is '0.98', not a finite number"),
        ({"epoch": 1, "train_loss": float("nan")}, "row 1: train_loss is nan, not a finite number"),
        ({"epoch": 3, "test_acc": 0.9}, "row 1: epoch 3 where 1 belongs"),
        (["1", 0.9], "row 1: a list, not a mapping"),
    ],
)
def test_a_damaged_history_row_is_refused_naming_the_row_and_the_fix(row, problem):

    with pytest.raises(ValueError, match=re.escape(f"w.pt: damaged ({problem}). Delete it and re-run")):
        History.from_dict({"format": FORMAT, "rows": [row], "meta": {}}, "w.pt: damaged")


def test_a_history_truncated_to_an_epoch_stands_as_it_did_then():
    from mnist_helpers.training.history import History

    h = History()
    for epoch, acc in ((1, 0.5), (2, 0.9), (3, 0.7)):
        h.append(epoch=epoch, test_acc=acc)
    cut = h.truncated(2)
    assert (len(cut), cut.last_value(), len(h)) == (2, 0.9, 3)
    with pytest.raises(ValueError, match="epoch=4 is not in this History"):
        h.truncated(4)
