"""The compact answer (``view=summary``): per target only the cheapest option, with everything
that option already carries (operating point and knots, offer with source, date and status,
evidence, caveats), plus the assumptions and how many recipes were unreachable or excluded.

A few KB instead of ~65 KB, for spreadsheets and chat tools. Each cheapest option is the
engine's own struct, self-contained: the full answer as sent (tco.domain.quote_full) refers to
its recipe, offer, knots and evidence by index, and expands to the same values.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from tco.domain.quote import Assumptions, QuoteOption, QuoteResponse

QuoteView = Literal["full", "summary"]


class TargetSummary(msgspec.Struct, kw_only=True, frozen=True):
    target_interactivity: float
    cheapest: QuoteOption | None  # None: no priced option reaches the target
    unreachable_total: int  # recipes that cannot reach the target (the full view lists them)
    excluded_total: int  # recipes that reach it but are not eligible (the full view says why)


class QuoteSummaryResponse(
    msgspec.Struct, kw_only=True, frozen=True, tag="summary", tag_field="view"
):
    assumptions: Assumptions
    targets: list[TargetSummary]


def summarize(answer: QuoteResponse) -> QuoteSummaryResponse:
    return QuoteSummaryResponse(
        assumptions=answer.assumptions,
        targets=[
            TargetSummary(
                target_interactivity=t.target_interactivity,
                cheapest=t.cheapest,
                unreachable_total=t.unreachable_total,
                excluded_total=t.excluded_total,
            )
            for t in answer.targets
        ],
    )
