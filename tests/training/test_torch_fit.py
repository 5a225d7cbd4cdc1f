"""The torch training engine (SPEC C3, C5, C11): it fits real digits, follows the schedule, repeats, resumes."""

import math
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from mnist_helpers.augment.transforms import shah_augment
from mnist_helpers.data.mnist import load_mnist, stratified_subset, to_tensor
from mnist_helpers.models.torch_nets import MLP, DenseAutoencoder, DuttaCNNTorch, ShahCNN
from mnist_helpers.training.checkpoints import load_weights, save_weights, weights_meta
from mnist_helpers.training.history import COLUMNS, VALIDATION_COLUMNS, History, last_and_best
from mnist_helpers.training.inference import encode, predict, predict_proba, reconstruct
from mnist_helpers.training.optimizers import inverse_time_decay, make_optimizer
from mnist_helpers.training.seeding import seed_everything
from mnist_helpers.training.torch_fit import fit

N_OVERFIT = 512  # real training images, class-balanced
N_SMALL = 128  # real training images for the repeatability and resume tests
N_TEST = 200  # real test images evaluated after every epoch


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()  # $MNIST_DATA_DIR; a missing data set fails these tests instead of skipping them


@pytest.fixture(scope="module")
def digits(mnist):
    """(images uint8, labels int64) of N_OVERFIT class-balanced training images."""
    idx = stratified_subset(mnist.train_labels, N_OVERFIT)
    return mnist.train_images[idx], torch.as_tensor(mnist.train_labels[idx]).long()


@pytest.fixture(scope="module")
def small(mnist):
    """Unit-range train/test tensors for DuttaCNNTorch runs: (train_x, train_y, test_x, test_y)."""
    idx = stratified_subset(mnist.train_labels, N_SMALL, seed=1)
    return (
        to_tensor(mnist.train_images[idx], normalize=False),
        torch.as_tensor(mnist.train_labels[idx]).long(),
        to_tensor(mnist.test_images[:N_TEST], normalize=False),
        torch.as_tensor(mnist.test_labels[:N_TEST]).long(),
    )


def dutta_run(small, epochs, seed=0, checkpoint=None, batch_size=32, progress="none", run_key=None):
    """A fresh seeded DuttaCNNTorch (dropout, BatchNorm, random rotation) trained with Shah's augmentation."""
    seed_everything(seed)
    model = DuttaCNNTorch()
    history = fit(
        model,
        *small,
        epochs=epochs,
        batch_size=batch_size,
        decay=1e-4,
        augment=shah_augment,
        seed=seed,
        checkpoint=checkpoint,
        run_key=run_key,
        progress=progress,
    )
    return model, history


def numbers(history):
    """Every recorded number except wall time."""
    return [{k: v for k, v in row.items() if k != "seconds"} for row in history.rows]


def same_weights(a, b):
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))


def test_mlp_overfits_a_few_hundred_real_digits(digits):
    seed_everything(0)
    history = fit(MLP(), to_tensor(digits[0]), digits[1], None, None, epochs=8, batch_size=32, progress="none")
    assert history.last()["train_acc"] >= 0.95


def test_shah_cnn_overfits_a_few_hundred_real_digits(digits):
    seed_everything(0)
    history = fit(
        ShahCNN(), to_tensor(digits[0]), digits[1], None, None, epochs=5, batch_size=32, loss="nll", progress="none"
    )
    assert history.last()["train_acc"] >= 0.95


def test_dutta_torch_cnn_overfits_a_few_hundred_real_digits(digits):
    seed_everything(0)
    model = DuttaCNNTorch(rotation_factor=0, dropout=0)  # regularisers off: this checks capacity, not their noise
    x, y = to_tensor(digits[0][:256], normalize=False), digits[1][:256]
    history = fit(model, x, y, None, None, epochs=5, batch_size=32, progress="none")
    assert history.last()["train_acc"] >= 0.95


@pytest.mark.parametrize("optimizer", ["adam", "RMSprop"])
def test_both_optimizers_lower_the_loss(digits, optimizer):
    seed_everything(0)
    x, y = to_tensor(digits[0]), digits[1]
    history = fit(MLP(), x, y, x, y, epochs=2, batch_size=32, optimizer=optimizer, decay=1e-4, progress="none")
    assert history.rows[1]["train_loss"] < history.rows[0]["train_loss"]
    assert history.last()["test_loss"] < 0.5 * math.log(10)  # well below chance's cross-entropy


