"""reproduce.profile_spec: misspelt chapters, unknown or repeated keys and non-mappings fail before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnist_helpers.reproduce import chapters, profile_spec
from mnist_helpers.reproduce.params import ParameterError

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.mark.parametrize(
    "yaml_text, message",
    [
        ("chapters:\n  03_mpl:\n    epochs: 3\n", r"unknown chapter '03_mpl' \(did you mean '03_mlp'\?\).*04_cnn"),
        ("all:\n  epoch: 5\n", r"unknown parameter 'epoch' \(did you mean 'epochs'\?\)"),
        ("chapters:\n  03_mlp:\n    epochs: 3\n    epochs: 4\n", r"'epochs' twice"),
        ("chapters:\n  03_mlp:\n    epochs: 3\n  03_mlp:\n    epochs: 4\n", r"'03_mlp' twice"),
        ("chapters:\n  03_mlp: 5\n", r"chapter '03_mlp' must be a mapping"),
        ("all: [1, 2]\n", r"'all' must be a mapping"),
        ("chapters:\n  07_confusion:\n    epochs: 0\n", r"chapter 07_confusion: parameter 'epochs' = 0"),
    ],
)
def test_bad_profile_is_refused_whole_before_any_chapter_is_prepared(tmp_path, yaml_text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ParameterError, match=message):
        spec = profile_spec.load_profile(str(path), NOTEBOOKS)
        for nb in chapters.notebooks(NOTEBOOKS)[:1]:  # the runner prepares its first chapter...
            profile_spec.chapter_parameters(spec, nb)
