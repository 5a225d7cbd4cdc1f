"""The from-scratch cost of a run, read from its saved models' histories: hand-made records and models."""

import pytest
import torch

from mnist_helpers.reproduce.training_cost import main, model_seconds, training_table
from mnist_helpers.training.checkpoints import save_weights
from tests.reproduce.test_run_record import whole_record, write_metrics


def saved(folder, name, seconds):
    rows = [{"epoch": i + 1, "seconds": s} for i, s in enumerate(seconds)]
    save_weights(torch.nn.Linear(2, 2), folder / name, meta={"key": {}, "history": {"rows": rows}})


METRICS = {  # a.pt is chapter 3's and chapter 8's: it counts in chapter 3 only; gone.pt was deleted
    "03_mlp": {"models": {"a.pt": "k"}},
    "08_beyond": {"models": {"a.pt": "k", "b.pt": "k", "gone.pt": "k"}},
    "01_preprocessing": {"models": {}},
}


@pytest.fixture
def models_dir(tmp_path):
    saved(tmp_path, "a.pt", [10.0, 20.0])
    saved(tmp_path, "b.pt", [3600.0])
    return tmp_path


def test_each_model_counts_once_in_the_first_chapter_that_lists_it(models_dir):
    table = training_table(METRICS, models_dir).set_index("chapter")
    assert list(table.index) == ["01_preprocessing", "03_mlp", "08_beyond"]
    assert table.loc["03_mlp"].tolist() == [1, 2, 30 / 3600, 0]
    assert table.loc["08_beyond"].tolist() == [2, 1, 1.0, 1]  # b.pt's hour; gone.pt missing, not counted as zero


def test_the_command_prints_the_total_and_the_wall_time_two_at_a_time(tmp_path, capsys):
    run = tmp_path / "full"
    (run / "models").mkdir(parents=True)
    saved(run / "models", "a.pt", [1800.0, 1800.0])
    write_metrics(tmp_path, whole_record(models={"a.pt": "k"}), "full", "03_mlp")
    main([str(run)])
    out = capsys.readouterr().out
    assert "all: 1 models, 2 epochs, 1.00 run-hours" in out and "about 0.5 hours" in out


def test_a_model_without_history_and_a_folder_without_records_are_refused_by_name(tmp_path):
    save_weights(torch.nn.Linear(2, 2), tmp_path / "old.pt", meta={"key": {}})
    with pytest.raises(ValueError, match="old.pt: no training history"):
        model_seconds(tmp_path / "old.pt")
    with pytest.raises(SystemExit):
        main([str(tmp_path / "nowhere")])


def test_the_docstrings_command_reads_the_published_run_even_without_its_models():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "mnist_helpers.reproduce.training_cost", "artifacts/full"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "08_beyond" in done.stdout and "run-hours" in done.stdout
    if not (root / "artifacts" / "full" / "models").is_dir():  # a clone: the models are not committed
        assert "not counted" in done.stdout
