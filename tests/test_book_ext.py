"""The book's Sphinx extensions (book/_ext) on their own: formulas as MathML, pages trimmed of unused scripts."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _extension(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "book" / "_ext" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mathml = _extension("mathml")
page_fixes = _extension("page_fixes")


def test_a_formula_of_the_book_becomes_one_mathml_element_with_its_parts():
    out = mathml.to_mathml(r"\bar{x} \pm t_{k-1,\,0.975}\, s\sqrt{1 + 1/k}")
    assert out.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">')
    assert out.count("<math") == 1 and out.endswith("</math>")
    assert "<msqrt>" in out and "<msub><mi>t</mi>" in out and "<mo>±</mo>" in out  # the root, t's index, ± an operator
    assert "\\" not in out
    assert 'display="block"' in mathml.to_mathml(r"\bar{x}", display=True)


def test_a_command_latex2mathml_does_not_know_is_refused_naming_it_not_shipped_as_raw_tex():
    with pytest.raises(ValueError, match=r"\\notacommand unknown to latex2mathml"):
        mathml.to_mathml(r"\notacommand{x} + 1")


def _page(folder: Path, name: str, scripts: list[str]) -> Path:
    page = folder / name
    page.parent.mkdir(parents=True, exist_ok=True)
    tags = "".join(f'    <script src="{s}"></script>\n' for s in scripts)
    page.write_text(f"<html><head>\n{tags}</head><body>text</body></html>\n", encoding="utf-8")
    return page


SEARCH = ["../_static/searchtools.js", "../_static/language_data.js", "../searchindex.js"]


def test_the_search_scripts_leave_every_page_but_the_search_page(tmp_path):
    chapter = _page(tmp_path, "book/03_mlp.html", ["../_static/doctools.js", *SEARCH])
    search = _page(tmp_path, "search.html", [s.removeprefix("../") for s in SEARCH])
    before = search.read_text()
    assert page_fixes.drop_search_scripts(tmp_path) == 1
    kept = chapter.read_text()
    assert "doctools.js" in kept and not any(s in kept for s in ("searchtools", "language_data", "searchindex"))
    assert search.read_text() == before
    assert page_fixes.drop_search_scripts(tmp_path) == 0  # a second pass changes nothing
