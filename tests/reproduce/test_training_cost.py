"""The from-scratch cost of a run, read from its saved models' histories: hand-made records and models."""

import pytest
import torch

from mnist_helpers.models.torch_nets import ConvAutoencoder, DuttaCNNTorch
from mnist_helpers.reproduce.training_cost import (
    counted_model,
    floor_hours,
    main,
    model_cost,
    model_seconds,
    model_table,
    training_summary,
    training_table,
)
from mnist_helpers.training.checkpoints import save_weights
from tests.reproduce.test_run_record import whole_record, write_metrics

# MLP 784-300-10, per image: forward 2·(784·300 + 300·10) = 476,400 FLOPs; a training step adds the weight gradients
# (one forward's worth) and the input gradients of every layer but the first: 3 · 476,400 − 2 · 784 · 300.
MLP_STEP = 3 * 476_400 - 2 * 784 * 300  # 958,800


def saved(folder, name, seconds, model="mlp", n_train=100, **key):
    rows = [{"epoch": i + 1, "seconds": s} for i, s in enumerate(seconds)]
    meta = {"key": {"name": model, **key}, "history": {"rows": rows, "meta": {"n_train": n_train}}}
    save_weights(torch.nn.Linear(2, 2), folder / name, meta=meta)


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


def test_a_models_cost_is_its_epochs_times_its_images_times_its_counted_training_step(tmp_path):
    saved(tmp_path, "m.pt", [2.0, 3.0], n_train=100)
    cost = model_cost(tmp_path / "m.pt")
    assert (cost.model, cost.epochs, cost.seconds, cost.images) == ("mlp", 2, 5.0, 200)
    assert cost.flop == 200 * MLP_STEP


def test_the_counted_model_is_the_one_the_key_names_and_keras_counts_as_its_twin():
    assert isinstance(counted_model("dutta_keras", {"rotation_factor": 0.1}), DuttaCNNTorch)
    assert isinstance(counted_model("conv_ae", {"code_size": 8}), ConvAutoencoder)
    assert counted_model("shah_cnn", {"model_kwargs": {"conv3": True}}).__class__.__name__ == "ShahCNN"
    with pytest.raises(ValueError, match="'vgg16' is not one the recipes train"):
        counted_model("vgg16", {})


def test_a_model_whose_key_names_no_model_is_refused_by_name(tmp_path):
    save_weights(torch.nn.Linear(2, 2), tmp_path / "old.pt", meta={"key": {}, "history": {"rows": [{"seconds": 1}]}})
    with pytest.raises(ValueError, match="old.pt: its key names no model"):
        model_cost(tmp_path / "old.pt")


def test_the_model_table_groups_by_model_most_run_hours_first_with_shares_and_rates(tmp_path):
    saved(tmp_path, "a.pt", [1800.0], n_train=1000)  # mlp, half an hour
    saved(tmp_path, "b.pt", [1800.0, 1800.0], n_train=1000)  # mlp, an hour
    saved(tmp_path, "c.pt", [900.0], model="mlp_mse", n_train=1000)  # a quarter of an hour
    metrics = {
        "03_mlp": {"models": {"a.pt": "k", "c.pt": "k"}},
        "05_optimizers": {"models": {"b.pt": "k", "x.pt": "k"}},
    }
    table = model_table(metrics, tmp_path).set_index("model")
    assert list(table.index) == ["mlp", "mlp_mse"]
    mlp = table.loc["mlp"]
    assert (mlp["runs"], mlp["epochs"], mlp["run-hours"]) == (2, 3, 1.5)
    assert mlp["images (M)"] == pytest.approx(3000 / 1e6)
    assert mlp["TFLOP"] == pytest.approx(3000 * MLP_STEP / 1e12)
    assert mlp["share"] == pytest.approx(1.5 / 1.75)
    assert mlp["GFLOP/s per run"] == pytest.approx(3000 * MLP_STEP / 5400 / 1e9)


def test_the_summary_totals_the_chapters_and_halves_the_hours_for_two_runs_at_once(models_dir):
    total = training_summary(training_table(METRICS, models_dir))
    assert total == {
        "models": 3,
        "epochs": 3,
        "run_hours": 1 + 30 / 3600,
        "wall_hours": (1 + 30 / 3600) / 2,
        "missing": 1,
    }


def test_the_floor_is_the_work_at_the_matmul_rate_and_needs_a_rate():
    assert floor_hours(180.0, 100.0) == pytest.approx(0.5)  # 180e12 FLOP / 100e9 per s = 1,800 s
    with pytest.raises(ValueError, match="matmul_gflops=0"):
        floor_hours(1.0, 0)


def test_the_command_prints_the_models_and_the_floor_when_given_the_matmul_rate(tmp_path, capsys):
    run = tmp_path / "full"
    (run / "models").mkdir(parents=True)
    saved(run / "models", "a.pt", [3600.0], n_train=1_000_000)
    write_metrics(tmp_path, whole_record(models={"a.pt": "k"}), "full", "03_mlp")
    main([str(run), "--matmul-gflops", "100"])
    out = capsys.readouterr().out
    tflop = 1_000_000 * MLP_STEP / 1e12
    assert "By model, most run-hours first:" in out and "mlp" in out
    assert f"{tflop:.0f} TFLOP of training steps at 100 GFLOP/s: at least {tflop * 1e3 / 100 / 3600:.2f} hours" in out
