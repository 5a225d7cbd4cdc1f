"""The claim inventory: every claim located in its report, tested by an experiment in a chapter that exists."""

import json
from pathlib import Path

import pytest

from mnist_helpers.claims.inventory import CLAIM_IDS, CLAIMS, SUGGESTIONS, UNTESTABLE, claim, inventory_table

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_every_claim_names_its_report_section_experiment_and_an_existing_chapter_that_records_it():
    for c in (*CLAIMS, *SUGGESTIONS):
        assert c.report in ("Dutta", "Shah") and c.where and c.claim and c.experiment, c
        notebook = NOTEBOOKS / f"{c.chapter}.ipynb"
        assert notebook.is_file(), f"{c.id}: no chapter {notebook.name}"
        if c.id.startswith("C"):
            code = "".join("".join(cell["source"]) for cell in json.loads(notebook.read_text())["cells"])
            assert f'"{c.id}"' in code, f"{c.id}: {notebook.name} never records it"
    assert tuple(f"C{i}" for i in range(1, 20)) == CLAIM_IDS


def test_untestable_claims_say_why_and_the_table_and_lookup_cover_every_claim():
    assert all(len(u) == 4 and all(u) for u in UNTESTABLE)
    table = inventory_table()
    assert list(table.index) == [*CLAIM_IDS, "S1", "S2", "S3"]
    assert claim("C17").chapter == "01_preprocessing"
    with pytest.raises(ValueError, match="no claim 'C99'; known: C1"):
        claim("C99")
