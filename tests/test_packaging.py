"""Packaging: the helper package needs only its own dependencies; extras, conda and the wheel agree."""

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
TOOLCHAIN = ("papermill", "jupyter-book", "jupyterlab", "ipywidgets", "pytest", "nbval", "playwright")


def requirement_map(reqs):
    out = {}
    for r in reqs:
        name = re.split(r"[<>=!~ \[]", r, maxsplit=1)[0].lower()
        if name != PROJECT["name"]:  # an extra that pulls in another extra of this package
            out[name] = r.replace(" ", "")
    return out


CONDA_NAMES = {"torch": "pytorch-cpu", "dask": "dask"}  # pip name -> conda-forge name where they differ
LOCK = ROOT / "requirements" / "lock.txt"


def lock_pins():
    lines = [line.strip() for line in LOCK.read_text().splitlines()]
    pins = (line.split("==", 1) for line in lines if line and not line.startswith("#"))
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pins}  # PEP 503 names


def test_environment_yml_names_the_same_packages_and_bounds_as_pyproject_with_every_extra():
    wanted = requirement_map(
        [r for reqs in [PROJECT["dependencies"], *PROJECT["optional-dependencies"].values()] for r in reqs]
    )
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    got = requirement_map([r.split("#")[0] for r in pip_section if not r.startswith("-e")])
    conda = {str(d).split(">")[0].split("<")[0].split("=")[0]: str(d) for d in env["dependencies"]}
    for name, req in wanted.items():
        bounds = req.split("]")[-1].removeprefix(name) if "]" in req else req[len(name) :]
        conda_name = CONDA_NAMES.get(name, name)
        assert got.get(name) == req or conda.get(conda_name) == conda_name + bounds, f"{req} not in environment.yml"
    assert "python=3.11" in env["dependencies"] and env["channels"] == ["conda-forge"]


def test_conda_users_get_the_cpu_torch_from_conda_forge_not_pip():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert any(str(d).startswith("pytorch-cpu") for d in env["dependencies"])
    assert not any(r.startswith("torch") for r in pip_section)
    assert "requirements/lock.txt" in (ROOT / "environment.yml").read_text()  # it says how it relates to the lock


def test_torch_has_a_lower_bound_in_pyproject_and_its_exact_pin_in_the_lock():
    deps = requirement_map(PROJECT["dependencies"])
    book = requirement_map(PROJECT["optional-dependencies"]["book"])
    assert deps["torch"].startswith("torch>=") and "==" not in deps["torch"]
    assert lock_pins()["torch"] == "2.13.0"  # the CPU build: pip takes 2.13.0+cpu where it is offered
    assert "<2" in book["jupyter-book"]


def test_the_lock_pins_every_requirement_of_the_package_and_its_extras():
    pins = lock_pins()
    names = {
        re.split(r"[<>=!~ \[]", r, maxsplit=1)[0].lower()
        for reqs in PROJECT["optional-dependencies"].values()
        for r in reqs
    } | set(requirement_map(PROJECT["dependencies"]))
    names -= {PROJECT["name"], "jupyterlab", "ipywidgets"}  # [lab] is not in the published run's environment
    assert not names - set(pins), "refresh requirements/lock.txt (see its header)"


def test_make_installs_every_environment_with_the_lock_as_constraints():
    makefile = (ROOT / "Makefile").read_text()
    assert "LOCK := requirements/lock.txt" in makefile
    assert "pip install --quiet -c $(LOCK) -e" in makefile and "pyproject.toml $(LOCK)" in makefile


def test_binder_installs_the_package_with_the_lock_and_the_cpu_torch_index():
    lines = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    assert "-c ../requirements/lock.txt" in lines and (ROOT / "binder" / "../requirements/lock.txt").is_file()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    assert any(line.startswith(".[book") for line in lines)


def test_project_urls_follow_the_books_one_repository_setting():
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    if not url:  # not published yet: no address at all rather than a made-up one
        assert "urls" not in PROJECT
    else:
        assert {"Homepage", "Source", "Issues"} <= set(PROJECT["urls"]) and PROJECT["urls"]["Source"] == url


def test_project_metadata_has_authors_and_classifiers():
    assert PROJECT["authors"] and any(c == "Typing :: Typed" for c in PROJECT["classifiers"])
    assert {"Programming Language :: Python :: 3.11", "Programming Language :: Python :: 3.12"} <= set(
        PROJECT["classifiers"]
    )


def test_mypy_checks_the_package_and_make_lint_runs_it():
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert mypy["files"] == ["mnist_helpers"] and mypy["ignore_missing_imports"] is True
    assert (ROOT / "mnist_helpers" / "py.typed").is_file()
    assert re.search(r"^lint: .*\btypecheck\b", (ROOT / "Makefile").read_text(), re.M)