def test_scheduler_lr_at_step_n_is_inverse_time_decay():
    weight = torch.nn.Parameter(torch.zeros(3))
    optimizer, scheduler = make_optimizer("adam", [weight], lr=1e-3, decay=1e-4)
    for step in range(1, 2001):
        optimizer.step()
        scheduler.step()
        if step in (1, 10, 1875, 2000):
            assert scheduler.get_last_lr()[0] == pytest.approx(1e-3 / (1 + 1e-4 * step), rel=1e-12)
            assert optimizer.param_groups[0]["lr"] == pytest.approx(inverse_time_decay(1e-3, 1e-4, step), rel=1e-12)


def test_history_lr_is_the_decayed_rate_after_the_epochs_steps(small):
    _, history = dutta_run(small, epochs=1)
    steps = math.ceil(N_SMALL / 32)
    assert history.last()["lr"] == pytest.approx(inverse_time_decay(1e-3, 1e-4, steps), rel=1e-12)


def test_limit_batches_caps_the_steps_per_epoch():
    x, y = torch.randn(64, 1, 8, 8), torch.randint(0, 10, (64,))
    history = fit(
        torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10)),
        x,
        y,
        None,
        None,
        epochs=2,
        batch_size=8,
        decay=0.5,
        limit_batches=3,
        progress="none",
    )
    assert history.last()["lr"] == pytest.approx(inverse_time_decay(1e-3, 0.5, 2 * 3))


def test_optimizers_use_keras_defaults_so_both_paths_agree():
    weight = torch.nn.Parameter(torch.zeros(1))
    rmsprop = make_optimizer("rmsprop", [weight])[0].param_groups[0]
    adam = make_optimizer("adam", [weight])[0].param_groups[0]
    assert (rmsprop["alpha"], rmsprop["eps"], adam["eps"]) == (0.9, 1e-7, 1e-7)


def test_unknown_optimizer_name_is_rejected_listing_the_allowed_ones():
    with pytest.raises(ValueError, match="adam, rmsprop"):
        make_optimizer("sgd", [torch.nn.Parameter(torch.zeros(1))])


def test_two_seeded_runs_repeat_exactly(small):
    model_a, history_a = dutta_run(small, epochs=2, seed=3)
    model_b, history_b = dutta_run(small, epochs=2, seed=3)
    _, history_c = dutta_run(small, epochs=2, seed=4)
    assert numbers(history_a) == numbers(history_b)
    assert same_weights(model_a, model_b)
    assert numbers(history_a) != numbers(history_c)  # the seed matters, so the equality above means something


def test_reloaded_weights_give_identical_predictions(small, tmp_path):
    model, _ = dutta_run(small, epochs=1)
    save_weights(model, tmp_path / "dutta.pt", meta={"seed": 0, "epochs": 1})
    fresh = DuttaCNNTorch()
    assert load_weights(fresh, tmp_path / "dutta.pt") == {"seed": 0, "epochs": 1}
    np.testing.assert_array_equal(predict_proba(fresh, small[2]), predict_proba(model, small[2]))


def test_resume_continues_after_the_checkpoint_and_ends_equal_to_an_uninterrupted_run(small, tmp_path, capsys):
    checkpoint = tmp_path / "run.pt"
    _, first_two = dutta_run(small, epochs=2, checkpoint=checkpoint)
    resumed_model, resumed = dutta_run(small, epochs=4, checkpoint=checkpoint)
    assert "resuming at epoch 3/4" in capsys.readouterr().out
    assert resumed.rows[:2] == first_two.rows  # wall times too: epochs 1-2 came from the checkpoint
    straight_model, straight = dutta_run(small, epochs=4)
    assert numbers(resumed) == numbers(straight)
    assert same_weights(resumed_model, straight_model)


def test_a_finished_checkpoint_returns_its_history_without_training(small, tmp_path):
    checkpoint = tmp_path / "run.pt"
    model, first = dutta_run(small, epochs=1, checkpoint=checkpoint)
    again_model, again = dutta_run(small, epochs=1, checkpoint=checkpoint)
    assert again.rows == first.rows  # wall time too: nothing was re-run
    assert same_weights(again_model, model)


