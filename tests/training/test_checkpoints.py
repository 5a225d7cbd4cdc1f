"""training.checkpoints: weights and training state written atomically, read back only when whole and matching."""

import pytest
import torch
from torch import nn

from mnist_helpers.training.checkpoints import (
    arrays_checksum,
    plain,
    resume,
    save_state,
    save_weights,
    training_state,
    weights_meta,
)
from mnist_helpers.training.history import History
from mnist_helpers.training.optimizers import make_optimizer


def _state(tmp_path, run_key):
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    opt, scheduler = make_optimizer("adam", model.parameters())
    history = History(meta={"seed": 0, "epochs": 3})
    history.append(epoch=1, train_loss=0.5)
    save_state(tmp_path / "c.pt", training_state(1, model, opt, scheduler, history, None, run_key))
    return model, opt, scheduler


def test_a_checkpoint_resumes_under_its_own_key_and_a_longer_run(tmp_path, capsys):
    model, opt, scheduler = _state(tmp_path, {"rotation_factor": 0.1, "epochs": 3})
    fresh = History(meta={"seed": 0, "epochs": 5})  # a longer run of the same settings
    assert resume(tmp_path / "c.pt", model, opt, scheduler, fresh, 5, {"rotation_factor": 0.1, "epochs": 5}) == 2
    assert fresh.rows[0]["train_loss"] == 0.5 and "resuming at epoch 2/5" in capsys.readouterr().out


def test_a_checkpoint_under_another_key_is_stale_naming_what_changed(tmp_path, capsys):
    model, opt, scheduler = _state(tmp_path, {"rotation_factor": 0.1})
    fresh = History(meta={"seed": 0, "epochs": 3})
    assert resume(tmp_path / "c.pt", model, opt, scheduler, fresh, 3, {"rotation_factor": 0.0}) == 1
    assert "stale (parameters changed: run_key.rotation_factor 0.1 -> 0.0)" in capsys.readouterr().out
    assert fresh.rows == []


def test_the_checksum_sees_every_value_name_and_shape():
    import numpy as np

    base = arrays_checksum([("w", np.zeros((2, 3), dtype=np.float32))])
    assert base == arrays_checksum([("w", np.zeros((2, 3), dtype=np.float32))])
    assert base != arrays_checksum([("w", np.zeros((3, 2), dtype=np.float32))])
    assert base != arrays_checksum([("v", np.zeros((2, 3), dtype=np.float32))])
    changed = np.zeros((2, 3), dtype=np.float32)
    changed[1, 2] = 1e-30
    assert base != arrays_checksum([("w", changed)])


def test_meta_and_run_keys_hold_plain_values_only(tmp_path):
    assert plain({"sizes": (1, 2)}) == {"sizes": [1, 2]}
    with pytest.raises(ValueError, match="a run key must hold plain values"):
        plain({"model": nn.Linear(1, 1)})
    save_weights(nn.Linear(1, 1), tmp_path / "w.pt", meta={"seed": 3})
    assert weights_meta(tmp_path / "w.pt") == {"seed": 3}
    with pytest.raises(ValueError, match="meta must hold plain values"):
        save_weights(nn.Linear(1, 1), tmp_path / "x.pt", meta={"f": print})
