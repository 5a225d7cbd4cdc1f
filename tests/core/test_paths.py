"""Project paths: the checkout root holds the package, and artifacts_dir=None means its artifacts/ folder."""

from pathlib import Path

from mnist_helpers.core.paths import DEFAULT_ARTIFACTS_DIR, PROJECT_ROOT, resolve_dir


def test_the_project_root_is_the_folder_holding_the_package():
    assert (PROJECT_ROOT / "mnist_helpers" / "core" / "paths.py").is_file()
    assert DEFAULT_ARTIFACTS_DIR == PROJECT_ROOT / "artifacts"


def test_resolve_dir_takes_none_as_the_projects_artifacts_and_a_relative_path_from_the_working_dir(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert resolve_dir(None) == DEFAULT_ARTIFACTS_DIR
    assert resolve_dir("out") == tmp_path / "out"
    assert resolve_dir(Path("~").expanduser() / "x") == Path("~").expanduser() / "x"
