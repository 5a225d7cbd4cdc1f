"""Collect the chapters' claim records (verdicts, caps, protocols) from their metrics JSON for the book's pages."""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from mnist_helpers.claims.inventory import CLAIM_IDS  # the book's claims, C1 to C19
from mnist_helpers.claims.rules import UNITS, Check, category, is_check_record
from mnist_helpers.claims.verdicts import FactVerdict

MISSING = "not recorded"  # what the book shows for a claim no chapter recorded
FACT_FIELDS = ("verdict", "claimed", "found", "evidence")  # a FactVerdict's fields (vars(fact_verdict))


def _chapter_metrics(metrics: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(chapter, record.get("metrics", {})) for chapter, record in metrics.items()]


def _label(chapter: str) -> str:
    """'04_cnn' -> 'ch. 4' (how a claim recorded by several chapters is told apart)."""
    head = chapter.split("_", 1)[0]
    return f"ch. {int(head)}" if head.isdigit() else chapter


def _by_claim(metrics: dict[str, dict[str, Any]], field: str) -> dict[str, list[tuple[str, Any]]]:
    """{claim: [(chapter, record), ...]} for one metrics field (claims, protocols), in chapter order."""
    out: dict[str, list[tuple[str, Any]]] = {}
    for chapter, m in _chapter_metrics(metrics):
        for claim, record in (m.get(field) or {}).items():
            out.setdefault(str(claim), []).append((chapter, record))
    return out


def _claim_order(claim: str) -> tuple[int, str]:
    match = re.match(r"C(\d+)", claim)
    return (int(match.group(1)) if match else 99, claim)


def accuracy_checks(metrics: dict[str, dict[str, Any]]) -> dict[str, Check]:
    """Every report figure the chapters judged by the one-run rules (`claims` entries made by Check.record()) under
    a claim name C<n> (C1, C2, C5, ...), in claim order; a claim recorded by several chapters gets one row each,
    labelled 'C1 (ch. 4)'. Gaps, fact verdicts and figures the report does not give are left out."""
    found = {}
    for claim, entries in sorted(_by_claim(metrics, "claims").items(), key=lambda kv: _claim_order(kv[0])):
        checks = [(ch, r) for ch, r in entries if is_check_record(r) and r["kind"] == "single run"]
        if not re.fullmatch(r"C\d+", claim):
            continue
        for chapter, record in checks:
            found[claim if len(checks) == 1 else f"{claim} ({_label(chapter)})"] = Check.from_record(record)
    return found


def _outcome(record: Any) -> str | None:
    if isinstance(record, dict):
        return str(record.get("outcome") or record.get("verdict") or "") or None
    return None


def outcomes(metrics: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per recorded claim (C<n>, the gap): its outcome, the reader's category (`rules.category`:
    reproduced, not reproduced, corrected, could not tell, measured) and the chapter that judged it; claims in
    CLAIM_IDS that no chapter recorded read MISSING."""
    rows = {claim: {"outcome": MISSING, "category": "could not tell", "chapter": ""} for claim in CLAIM_IDS}
    for claim, entries in _by_claim(metrics, "claims").items():
        if not re.fullmatch(r"C\d+|gap", claim):
            continue
        for chapter, record in entries:
            outcome = _outcome(record)
            if outcome:
                rows[claim] = {"outcome": outcome, "category": category(outcome), "chapter": _label(chapter)}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    return frame.loc[sorted(frame.index, key=_claim_order)].rename_axis("claim")


def caps_table(metrics: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per cap (claims.cap dicts in each chapter's `caps`): chapter, what, seed, ours, reason, effect."""
    rows = [{"chapter": chapter, **cap} for chapter, m in _chapter_metrics(metrics) for cap in m.get("caps") or []]
    columns = ["chapter", "what", "seed", "ours", "reason", "effect"]
    return pd.DataFrame(rows, columns=columns).astype({"seed": str, "ours": str}).set_index("chapter")


