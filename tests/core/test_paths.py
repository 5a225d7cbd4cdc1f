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


def test_an_installed_package_keeps_its_artifacts_beside_the_checkout_it_runs_never_in_site_packages(
    tmp_path, monkeypatch
):
    from mnist_helpers.core import paths

    site = tmp_path / "site-packages"  # an installed package: no notebooks/ beside it
    monkeypatch.setattr(paths, "PROJECT_ROOT", site)
    monkeypatch.setenv("MNIST_NOTEBOOKS_DIR", str(tmp_path / "checkout" / "notebooks"))
    assert paths.resolve_dir(None) == tmp_path / "checkout" / "artifacts"
    assert paths.default_artifacts_dir(tmp_path / "other" / "notebooks") == tmp_path / "other" / "artifacts"
    monkeypatch.delenv("MNIST_NOTEBOOKS_DIR")
    monkeypatch.chdir(tmp_path)
    assert paths.resolve_dir(None) == tmp_path / "artifacts"


def test_a_checkout_keeps_its_artifacts_in_its_own_folder():
    from mnist_helpers.core import paths

    assert paths.resolve_dir(None) == paths.PROJECT_ROOT / "artifacts"
