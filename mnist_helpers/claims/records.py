"""Collect the chapters' claim records (verdicts, caps, protocols) from their metrics JSON for the book's pages."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from mnist_helpers.claims.verdicts import FactVerdict, Verdict

VERDICT_FIELDS = ("verdict", "difference", "low", "high", "seed")  # keys that mark an accuracy Verdict.record()
CLAIM_IDS = tuple(f"C{i}" for i in range(1, 12))  # the book's claims, C1 to C11 (book/intro.md)
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


def accuracy_verdicts(metrics: dict[str, dict[str, Any]]) -> dict[str, Verdict]:
    """Every accuracy verdict the chapters recorded (`claims` entries made by Verdict.record()) under a claim
    name C<n>... (a gap in points is left out), in claim order; a claim recorded by several chapters gets one
    row each, labelled 'C1 (ch. 4)'. Fact verdicts (C7, C9, ...) are not accuracy figures and are left out."""
    found = {}
    for claim, entries in sorted(_by_claim(metrics, "claims").items(), key=lambda kv: _claim_order(kv[0])):
        accuracy = [(ch, r) for ch, r in entries if isinstance(r, dict) and set(VERDICT_FIELDS) <= set(r)]
        if not re.fullmatch(r"C\d+", claim):  # C1_report (a figure not checked at N epochs), gap: not dots
            continue
        for chapter, record in accuracy:
            found[claim if len(accuracy) == 1 else f"{claim} ({_label(chapter)})"] = Verdict.from_record(record)
    return found


def caps_table(metrics: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per cap (claims.cap dicts in each chapter's `caps`): chapter, what, seed, ours, reason, effect."""
    rows = [{"chapter": chapter, **cap} for chapter, m in _chapter_metrics(metrics) for cap in m.get("caps") or []]
    columns = ["chapter", "what", "seed", "ours", "reason", "effect"]
    return pd.DataFrame(rows, columns=columns).astype({"seed": str, "ours": str}).set_index("chapter")


def _text(record: Any) -> str | None:
    """A recorded verdict as the book's text: an accuracy Verdict, a FactVerdict, a "text" or "verdict" entry."""
    if isinstance(record, str):
        return record
    if not isinstance(record, dict):
        return None
    if "text" in record:
        return str(record["text"])
    if set(VERDICT_FIELDS) <= set(record):
        return Verdict.from_record(record).text
    if set(FACT_FIELDS) <= set(record):
        return FactVerdict(**{k: record[k] for k in FACT_FIELDS}).text
    return str(record["verdict"]) if "verdict" in record else None


def _joined(entries: list[tuple[str, str]]) -> str:
    """One chapter's text as is; several chapters' texts labelled and joined."""
    if len(entries) == 1:
        return entries[0][1]
    return "; ".join(f"{_label(chapter)}: {text}" for chapter, text in entries)


def verdict_texts(metrics: dict[str, dict[str, Any]]) -> dict[str, str]:
    """{claim: the verdict's text} for every claim in CLAIM_IDS and any other recorded (an accuracy Verdict's
    `.text`, a FactVerdict's, a recorded "text" or "verdict"); MISSING where no chapter recorded it; a claim
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
