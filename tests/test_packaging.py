"""Packaging: the helper package needs only its own dependencies; extras, conda and the wheel agree."""

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

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


def test_environment_yml_names_the_same_packages_and_pins_as_pyproject_with_every_extra():
    wanted = requirement_map(
        [r for reqs in [PROJECT["dependencies"], *PROJECT["optional-dependencies"].values()] for r in reqs]
    )
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    got = requirement_map([r for r in pip_section if not r.startswith("-e")])
    assert got == wanted
    assert "python=3.11" in env["dependencies"]


def test_torch_is_pinned_and_jupyter_book_is_v1():
    deps = requirement_map(PROJECT["dependencies"])
    book = requirement_map(PROJECT["optional-dependencies"]["book"])
    assert deps["torch"] == "torch==2.13.0"
    assert "<2" in book["jupyter-book"]


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
