"""recipes.train_or_reuse under faults: killed training resumes exactly, damaged artifacts name the file and the fix,
temporaries are cleaned, and a second writer on a profile folder is refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from mnist_helpers.data import mnist as data
from mnist_helpers.recipes import train_or_reuse as reuse
from mnist_helpers.reproduce.run_record import Run
from tests.core import test_locks_faults

held = test_locks_faults.held  # another process holding the lock of tmp_path/test


TRAIN_SCRIPT = textwrap.dedent("""
    import json, sys, torch
    torch.set_num_threads(1)
    from mnist_helpers.data import mnist as data
    from mnist_helpers.recipes import train_or_reuse as reuse
    from mnist_helpers.reproduce.run_record import Run
    split = data.load_split(2000, 500, seed=0)
    run = Run("kill", {"profile": "test"}, sys.argv[1])
    trained = reuse.train_classifier("shah_cnn", split, run, epochs=4, batch_size=64, augment=True, seed=0)
    print("FINAL " + json.dumps(trained.history.rows[-1]), flush=True)
""")


def run_training(artifacts, kill_after_epoch: int | None = None, script: str = TRAIN_SCRIPT, timeout: int = 300) -> str:
    """Run a training script in a real subprocess; optionally SIGKILL it mid-epoch after `kill_after_epoch`."""
    env = {**os.environ, "MNIST_PROGRESS": "lines", "OMP_NUM_THREADS": "1", "KERAS_BACKEND": "torch"}
    proc = subprocess.Popen([sys.executable, "-c", script, str(artifacts)], stdout=subprocess.PIPE, text=True, env=env)
    out = []
    for line in proc.stdout:
        out.append(line)
        if kill_after_epoch is not None and line.startswith(f"epoch {kill_after_epoch}/"):
            time.sleep(0.3)  # into the next epoch
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=timeout)
    return "".join(out)


def final_row(output: str) -> dict:
    return json.loads(next(line for line in output.splitlines() if line.startswith("FINAL "))[6:])


@pytest.mark.slow  # a subprocess or a real kernel: `make test` runs it, `make test-unit` skips it
def test_training_killed_mid_epoch_resumes_and_ends_like_an_uninterrupted_run(tmp_path):
    uninterrupted = final_row(run_training(tmp_path / "a"))
    killed = run_training(tmp_path / "b", kill_after_epoch=2)
    assert "FINAL" not in killed
    assert list((tmp_path / "b" / "test" / "checkpoints").glob("*.ckpt")), "no checkpoint survived the kill"
    assert not list((tmp_path / "b" / "test" / "models").glob("*.pt")), "a half-trained model was saved as final"
    resumed = run_training(tmp_path / "b")
    assert "resuming at epoch" in resumed
    row = final_row(resumed)
    for key in ("train_loss", "train_acc", "test_loss", "test_acc"):
        assert row[key] == pytest.approx(uninterrupted[key], rel=1e-6), key


@pytest.fixture()
def split():
    return data.load_split(300, 100, seed=0)


def test_truncated_model_artifact_names_the_file_and_the_fix(split, tmp_path):
    run = Run("t", {"profile": "test"}, tmp_path)
    reuse.train_classifier("mlp", split, run, epochs=1, batch_size=32)
    weights = tmp_path / "test" / "models" / "mlp-adam-seed0.pt"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"mlp-adam-seed0.pt.*delete it and re-run"):
        reuse.train_classifier("mlp", split, run, epochs=1, batch_size=32)


def test_foreign_model_artifact_names_the_file(split, tmp_path):
    run = Run("t", {"profile": "test"}, tmp_path)
    reuse.train_classifier("mlp", split, run, epochs=1, batch_size=32)
    weights = tmp_path / "test" / "models" / "mlp-adam-seed0.pt"
    weights.write_bytes(os.urandom(2000))
    with pytest.raises(ValueError, match=r"mlp-adam-seed0.pt.*delete it and re-run"):
        reuse.train_classifier("mlp", split, run, epochs=1, batch_size=32)


def test_stray_meta_json_beside_a_model_is_not_consulted(split, tmp_path):
    run = Run("t", {"profile": "test"}, tmp_path)
    reuse.train_classifier("mlp", split, run, epochs=1, batch_size=32)
    (tmp_path / "test" / "models" / "mlp-adam-seed0.json").write_text("{not json")
    assert reuse.train_classifier("mlp", split, run, epochs=1, batch_size=32).reused


def test_damaged_keras_weights_name_the_file(split, tmp_path):
    run = Run("t", {"profile": "test"}, tmp_path)
    reuse.train_keras_dutta(split, run, epochs=1, batch_size=64)
    weights = tmp_path / "test" / "models" / "dutta_keras-adam-seed0.weights.h5"
    weights.write_bytes(b"not an h5 file")
    with pytest.raises(ValueError, match=r"dutta_keras-adam-seed0.weights.h5.*delete it and re-run"):
        reuse.train_keras_dutta(split, run, epochs=1, batch_size=64)


def test_stale_temporaries_are_cleaned_by_the_recipes(split, tmp_path):
    models_dir = tmp_path / "test" / "models"
    models_dir.mkdir(parents=True)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a writer that was killed
    stale = models_dir / f".dutta_keras-adam-seed0.weights.h5.{gone.pid}.x8dabcde.mnist-tmp.weights.h5"
    stale.write_bytes(b"half a model")
    fresh = models_dir / f".mlp-adam-seed0.pt.{os.getpid()}.a1babcde.mnist-tmp"  # a live writer's, right now
    fresh.write_bytes(b"")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    reuse.train_classifier("mlp", split, Run("t", {"profile": "test"}, tmp_path), epochs=1, batch_size=32)
    assert not stale.exists() and fresh.exists()


def test_keras_save_that_fails_leaves_no_partial_file(split, tmp_path, monkeypatch):
    import keras

    def disk_full(self, path, *args, **kwargs):
        Path(path).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keras.Model, "save_weights", disk_full)
    with pytest.raises(OSError, match=r"cannot write .*dutta_keras-adam-seed0.weights.h5: No space left on device"):
        reuse.train_keras_dutta(split, Run("t", {"profile": "test"}, tmp_path), epochs=1, batch_size=64)
    assert [p.name for p in (tmp_path / "test" / "models").iterdir()] == []


def test_a_second_keras_training_on_the_same_profile_is_refused_not_collided(held, split, tmp_path):
    from mnist_helpers.core import locks

    with pytest.raises(locks.LockHeld, match=rf"in use by process {held}"):
        reuse.train_keras_dutta(split, Run("t", {"profile": "test"}, tmp_path), epochs=1, batch_size=64)
    assert not (tmp_path / "test" / "models").exists()


KERAS_SCRIPT = textwrap.dedent("""
    import json, sys, torch
    torch.set_num_threads(1)
    from mnist_helpers.data import mnist as data
    from mnist_helpers.recipes import train_or_reuse as reuse
    from mnist_helpers.reproduce.run_record import Run
    split = data.load_split(600, 200, seed=0)
    run = Run("kill", {"profile": "test"}, sys.argv[1])
    trained = reuse.train_keras_dutta(split, run, epochs=3, batch_size=32, decay=1e-3, seed=0)
    print("FINAL " + json.dumps(trained.history.rows[-1]), flush=True)
    print("PROBS " + json.dumps(trained.outputs[:20].ravel().tolist()), flush=True)
