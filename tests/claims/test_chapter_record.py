"""ChapterClaims: a chapter's verdicts, protocols and caps, recorded the way the reproducibility page reads them."""

import math

import pytest

from mnist_helpers.claims.chapter_record import ChapterClaims, verdict_record
from mnist_helpers.claims.records import protocol_texts, verdict_texts
from mnist_helpers.claims.rules import Check, EvalSets, not_checked, paired_comparison, single_run_check
from mnist_helpers.claims.verdicts import fact_verdict


def _verdict() -> Check:
    return single_run_check(99.38, [99.0, 99.4, 98.9, 99.3, 99.1], EvalSets.OWN_SPLITS, delta=0.5)


def test_a_chapter_records_verdicts_protocols_and_only_the_caps_that_apply():
    judged = ChapterClaims()
    judged.judge("C1", _verdict(), "best of 60 epochs", "6 epochs, 1 run")
    judged.judge("C1_report", _verdict())
    judged.judge("C11", fact_verdict("decay works", "decay ignored", False, "Keras 3 warns"))
    judged.cap("epochs", 60, 6, "time", "lower accuracy")
    judged.cap("images", "33600/8400", "33600/8400", "quick run", "wider intervals", applies=False)
    fields = judged.fields()
    assert list(fields["claims"]) == ["C1", "C1_report", "C11"]
    assert fields["protocols"] == {"C1": {"seed": "best of 60 epochs", "ours": "6 epochs, 1 run"}}
    assert [c["what"] for c in fields["caps"]] == ["epochs"]
    metrics = {"04_cnn": {"metrics": fields}}
    assert verdict_texts(metrics)["C11"].startswith("corrected: the report says decay works")
    assert verdict_texts(metrics)["C1"] == _verdict().text
    assert protocol_texts(metrics)["C1"] == {"seed": "best of 60 epochs", "ours": "6 epochs, 1 run"}


def test_a_verdict_record_is_json_ready_and_reads_back():
    record = verdict_record(not_checked(99.38, [99.1], 6, 60, 0.5))
    assert record["low"] is None and Check.from_record(record).outcome == "not checked at 6 epochs"
    assert math.isnan(Check.from_record(record).low)
    paired = verdict_record(paired_comparison([1.0, 2.0], [1.0, 2.1], delta=0.5))
    assert paired["kind"] == "paired" and paired["text"].startswith(paired["outcome"])
    fact = verdict_record(fact_verdict("a", "b", True, "read"))
    assert fact == {
        "verdict": "reproduced",
        "claimed": "a",
        "found": "b",
        "evidence": "read",
        "text": "reproduced: b (read)",
    }


def test_one_protocol_without_the_other_a_claim_judged_twice_and_a_cap_without_reason_are_refused():
    judged = ChapterClaims()
    with pytest.raises(ValueError, match="both protocols"):
        judged.judge("C5", _verdict(), report_protocol="10 epochs")
    judged.judge("C5", _verdict())
    with pytest.raises(ValueError, match="judged twice"):
        judged.judge("C5", _verdict())
    with pytest.raises(ValueError, match="reason"):
        judged.cap("epochs", 10, 3, "", "smaller gaps", applies=False)
    with pytest.raises(TypeError, match="a Check, a Paired, a FactVerdict or a dict"):
        judged.judge("C6", "reproduced")
