"""What a chapter records about the claims it judges: each verdict with both protocols, and the caps it ran under."""

from __future__ import annotations

from typing import Any

from mnist_helpers.claims.rules import Check, Paired
from mnist_helpers.claims.verdicts import FactVerdict, cap


def verdict_record(verdict: Check | Paired | FactVerdict | dict[str, Any]) -> dict[str, Any]:
    """A verdict as JSON-ready values: a Check's or Paired's `record()`, a FactVerdict's fields and text, a dict
    as is."""
    if isinstance(verdict, (Check, Paired)):
        return verdict.record()
    if isinstance(verdict, FactVerdict):
        return {**vars(verdict), "text": verdict.text}
    if isinstance(verdict, dict):
        return dict(verdict)
    raise TypeError(f"a verdict is a Check, a Paired, a FactVerdict or a dict, not a {type(verdict).__name__}.")


class ChapterClaims:
    """Collects a chapter's verdicts, protocols and caps; `run.record(**judged.fields(), ...)` stores them."""

    def __init__(self) -> None:
        self.claims: dict[str, dict[str, Any]] = {}
        self.protocols: dict[str, dict[str, str]] = {}
        self.caps: list[dict[str, Any]] = []

    def judge(
        self,
        claim: str,
        verdict: Check | Paired | FactVerdict | dict[str, Any],
        report_protocol: str | None = None,  # how the report got its figure
        our_protocol: str | None = None,  # how we got ours
    ) -> None:
        """Record `claim`'s verdict and, when given, both protocols (a report-only reading needs none)."""
        if claim in self.claims:
            raise ValueError(f"claim {claim!r} is judged twice in this chapter; give each reading its own id.")
        if (report_protocol is None) != (our_protocol is None):
            raise ValueError(f"claim {claim!r}: give both protocols (the report's and ours) or neither.")
        self.claims[claim] = verdict_record(verdict)
        if report_protocol is not None and our_protocol is not None:
            self.protocols[claim] = {"seed": report_protocol, "ours": our_protocol}

    def cap(self, what: str, report_value: Any, ours: Any, reason: str, effect: str, *, applies: bool = True) -> None:
        """Record a cap (fewer epochs, seeds or images than the report's) when it `applies` to this run."""
        entry = cap(what, report_value, ours, reason, effect)  # checks the reason and effect even when not applied
        if applies:
            self.caps.append(entry)

    def fields(self) -> dict[str, Any]:
        """The record's "claims", "protocols" and "caps" entries."""
        return {"claims": self.claims, "protocols": self.protocols, "caps": self.caps}
