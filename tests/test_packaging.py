"""Packaging: the conda environment and pyproject.toml install the same things."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def requirement_map(reqs):
    out = {}
    for r in reqs:
        name = re.split(r"[<>=!~ \[]", r, maxsplit=1)[0].lower()
        out[name] = r.replace(" ", "")
    return out


def test_environment_yml_names_the_same_packages_and_pins_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = requirement_map(project["dependencies"] + project["optional-dependencies"]["dev"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    got = requirement_map([r for r in pip_section if not r.startswith("-e")])
    assert got == wanted
    assert "python=3.11" in env["dependencies"]


def test_torch_is_pinned_and_jupyter_book_is_v1():
    deps = requirement_map(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    assert deps["torch"] == "torch==2.13.0"
    assert "<2" in deps["jupyter-book"]
