"""Collecting verdicts, caps and protocols from chapters' metrics records."""

import math

from mnist_helpers.claims import records as claim_records
from mnist_helpers.claims import verdicts as claims
from mnist_helpers.claims.rules import EvalSets, single_run_check


def _fact():
    return claims.fact_verdict("x", "y", False, "measured")


def _metrics():
    v = single_run_check(99.38, [99.3, 99.4, 99.35], EvalSets.SHARED, delta=0.5)
    cap = claims.cap("epochs", 60, 8, "time budget", "lower accuracy")
    return {
        "04_cnn": {
            "metrics": {
                "claims": {"C5": v.record(), "C1": v.record()},
                "caps": [cap],
                "protocols": {"C1": {"seed": "60 epochs", "ours": "8 epochs"}},
            }
        },
        "02_augmentation": {"metrics": {"claims": {"C9": {"verdict": "corrected", "text": "corrected: ..."}}}},
        "03_mlp": {
            "metrics": {
                "claims": {"C3": {"verdict": "measured", "per_seed": [97.0]}, "C11": vars(_fact())},
                "protocols": {"C1": {"seed": "60 epochs", "ours": "5 seeds"}},
            }
        },
        "01_preprocessing": {"metrics": {}},
    }


def test_accuracy_checks_keep_only_report_figures_in_claim_order():
    found = claim_records.accuracy_checks(_metrics())
    assert list(found) == ["C1", "C5"]
    assert math.isclose(found["C1"].figure, 99.38)


def test_outcomes_give_every_claim_its_readers_category():
    table = claim_records.outcomes(_metrics())
    assert table.loc["C1", "category"] == "reproduced" and table.loc["C1", "chapter"] == "ch. 4"
    assert table.loc["C9", "category"] == "corrected" and table.loc["C3", "category"] == "measured"
    assert table.loc["C10", "outcome"] == claim_records.MISSING
    assert list(table.index[:3]) == ["C1", "C2", "C3"]


def test_caps_table_lists_each_cap_with_its_chapter():
    table = claim_records.caps_table(_metrics())
    assert list(table.index) == ["04_cnn"]
    assert table.iloc[0]["ours"] == "8"


def test_caps_table_is_empty_without_caps():
    assert claim_records.caps_table({"01": {"metrics": {}}}).empty


def test_verdict_texts_cover_every_claim_and_read_each_record_kind():
    texts = claim_records.verdict_texts(_metrics())
    assert texts["C9"] == "corrected: ..."
    assert texts["C1"].startswith("reproduced: one run of ours falls in")
    assert texts["C3"] == "measured"
    assert texts["C11"] == _fact().text
    assert texts["C10"] == claim_records.MISSING


def test_protocol_texts_fill_missing_sides():
    texts = claim_records.protocol_texts(_metrics())
    assert texts["C1"]["ours"] == "ch. 4: 8 epochs; ch. 3: 5 seeds"
    assert texts["C2"] == {"seed": claim_records.MISSING, "ours": claim_records.MISSING}


def test_metrics_or_reason_returns_the_message_when_nothing_was_run(tmp_path):
    from mnist_helpers.reproduce import run_record as provenance

    metrics, reason = provenance.metrics_or_reason(tmp_path, "quick")
    assert metrics == {} and "nothing to show for profile 'quick'" in reason


def test_accuracy_checks_label_a_claim_recorded_by_two_chapters():
    metrics = _metrics()
    metrics["05_optimizers"] = {"metrics": {"claims": {"C1": metrics["04_cnn"]["metrics"]["claims"]["C1"]}}}
    assert list(claim_records.accuracy_checks(metrics)) == ["C1 (ch. 4)", "C1 (ch. 5)", "C5"]


def test_accuracy_checks_leave_out_records_not_named_for_a_claim():
    metrics = _metrics()
    metrics["04_cnn"]["metrics"]["claims"]["gap"] = metrics["04_cnn"]["metrics"]["claims"]["C1"]
    assert "gap" not in claim_records.accuracy_checks(metrics)


def test_the_published_run_records_a_verdict_and_both_protocols_for_every_claim_of_the_inventory():
    # the intro's results table shows every claim of the inventory: one missing here reads "not recorded" there
    from pathlib import Path

    from mnist_helpers.reproduce import run_record as provenance

    root = Path(__file__).resolve().parents[2]
    metrics = provenance.load_metrics(root / "artifacts", "full")
    verdicts = claim_records.verdict_texts(metrics)
    protocols = claim_records.protocol_texts(metrics)
    table = claim_records.results(metrics)
    missing = [c for c in claim_records.CLAIM_IDS if verdicts.get(c, claim_records.MISSING) == claim_records.MISSING]
    missing += [c for c in claim_records.CLAIM_IDS if table.loc[c, "outcome"] == claim_records.MISSING]
    missing += [
        f"{c} {side}"
        for c in claim_records.CLAIM_IDS
        for side, t in protocols.get(c, {"seed": claim_records.MISSING}).items()
        if t == claim_records.MISSING
    ]
    assert not missing, f"claims without a recorded verdict or protocol in artifacts/full: {missing}"


def test_results_give_every_inventory_claim_a_row_and_the_summary_counts_each_answer():
    table = claim_records.results(_metrics())
    assert list(table.index) == list(claim_records.CLAIM_IDS)
    assert table.loc["C1", "ours"].startswith("99.35% (3 runs; one run: ")
    assert table.loc["C9", "ours"] == "..." and table.loc["C9", "category"] == "corrected"
    assert table.loc["C10", "outcome"] == claim_records.MISSING and table.loc["C10", "chapter"] == "05_optimizers"
    text = claim_records.summary_text(table)
    assert text.startswith("Of the reports' 19 testable claims, 2 reproduced (C1, C5); ")
    assert "1 corrected" in text or "2 corrected" in text
