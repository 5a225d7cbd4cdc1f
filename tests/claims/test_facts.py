"""Facts about the author's code (C9, C10, C11, the confusion-matrix axes): records with sources, verdicts from them."""

import ast
import dataclasses
import inspect

import pytest

from mnist_helpers import claims
from mnist_helpers.claims import facts
from mnist_helpers.claims.facts import FACTS, FactRecord, fact_verdict_of


@pytest.mark.parametrize("claim_id", list(FACTS))
def test_every_record_names_its_source_and_quotes_the_code(claim_id):
    record = FACTS[claim_id]
    assert record.id == claim_id
    assert record.repo == "rudraneel18/MNIST-Dataset-Model" and len(record.commit) == 40
    assert record.path.endswith(".ipynb") and isinstance(record.cell, int) and record.cell >= 0
    assert record.quote and all(line.strip() for line in record.quote)
    assert record.where.startswith("§") and "p. " in record.where
    assert record.report_says and record.code_does and record.semantics and record.semantics_source


def test_the_records_are_the_four_facts_and_frozen():
    assert set(FACTS) == {"C9", "C10", "C11", "C10_axes"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        FACTS["C9"].cell = 0  # type: ignore[misc]


def test_c9_the_factor_is_a_fraction_of_a_turn_so_36_degrees_not_10():
    verdict = fact_verdict_of("C9")
    assert FACTS["C9"].found == pytest.approx(36.0)
    assert verdict.verdict == "corrected" and verdict.claimed == "±10°" and verdict.found == "±36°"
    assert "RandomRotation(factor=.1" in verdict.evidence and "cell 6" in verdict.evidence


def test_c10_an_80_20_split_of_kaggles_42000_images_not_60k_10k():
    from mnist_helpers.data.dutta_split import AUTHOR_TRAIN_SIZE, AUTHOR_VAL_SIZE, KAGGLE_POOL

    record = FACTS["C10"]
    assert record.claimed == (60_000, 10_000) and record.found == (33_600, 8_400)
    assert (facts.KAGGLE_TRAIN_ROWS, facts.TRAIN_IMAGES, facts.VAL_IMAGES) == (
        KAGGLE_POOL,
        AUTHOR_TRAIN_SIZE,
        AUTHOR_VAL_SIZE,
    )
    verdict = fact_verdict_of("C10")
    assert verdict.verdict == "corrected" and "33,600" in verdict.found and "8,400" in verdict.found
    assert "test_size=.2" in verdict.evidence and "train.csv" in verdict.evidence


def test_c11_decay_is_a_per_step_learning_rate_decay_in_the_authors_keras():
    record = FACTS["C11"]
    assert "decay=1e-4" in record.quote[0] and "2.10" in record.semantics and "2.6" in facts.AUTHOR_KERAS
    assert "optimizer_v2.py" in record.semantics_source
    verdict = fact_verdict_of("C11")
    assert verdict.verdict == "corrected" and "1e-3 / (1 + 1e-4 · step)" in verdict.found


def test_axes_the_plot_is_the_transpose_so_its_rows_are_the_predictions():
    record = FACTS["C10_axes"]
    assert "confusion_matrix(Y_test, Y_pred)" in record.quote[0] and "mat.T" in record.quote[1]
    assert "True Values" in record.quote[-1] and record.found == "predicted"
    assert fact_verdict_of("C10_axes").verdict == "corrected"


def test_a_record_whose_code_agrees_with_the_report_is_reproduced():
    agreeing = dataclasses.replace(FACTS["C9"], claimed=36.0, claimed_text="±36°")
    assert agreeing.holds and agreeing.verdict().verdict == "reproduced"
    same_split = dataclasses.replace(FACTS["C10"], claimed=(33_600, 8_400))
    assert same_split.verdict().verdict == "reproduced"
    untransposed = dataclasses.replace(FACTS["C10_axes"], found="true")
    assert untransposed.verdict().text.startswith("reproduced: rows (y axis)")


def test_an_unknown_id_is_a_value_error_listing_the_known_ones():
    with pytest.raises(ValueError, match=r"'C99'.*C9, C10, C11, C10_axes"):
        fact_verdict_of("C99")


def test_a_record_without_a_source_is_refused():
    with pytest.raises(ValueError, match="0-based cell"):
        dataclasses.replace(FACTS["C9"], quote=())
    with pytest.raises(ValueError, match="0-based cell"):
        dataclasses.replace(FACTS["C9"], cell=-1)


def test_verdicts_read_only_the_records_never_the_installed_libraries():
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(ast.parse(inspect.getsource(facts)))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
    }
    assert imported <= {"__future__", "math", "dataclasses", "typing", "mnist_helpers"}


def test_the_package_exports_the_facts_lazily():
    assert claims.FACTS is FACTS and claims.FactRecord is FactRecord and claims.fact_verdict_of is fact_verdict_of