def test_a_checkpoint_with_different_parameters_is_stale_and_training_starts_fresh(small, tmp_path, capsys):
    checkpoint = tmp_path / "run.pt"
    dutta_run(small, epochs=1, checkpoint=checkpoint)
    capsys.readouterr()
    _, history = dutta_run(small, epochs=1, checkpoint=checkpoint, batch_size=64)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and "stale" in out[0] and "batch_size 32 -> 64" in out[0]
    assert [row["epoch"] for row in history.rows] == [1]
    assert history.meta["batch_size"] == 64


def _spoil(path, how):
    if how == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "random bytes":
        path.write_bytes(np.random.default_rng(0).bytes(4096))
    else:
        path.write_text('{"epoch": 2}\n')


@pytest.mark.parametrize("how", ["truncated", "random bytes", "a JSON file"])
def test_a_corrupt_checkpoint_raises_value_error_naming_the_file(tmp_path, how):
    x, y = torch.randn(16, 1, 8, 8), torch.randint(0, 10, (16,))
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
    checkpoint = tmp_path / "broken.pt"
    fit(net, x, y, None, None, epochs=1, batch_size=8, checkpoint=checkpoint, progress="none")
    _spoil(checkpoint, how)
    with pytest.raises(ValueError, match=r"broken\.pt.*delete it and re-run"):
        fit(net, x, y, None, None, epochs=2, batch_size=8, checkpoint=checkpoint, progress="none")


@pytest.mark.parametrize("how", ["truncated", "random bytes", "a JSON file"])
def test_a_corrupt_weights_file_raises_value_error_naming_the_file(tmp_path, how):
    net = torch.nn.Linear(4, 2)
    save_weights(net, tmp_path / "broken.pt")
    _spoil(tmp_path / "broken.pt", how)
    with pytest.raises(ValueError, match=r"broken\.pt.*delete it and re-run"):
        load_weights(net, tmp_path / "broken.pt")


def test_mse_trains_an_autoencoder_to_reproduce_its_input(digits):
    seed_everything(0)
    model = DenseAutoencoder(16)
    x = to_tensor(digits[0], normalize=False)
    history = fit(model, x, None, x, None, epochs=3, batch_size=32, loss="mse", progress="none")
    assert history.last()["test_loss"] < history.rows[0]["test_loss"] < 0.1
    assert history.last()["train_acc"] is None and history.last()["test_acc"] is None
    assert reconstruct(model, x[:5]).shape == (5, 1, 28, 28)
    assert encode(model, x[:5]).shape == (5, 16)


def test_predict_proba_gives_probability_rows_for_logit_and_log_prob_models(digits):
    x = to_tensor(digits[0][:50])
    for model in (MLP(), ShahCNN()):  # logits, log-probabilities
        probs = predict_proba(model, x, batch_size=16)
        assert probs.shape == (50, 10)
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
        np.testing.assert_array_equal(predict(model, x), probs.argmax(axis=1))


def test_predict_proba_of_a_log_prob_model_is_the_exp_of_its_output(digits):
    model, x = ShahCNN().eval(), to_tensor(digits[0][:50])
    with torch.no_grad():
        expected = model(x).exp().numpy()
    np.testing.assert_allclose(predict_proba(model, x), expected, atol=1e-6)


def test_history_round_trips_through_json(tmp_path):
    history = History(meta={"seed": 0, "optimizer": "adam"})
    history.append(epoch=1, train_loss=0.5, train_acc=0.9, test_loss=0.4, test_acc=0.91, lr=1e-3, seconds=1.5)
    history.append(epoch=2, train_loss=0.25, train_acc=None, test_loss=0.3, test_acc=0.93, lr=9.9e-4, seconds=1.4)
    history.to_json(tmp_path / "history.json")
    back = History.from_json(tmp_path / "history.json")
    assert back.rows == history.rows and back.meta == history.meta
    assert list(back.to_frame().columns) == [c for c in COLUMNS if c not in VALIDATION_COLUMNS]


def test_history_best_is_the_highest_test_accuracy_and_last_the_final_epoch():
    history = History()
    for epoch, acc in enumerate([0.90, 0.95, 0.93], start=1):
        history.append(epoch=epoch, test_acc=acc, test_loss=1 - acc)
    assert history.best()["epoch"] == 2 and history.last()["epoch"] == 3
    assert history.best("test_loss")["epoch"] == 2


