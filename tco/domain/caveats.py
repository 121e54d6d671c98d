"""Caveats of the data an answer rests on, said next to the numbers they qualify.

- an offer whose status is not ``published`` (a placeholder, a derived or approximate figure,
  an assumption): pricing/README.md says which shipped offers are which;
- a measured point whose date is a stand-in (the source has none);
- a source row accepted although a sanity check failed (e.g. the GB200 disaggregated
  InferenceX rows that repeat the deployment's GPU count in both pools): such a row never feeds
  capacity, nor the deployment-wide per-pool rates (tco.domain.index), silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class _Offer(Protocol):
    @property
    def status(self) -> str | None: ...
    @property
    def source(self) -> str: ...
    @property
    def notes(self) -> str | None: ...


class _Knot(Protocol):
    @property
    def date(self) -> object: ...
    @property
    def source(self) -> str: ...
    @property
    def date_stand_in(self) -> bool | None: ...
    @property
    def inconsistent(self) -> str | None: ...


_STATUS_WORDS = {
    "placeholder": "price is an upstream placeholder, not a published price",
    "derived": "price is derived from published figures (see the offer's notes)",
    "approximate": "price is approximate as the source gives it",
    "assumption": "price rests on assumed inputs (see the offer's notes)",
}


def inconsistent_rows(knots: Sequence[_Knot]) -> str | None:
    """Why capacity is not computed from these knots, or None when they are consistent."""
    bad = [k for k in knots if k.inconsistent]
    if not bad:
        return None
    return (
        "inconsistent source row, accepted with a warning, never used for capacity: "
        + "; ".join(f"{k.source}: {k.inconsistent}" for k in bad)
    )


def option_caveats(offer: _Offer, knots: Sequence[_Knot]) -> list[str]:
    caveats: list[str] = []
    if offer.status in _STATUS_WORDS:
        note = f" ({offer.notes})" if offer.status == "placeholder" and offer.notes else ""
        caveats.append(f"{offer.status}: {_STATUS_WORDS[offer.status]}{note}")
    for k in knots:
        if k.date_stand_in:
            caveats.append(
                f"stand-in date: {k.date} is not the measurement date, which the source does "
                f"not give ({k.source})"
            )
    bad = inconsistent_rows(knots)
    if bad:
        caveats.append(bad)
    return list(dict.fromkeys(caveats))
