"""The pages that paste a run's results travel with it: installed on publication, and a book of any run."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_notebook

from mnist_helpers.reproduce import book_pages


def checkout(root: Path) -> Path:
    """A checkout's book files: the published intro and toc, the next ones in pages/, a published chapter."""
    (root / "book" / "_static").mkdir(parents=True)
    (root / "pages").mkdir()
    (root / "book" / "intro.md").write_text("# published intro\n")
    (root / "_toc.yml").write_text("root: book/intro\nchapters: [file: book/01_a]\n")
    (root / "pages" / "intro.md").write_text("# next intro\n")
    (root / "pages" / "_toc.yml").write_text("root: book/intro\nchapters: [file: book/01_a, file: book/02_b]\n")
    (root / "_config.yml").write_text("title: t\n")
    (root / "book" / "glossary.md").write_text("# glossary\n")
    (root / "book" / "_static" / "book.css").write_text("p {}\n")
    nbformat.write(new_notebook(metadata={"run": "published"}), root / "book" / "01_a.ipynb")
    return root


def run_folder(folder: Path, names=("01_a", "02_b")) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        nbformat.write(new_notebook(metadata={"run": "mine"}), folder / f"{name}.ipynb")
    return folder


def test_install_copies_the_pages_reports_what_changed_and_then_nothing(tmp_path):
    root = checkout(tmp_path)
    assert book_pages.install(root) == [root / "book" / "intro.md", root / "_toc.yml"]
    assert (root / "book" / "intro.md").read_text() == "# next intro\n"
    assert "02_b" in (root / "_toc.yml").read_text()
    assert book_pages.install(root) == []  # already the same
    assert not [p for p in root.rglob("*") if "mnist-tmp" in p.name]


def test_install_names_a_missing_page_and_the_fix_and_changes_nothing(tmp_path):
    root = checkout(tmp_path)
    (root / "pages" / "_toc.yml").unlink()
    with pytest.raises(FileNotFoundError, match=r"pages/_toc.yml is missing.*git checkout -- pages/_toc.yml"):
        book_pages.install(root)
    assert "02_b" not in (root / "_toc.yml").read_text()


def test_a_folder_without_pages_has_nothing_to_install(tmp_path):
    (tmp_path / "book").mkdir()
    assert book_pages.install(tmp_path) == []
    assert not (tmp_path / "_toc.yml").exists()


def test_assemble_puts_the_runs_chapters_and_the_next_pages_beside_the_books_static_files(tmp_path):
    root = checkout(tmp_path / "repo")
    dest = book_pages.assemble(root, run_folder(tmp_path / "mine"), tmp_path / "out")
    assert sorted(p.name for p in (dest / "book").glob("*.ipynb")) == ["01_a.ipynb", "02_b.ipynb"]
    assert nbformat.read(dest / "book" / "01_a.ipynb", as_version=4).metadata["run"] == "mine"
    assert (dest / "book" / "intro.md").read_text() == "# next intro\n"
    assert "02_b" in (dest / "_toc.yml").read_text()
    assert (dest / "book" / "glossary.md").exists() and (dest / "book" / "_static" / "book.css").exists()
    assert (dest / "_config.yml").exists()
    assert (root / "book" / "intro.md").read_text() == "# published intro\n"  # the checkout is untouched
    # assembling again starts afresh: a chapter of an earlier run does not linger
    book_pages.assemble(root, run_folder(tmp_path / "other", names=("01_a",)), dest)
    assert [p.name for p in (dest / "book").glob("*.ipynb")] == ["01_a.ipynb"]


def test_assemble_without_executed_notebooks_names_the_folder_and_how_to_make_them(tmp_path):
    root = checkout(tmp_path / "repo")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"no executed notebooks .* in .*empty: run the profile first"):
        book_pages.assemble(root, tmp_path / "empty", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match="the repository itself"):
        book_pages.assemble(root, run_folder(tmp_path / "mine"), root)


def test_the_command_line_reports_a_missing_run_as_an_error(tmp_path, capsys):
    code = book_pages.main(["--executed", str(tmp_path / "nothing"), "--dest", str(tmp_path / "out")])
    assert code == 1
    assert "error: no executed notebooks" in capsys.readouterr().err


def test_the_checkouts_pages_are_a_table_of_contents_and_an_intro_that_lists_every_chapter():
    root = Path(__file__).resolve().parents[2]
    toc = (root / "pages" / "_toc.yml").read_text()
    chapters = sorted(p.stem for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert all(f"book/{c}\n" in toc for c in chapters), "pages/_toc.yml must list every chapter notebook"
    assert "book/reproducibility" in toc and (root / "pages" / "intro.md").is_file()