def test_pre_commit_hooks_are_pinned_to_the_locked_ruff():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    assert all(repo["repo"] != "local" and repo.get("rev") for repo in config["repos"])
    (ruff,) = [r for r in config["repos"] if r["repo"].endswith("/ruff-pre-commit")]
    assert ruff["rev"] == "v" + lock_pins()["ruff"]


def test_the_helper_package_does_not_require_the_toolchain():
    deps = requirement_map(PROJECT["dependencies"])
    assert not set(TOOLCHAIN) & set(deps), "move these to an extra ([book], [lab] or [dev])"


def test_dev_extra_includes_the_book_extra():
    assert f"{PROJECT['name']}[book]" in PROJECT["optional-dependencies"]["dev"]


def test_wheel_builds_without_warnings_ships_the_profiles_and_its_scratch_folders_are_ignored(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert "Warning" not in log, log
    (wheel,) = tmp_path.glob("mnist_helpers-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"mnist_helpers/reproduce/profiles/quick.yaml", "mnist_helpers/reproduce/profiles/full.yaml"} <= set(names)
    assert "mnist_helpers/py.typed" in names
    ignored = subprocess.run(
        ["git", "check-ignore", "build/", "mnist_helpers.egg-info/"], cwd=ROOT, capture_output=True
    )
    assert ignored.returncode == 0 and len(ignored.stdout.splitlines()) == 2, "add build/ and *.egg-info/ to .gitignore"


def test_only_the_deploy_job_may_write_pages_and_deploys_are_never_cancelled():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        if name != "deploy":
            assert "pages" not in job.get("permissions", {}) and "id-token" not in job.get("permissions", {})
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["concurrency"]["cancel-in-progress"] is False
    assert "refs/heads/main" in str(workflow["concurrency"]["cancel-in-progress"])  # runs on main are not cancelled


def test_the_workflow_lints_in_its_own_job_and_tests_python_3_11_and_3_12():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    lint_steps = [step.get("run", "") for step in workflow["jobs"]["lint"]["steps"]]
    assert "make lint" in lint_steps
    test_job = workflow["jobs"]["test-and-build"]
    assert test_job["needs"] == "lint"
    assert test_job["strategy"]["matrix"]["python-version"] == ["3.11", "3.12"]


def test_the_workflow_does_not_install_ubuntus_snap_chromium():
    assert "chromium-browser" not in (ROOT / ".github" / "workflows" / "book.yml").read_text()


def test_the_api_reference_documents_every_subpackage_and_is_in_the_toc():
    subpackages = sorted(p.parent.name for p in (ROOT / "mnist_helpers").glob("*/__init__.py"))
    api = (ROOT / "book" / "api.md").read_text()
    assert len(subpackages) == 10
    for name in subpackages:
        assert f".. automodule:: mnist_helpers.{name}\n" in api
    assert "- file: book/api" in (ROOT / "_toc.yml").read_text()
    assert "sphinx.ext.autodoc" in yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["extra_extensions"]


@pytest.mark.parametrize(
    ("path", "ignored"),
    [
        ("artifacts/full/metrics/03_mlp.json", False),  # the published run's figures
        ("artifacts/full/models/mlp-adam-seed0.pt", True),
        ("artifacts/full/checkpoints/mlp-adam-seed0.ckpt", True),
        ("artifacts/quick/metrics/03_mlp.json", True),
        ("artifacts/mine/metrics/03_mlp.json", True),  # a profile of one's own, as the README suggests
    ],
)
def test_git_ignores_every_artifact_but_the_published_metrics(path, ignored):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.fail("this test needs git and a clone of the repository (CI runs in one)")
    check = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, check=False)
    assert check.returncode == (0 if ignored else 1)


def test_the_version_has_one_source_the_package_metadata_and_the_citation_follows_it():
    import mnist_helpers

    assert mnist_helpers.__version__ == PROJECT["version"]
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert str(citation["version"]) == PROJECT["version"]
    assert '__version__ = "0' not in (ROOT / "mnist_helpers" / "__init__.py").read_text()  # no second literal


def test_python_dash_m_mnist_helpers_is_the_runner():
    main = (ROOT / "mnist_helpers" / "__main__.py").read_text()
    assert "from mnist_helpers.reproduce.runner import main" in main and 'prog="python -m mnist_helpers"' in main


@pytest.mark.slow  # a subprocess: the check runs once, at the package's import
def test_an_environment_without_the_dependencies_is_told_how_to_install_them():
    code = (
        "import importlib.util; real = importlib.util.find_spec; "
        "importlib.util.find_spec = lambda n, *a: None if n == 'pandas' else real(n, *a); import mnist_helpers"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    last = done.stderr.strip().splitlines()[-1]
    assert done.returncode == 1 and "mnist_helpers needs pandas, not installed" in last and "pip install -e ." in last
