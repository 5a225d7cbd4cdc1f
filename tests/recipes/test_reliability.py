"""Nothing is lost: killed training resumes exactly; damaged artifacts give errors that name the file and the fix."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from mnist_helpers.core import atomic
from mnist_helpers.data import mnist as data
from mnist_helpers.recipes import train_or_reuse as reuse
from mnist_helpers.reproduce import run_record as provenance
from mnist_helpers.reproduce.run_record import Run

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


def test_metrics_json_that_does_not_parse_names_the_file(tmp_path):
    folder = tmp_path / "quick" / "metrics"
    folder.mkdir(parents=True)
    (folder / "03_mlp.json").write_text('{"chapter": "03_mlp", "metr')
    with pytest.raises(ValueError, match=r"03_mlp.json: not valid JSON.*Delete the file and re-run"):
        provenance.load_metrics(tmp_path, "quick")


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


def test_metrics_are_written_atomically_with_provenance(tmp_path):
    run = Run("03_mlp", {"profile": "quick", "epochs": 2}, tmp_path)
    run.record(test_accuracy=np.float32(0.5))
    record = run.save()
    on_disk = json.loads((tmp_path / "quick" / "metrics" / "03_mlp.json").read_text())
    assert on_disk == json.loads(json.dumps(record, default=float))
    for key in ("git_commit", "code_version", "packages", "hardware", "wall_time_s", "params"):
        assert key in on_disk
    assert not [p for p in (tmp_path / "quick" / "metrics").iterdir() if p.name.startswith(".")]


# ---------------------------------------------------------------- writes: mode, failures, temporaries (issue 13)


def test_atomic_writes_respect_the_umask_like_an_ordinary_write(tmp_path):
    old = os.umask(0o027)
    try:
        atomic.write_text(tmp_path / "a.json", "{}")
        (tmp_path / "b.json").write_text("{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == stat.S_IMODE((tmp_path / "b.json").stat().st_mode)


def test_write_into_a_path_whose_folder_is_a_file_names_the_path_and_the_fix(tmp_path):
    (tmp_path / "metrics").write_text("a file where a folder should be")
    with pytest.raises(OSError, match=r"cannot write .*metrics/03_mlp.json: .*Fix: .*metrics is a file, not a folder"):
        atomic.write_json(tmp_path / "metrics" / "03_mlp.json", {"a": 1})


FULL_DISK_SCRIPT = textwrap.dedent("""
    import resource, signal, sys, torch
    from mnist_helpers.core import atomic
    from mnist_helpers.training import checkpoints
    from mnist_helpers.models import torch_nets as models
    from mnist_helpers.training import torch_fit as train
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG, like a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    try:
        {call}
    except OSError as e:
        print("ERROR " + str(e))
""")


@pytest.mark.parametrize(
    "call, name",
    [
        ("atomic.write_bytes(sys.argv[1] + '/metrics.json', bytes(100_000))", "metrics.json"),
        (
            "checkpoints.save_weights(models.MODELS['mlp'](), sys.argv[1] + '/mlp.pt')",
            "mlp.pt",
        ),  # torch's inline_container
    ],
)
@pytest.mark.slow  # a subprocess or a real kernel: `make test` runs it, `make test-unit` skips it
def test_full_disk_names_the_path_the_cause_and_the_fix_and_leaves_no_temporary(tmp_path, call, name):
    script = FULL_DISK_SCRIPT.replace("{call}", call)
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=120)
    line = next((x for x in out.stdout.splitlines() if x.startswith("ERROR ")), out.stdout + out.stderr)
    assert f"cannot write {tmp_path / name}" in line, line
    assert "disk full?" in line and "Fix: free disk space" in line, line
    assert list(tmp_path.iterdir()) == []


def test_temporaries_have_unique_names_matched_by_the_stale_pattern_and_ignored_by_git(tmp_path):
    with (
        atomic.atomic_path(tmp_path / "m.weights.h5", suffix=".weights.h5") as a,
        atomic.atomic_path(tmp_path / "m.weights.h5", suffix=".weights.h5") as b,
    ):
        assert a != b and a.name.endswith(".tmp.weights.h5") and a.name.startswith(".m.weights.h5.")
        a.write_bytes(b"a")
        b.write_bytes(b"b")
    for debris in (a, b):  # as a killed writer would leave them
        debris.write_bytes(b"half")
    assert set(atomic.clean_stale(tmp_path, older_than=0)) == {a, b}
    assert [p.name for p in tmp_path.iterdir()] == ["m.weights.h5"]
    root = Path(__file__).resolve().parents[2]
    for name in ("book/.03_mlp.ipynb.k2j3.tmp.ipynb", "artifacts/full/metrics/.03_mlp.json.k2j3.tmp"):
        assert subprocess.run(["git", "check-ignore", "-q", name], cwd=root).returncode == 0, name


def test_stale_temporaries_are_cleaned_by_the_recipes(split, tmp_path):
    models_dir = tmp_path / "test" / "models"
    models_dir.mkdir(parents=True)
    stale = models_dir / ".dutta_keras-adam-seed0.weights.h5.x8d.tmp.weights.h5"
    stale.write_bytes(b"half a model")
    fresh = models_dir / ".mlp-adam-seed0.pt.a1b.tmp"  # as if another process were writing it right now
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


# ---------------------------------------------------------------- one writer per profile folder (issue 13 case 9)

HOLD_SCRIPT = textwrap.dedent("""
    import sys, time
    from mnist_helpers.core import locks
    with locks.folder_lock(sys.argv[1]):
        print("HELD", flush=True)
        time.sleep(60)
""")


@pytest.fixture()
def held(tmp_path):
    """Another process holding the lock of tmp_path/quick; yields its pid."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_SCRIPT, str(tmp_path / "test")], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "HELD"
    yield proc.pid
    proc.kill()
    proc.wait()


def test_a_held_profile_folder_is_refused_naming_pid_host_command_and_since(held, tmp_path):
    from mnist_helpers.core import locks

    refused = rf"test is in use by process {held} on \S+ \(.*-c.*\), since 20\d\d-"
    with pytest.raises(locks.LockHeld, match=refused), locks.folder_lock(tmp_path / "test"):
        pass


def test_a_second_keras_training_on_the_same_profile_is_refused_not_collided(held, split, tmp_path):
    from mnist_helpers.core import locks

    with pytest.raises(locks.LockHeld, match=rf"in use by process {held}"):
        reuse.train_keras_dutta(split, Run("t", {"profile": "test"}, tmp_path), epochs=1, batch_size=64)
    assert not (tmp_path / "test" / "models").exists()


def test_the_lock_of_a_killed_holder_is_free(held, tmp_path):
    from mnist_helpers.core import locks

    os.kill(held, signal.SIGKILL)
    time.sleep(0.5)
    with locks.folder_lock(tmp_path / "test"):
        pass


# ---------------------------------------------------------------- Keras checkpoints (issue 13 case 10)

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
