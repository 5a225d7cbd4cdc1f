"""training.progress: a bar per epoch, one line per epoch, or nothing; tqdm's notebook bar only where it can draw."""

import pytest

from mnist_helpers.training.progress import report_epoch, resolve_progress


def test_auto_progress_is_lines_off_a_terminal_and_obeys_the_environment(monkeypatch):
    monkeypatch.delenv("MNIST_PROGRESS", raising=False)
    assert resolve_progress("auto") == "lines"  # pytest captures stderr: not a TTY, not a Jupyter kernel
    monkeypatch.setenv("MNIST_PROGRESS", "none")
    assert resolve_progress("auto") == "none"
    with pytest.raises(ValueError, match="progress='fancy'"):
        resolve_progress("fancy")


def test_a_progress_bar_without_ipywidgets_is_tqdms_text_bar_and_the_notebook_bar_loads_only_for_a_bar(monkeypatch):
    import importlib.util
    import subprocess
    import sys

    from mnist_helpers.training import progress

    code = "import sys, mnist_helpers.training.torch_fit, mnist_helpers.data; print({'tqdm.auto'} & set(sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "set()"
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "ipywidgets" else real_find_spec(n, *a))
    bar = progress.epoch_bar(1, 2, 10, "bar")
    try:
        assert type(bar).__module__ == "tqdm.std"  # the notebook bar would warn "IProgress not found"
    finally:
        bar.close()
    assert progress.epoch_bar(1, 2, 10, "lines") is None


def test_a_lines_report_prints_the_epochs_numbers_on_one_line(capsys):
    row = {
        "epoch": 2,
        "train_loss": 0.5,
        "train_acc": 0.9,
        "test_loss": 0.4,
        "test_acc": 0.91,
        "lr": 1e-3,
        "seconds": 1.5,
    }
    report_epoch(row, 5, "lines")
    report_epoch(row, 5, "none")
    assert capsys.readouterr().out.splitlines() == [
        "epoch 2/5  train loss 0.5000 acc 90.00%  test loss 0.4000 acc 91.00%  lr 1.00e-03  1.5 s"
    ]
