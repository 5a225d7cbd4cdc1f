"""Nothing is lost: killed training resumes exactly; damaged artifacts give errors that name the file and the fix."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from mnist_helpers import data, provenance, reuse
from mnist_helpers.provenance import Run

TRAIN_SCRIPT = textwrap.dedent("""
    import json, sys, torch
    torch.set_num_threads(1)
    from mnist_helpers import data, reuse
    from mnist_helpers.provenance import Run
    split = data.load_split(2000, 500, seed=0)
    run = Run("kill", {"profile": "test"}, sys.argv[1])
    trained = reuse.train_classifier("shah_cnn", split, run, epochs=4, batch_size=64, augment=True, seed=0)
    print("FINAL " + json.dumps(trained.history.rows[-1]), flush=True)
""")


def run_training(artifacts, kill_after_epoch: int | None = None) -> str:
    """Run the training script in a real subprocess; optionally SIGKILL it mid-epoch after `kill_after_epoch`."""
    env = {**os.environ, "MNIST_PROGRESS": "lines", "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", TRAIN_SCRIPT, str(artifacts)], stdout=subprocess.PIPE, text=True, env=env
    )
    out = []
    for line in proc.stdout:
        out.append(line)
        if kill_after_epoch is not None and line.startswith(f"epoch {kill_after_epoch}/"):
            time.sleep(0.3)  # into the next epoch
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=300)
    return "".join(out)


def final_row(output: str) -> dict:
    return json.loads(next(line for line in output.splitlines() if line.startswith("FINAL "))[6:])


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