def _text(record: Any) -> str | None:
    """A recorded verdict as the book's text: a recorded "text" (Check, Paired), a FactVerdict, a "verdict" entry."""
    if isinstance(record, str):
        return record
    if not isinstance(record, dict):
        return None
    if "text" in record:
        return str(record["text"])
    if set(FACT_FIELDS) <= set(record):
        return FactVerdict(**{k: record[k] for k in FACT_FIELDS}).text
    return str(record["verdict"]) if "verdict" in record else None


def _joined(entries: list[tuple[str, str]]) -> str:
    """One chapter's text as is; several chapters' texts labelled and joined."""
    if len(entries) == 1:
        return entries[0][1]
    return "; ".join(f"{_label(chapter)}: {text}" for chapter, text in entries)


def verdict_texts(metrics: dict[str, dict[str, Any]]) -> dict[str, str]:
    """{claim: the verdict's text} for every claim in CLAIM_IDS and any other recorded (a recorded "text", a
    FactVerdict's, a "verdict"); MISSING where no chapter recorded it; a claim
    recorded by several chapters reads 'ch. 4: ...; ch. 5: ...'."""
    out = dict.fromkeys(CLAIM_IDS, MISSING)
    for claim, entries in _by_claim(metrics, "claims").items():
        texts = [(chapter, text) for chapter, record in entries if (text := _text(record)) is not None]
        if texts:
            out[claim] = _joined(texts)
    return out


def protocol_texts(metrics: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """{claim: {"seed": ..., "ours": ...}} for every claim in CLAIM_IDS and any other recorded (MISSING where none
    was recorded; several chapters' protocols for one claim are labelled and joined)."""
    out = {claim: {"seed": MISSING, "ours": MISSING} for claim in CLAIM_IDS}
    for claim, entries in _by_claim(metrics, "protocols").items():
        out[claim] = {
            side: _joined([(chapter, str(p[side])) for chapter, p in entries if side in p]) or MISSING
            for side in ("seed", "ours")
        }
    return out


def _short(record: Any) -> str:
    """What we found, in a few words: a figure check's mean and one-run interval, else the recorded text without
    its leading outcome."""
    if is_check_record(record):
        c = Check.from_record(record)
        unit, digits = UNITS.get(c.kind, ("%", 2))
        f = f".{digits}f"
        if math.isnan(c.low):
            return f"{c.centre:{f}}{unit} ({c.k} runs; not checked)"
        return f"{c.centre:{f}}{unit} ({c.k} runs; one run: {c.low:{f}} to {c.high:{f}})"
    text = _text(record) or ""
    outcome = _outcome(record) or ""
    return text[len(outcome) + 2 :] if outcome and text.startswith(outcome + ": ") else text


def results(metrics: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per claim of the inventory (C1 ... C19): the report, the claim in our words, what we found, the
    outcome, the reader's category and the chapter that judged it; a claim no chapter recorded reads MISSING."""
    from mnist_helpers.claims.inventory import CLAIMS

    recorded = {claim: entries[-1] for claim, entries in _by_claim(metrics, "claims").items()}
    rows = []
    for c in CLAIMS:
        chapter, record = recorded.get(c.id, (c.chapter, None))
        outcome = _outcome(record) or MISSING
        rows.append(
            {
                "claim": c.id,
                "report": c.report,
                "the report says": c.claim,
                "ours": _short(record) if record is not None else MISSING,
                "outcome": outcome,
                "category": category(outcome) if record is not None else "could not tell",
                "chapter": chapter,
            }
        )
    return pd.DataFrame(rows).set_index("claim")


def summary_text(table: pd.DataFrame) -> str:
    """The answer in one paragraph, from `results`: how many claims fell in each category, and which."""
    order = ("reproduced", "not reproduced", "corrected", "could not tell", "measured")
    words = {
        "reproduced": "reproduced",
        "not reproduced": "not reproduced",
        "corrected": "corrected (the report misstates what its own code did)",
        "could not tell": "could not be told yet (an interval too wide to answer, or runs shorter than the report's)",
        "measured": "measured where the report gives no figure",
    }
    parts = []
    for cat in order:
        ids = [str(i) for i in table.index[table["category"] == cat]]
        if ids:
            parts.append(f"{len(ids)} {words[cat]} ({', '.join(ids)})")
    return f"Of the reports' {len(table)} testable claims, " + "; ".join(parts) + "."
