"""Collect the chapters' claim records (verdicts, caps, protocols) from their metrics JSON for the book's pages."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mnist_helpers.claims import Verdict

VERDICT_FIELDS = ("verdict", "difference", "low", "high", "seed")  # keys that mark an accuracy Verdict.record()


def _chapter_metrics(metrics: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(chapter, record.get("metrics", {})) for chapter, record in metrics.items()]


def accuracy_verdicts(metrics: dict[str, dict[str, Any]]) -> dict[str, Verdict]:
    """Every accuracy verdict the chapters recorded (`claims` entries made by Verdict.record()), keyed by claim,
    in claim order; fact verdicts (C7, C9, ...) are not accuracy figures and are left out."""
    found = {
        claim: Verdict.from_record(record)
        for _, m in _chapter_metrics(metrics)
        for claim, record in (m.get("claims") or {}).items()
        if isinstance(record, dict) and set(VERDICT_FIELDS) <= set(record)
    }
    return dict(sorted(found.items(), key=lambda kv: (len(kv[0]), kv[0])))


def caps_table(metrics: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per cap (claims.cap dicts in each chapter's `caps`): chapter, what, seed, ours, reason, effect."""
    rows = [{"chapter": chapter, **cap} for chapter, m in _chapter_metrics(metrics) for cap in m.get("caps") or []]
    columns = ["chapter", "what", "seed", "ours", "reason", "effect"]
    return pd.DataFrame(rows, columns=columns).astype({"seed": str, "ours": str}).set_index("chapter")


def protocols(metrics: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """{claim: {"seed": ..., "ours": ...}}: the protocol strings every chapter recorded under `protocols`."""
    return {claim: dict(p) for _, m in _chapter_metrics(metrics) for claim, p in (m.get("protocols") or {}).items()}


CLAIM_IDS = tuple(f"C{i}" for i in range(1, 12))  # the book's claims, C1 to C11 (book/intro.md)
MISSING = "not recorded"  # what the book shows for a claim no chapter recorded


def verdict_texts(metrics: dict[str, dict[str, Any]]) -> dict[str, str]:
    """{claim: the verdict's text} for every claim in CLAIM_IDS and any other recorded: an accuracy Verdict's
    `.text`, a fact verdict's recorded "text", a plain string as recorded, MISSING when no chapter recorded it."""
    out = dict.fromkeys(CLAIM_IDS, MISSING)
    for _, m in _chapter_metrics(metrics):
        for claim, record in (m.get("claims") or {}).items():
            if isinstance(record, str):
                out[claim] = record
            elif isinstance(record, dict) and "text" in record:
                out[claim] = str(record["text"])
            elif isinstance(record, dict) and set(VERDICT_FIELDS) <= set(record):
                out[claim] = Verdict.from_record(record).text
    return out


def protocol_texts(metrics: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """{claim: {"seed": ..., "ours": ...}} for every claim in CLAIM_IDS (MISSING where none was recorded)."""
    recorded = protocols(metrics)
    return {
        claim: {side: str(recorded.get(claim, {}).get(side, MISSING)) for side in ("seed", "ours")}
        for claim in dict.fromkeys([*CLAIM_IDS, *recorded])
    }