""")


def run_keras(artifacts, kill_after_epoch: int | None = None) -> str:
    return run_training(artifacts, kill_after_epoch, script=KERAS_SCRIPT, timeout=600)


@pytest.mark.slow  # a subprocess or a real kernel: `make test` runs it, `make test-unit` skips it
def test_keras_training_killed_mid_epoch_resumes_and_ends_like_an_uninterrupted_run(tmp_path):
    uninterrupted = run_keras(tmp_path / "a")
    killed = run_keras(tmp_path / "b", kill_after_epoch=1)
    assert "FINAL" not in killed
    assert list((tmp_path / "b" / "test" / "checkpoints").glob("*.npz")), "no checkpoint survived the kill"
    assert not list((tmp_path / "b" / "test" / "models").glob("*.h5")), "a half-trained model was saved as final"
    resumed = run_keras(tmp_path / "b")
    assert "resuming at epoch 2" in resumed
    row, expected = final_row(resumed), final_row(uninterrupted)
    for key in ("train_loss", "train_acc", "test_loss", "test_acc", "lr"):
        assert row[key] == pytest.approx(expected[key], rel=1e-6), key
    probs = [json.loads(x[6:]) for x in (resumed, uninterrupted) for x in x.splitlines() if x.startswith("PROBS ")]
    np.testing.assert_allclose(probs[0], probs[1], rtol=1e-5, atol=1e-7)
    assert not list((tmp_path / "b" / "test" / "checkpoints").glob("*.npz")), "checkpoint kept after the final save"


TWIN_SCRIPT = textwrap.dedent("""
    import sys, torch
    torch.set_num_threads(1)
    from mnist_helpers.data import mnist as data
    from mnist_helpers.core import locks
    from mnist_helpers.recipes import train_or_reuse as reuse
    from mnist_helpers.reproduce.run_record import Run
    split = data.load_split(300, 100, seed=0)
    try:
        trained = reuse.train_keras_dutta(split, Run("t", {"profile": "test"}, sys.argv[1]), epochs=2, batch_size=32)
        print("DONE reused" if trained.reused else "DONE trained", flush=True)
    except locks.LockHeld as e:
        print("REFUSED " + str(e), flush=True)
""")


@pytest.mark.slow  # a subprocess or a real kernel: `make test` runs it, `make test-unit` skips it
def test_two_keras_trainings_with_the_same_settings_at_once_end_trained_reused_or_refused(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "KERAS_BACKEND": "torch", "MNIST_PROGRESS": "none"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", TWIN_SCRIPT, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=600) for p in procs]
    outcomes = sorted(out.strip().splitlines()[-1].split(" ")[0] for out, _ in results)
    for (_, err), p in zip(results, procs):
        assert p.returncode == 0 and "BlockingIOError" not in err, err[-2000:]
    assert outcomes in (["DONE", "DONE"], ["DONE", "REFUSED"]), results
    for out, _ in results:
        if out.startswith("REFUSED"):
            other = next(p.pid for p, (o, _) in zip(procs, results) if o.startswith("DONE"))
            assert f"in use by process {other} on " in out
    assert [p.name for p in (tmp_path / "test" / "models").iterdir() if p.name.startswith(".")] == []