def test_progress_lines_prints_exactly_one_line_per_epoch(capsys):
    x, y = torch.randn(32, 1, 8, 8), torch.randint(0, 10, (32,))
    fit(
        torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10)),
        x,
        y,
        x,
        y,
        epochs=3,
        batch_size=8,
        progress="lines",
    )
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 3 and all(line.startswith(f"epoch {i}/3  train loss") for i, line in enumerate(lines, 1))
    assert captured.err == ""


def _threads_in_subprocess(env_update, requested="None"):
    code = (
        "import torch; from mnist_helpers.core.threads import configure_threads; "
        f"print(configure_threads({requested}), torch.get_num_threads())"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"} | env_update
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    return tuple(int(n) for n in out.split())


def test_configure_threads_respects_omp_num_threads():
    assert _threads_in_subprocess({"OMP_NUM_THREADS": "1"}, requested="8") == (1, 1)


def test_configure_threads_uses_the_cores_this_process_may_run_on():
    cores = len(os.sched_getaffinity(0))
    assert _threads_in_subprocess({}) == (cores, cores)


def test_history_last_and_best_values_and_epoch_lookup():
    history = History()
    for epoch, acc in enumerate([0.97, 0.99, 0.98], start=1):
        history.append(epoch=epoch, test_acc=acc, test_loss=1 - acc)
    assert history.last_value() == 0.98 and history.best_value() == (0.99, 2)
    assert history.at_epoch(2)["test_acc"] == 0.99
    with pytest.raises(ValueError, match="epochs 1-3"):
        history.at_epoch(4)


def test_last_and_best_table_labels_the_best_epoch_optimistic():
    history = History()
    for epoch, acc in enumerate([0.97, 0.99, 0.98], start=1):
        history.append(epoch=epoch, test_acc=acc)
    table = last_and_best({"seed 0": history})
    assert table.loc["seed 0", "last epoch (%)"] == pytest.approx(98.0)
    assert table.loc["seed 0", "best epoch (%), optimistic"] == pytest.approx(99.0)


def test_a_checkpoint_made_under_another_run_key_is_stale(small, tmp_path, capsys):
    # The twin's rotation factor is a constructor setting fit cannot see: the recipe's key carries it.
    checkpoint = tmp_path / "run.pt"
    dutta_run(small, epochs=1, checkpoint=checkpoint, run_key={"rotation_factor": 0.1, "epochs": 1})
    capsys.readouterr()
    dutta_run(small, epochs=2, checkpoint=checkpoint, run_key={"rotation_factor": 0.1, "epochs": 2})
    assert "resuming at epoch 2/2" in capsys.readouterr().out  # a longer run of the same key resumes
    _, history = dutta_run(small, epochs=2, checkpoint=checkpoint, run_key={"rotation_factor": 0.0, "epochs": 2})
    out = capsys.readouterr().out
    assert "stale" in out and "run_key.rotation_factor 0.1 -> 0.0" in out
    assert [row["epoch"] for row in history.rows] == [1, 2]


@pytest.mark.parametrize("damage", ["zeroed tensor", "flipped byte"])
def test_damaged_weights_are_refused_on_load(small, tmp_path, damage):
    model, _ = dutta_run(small, epochs=1)
    path = tmp_path / "dutta.pt"
    save_weights(model, path, meta={"seed": 0})
    if damage == "zeroed tensor":  # the stored settings and format intact, the values not
        state = torch.load(path, weights_only=True)
        next(iter(state["model"].values())).zero_()
        torch.save(state, path)
    else:  # one byte flipped inside the largest tensor's stored values
        values = max(model.state_dict().values(), key=lambda t: t.numel()).numpy().tobytes()
        raw = bytearray(path.read_bytes())
        at = raw.find(values) + len(values) // 2
        raw[at] ^= 0x01
        path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="dutta.pt: its weights do not match their checksum"):
        load_weights(DuttaCNNTorch(), path)


def test_weights_of_the_older_format_give_their_meta_but_never_their_weights(small, tmp_path):
    model, _ = dutta_run(small, epochs=1)
    path = tmp_path / "old.pt"
    torch.save({"format": "mnist_helpers.weights/1", "model": model.state_dict(), "meta": {"seed": 0}}, path)
    assert weights_meta(path) == {"seed": 0}  # a recipe compares its key with this, then retrains over the file
    with pytest.raises(ValueError, match="old.pt: its weights do not match their checksum"):
        load_weights(DuttaCNNTorch(), path)
