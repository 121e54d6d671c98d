"""Offers and pricing tables: the half of the answer that changes monthly.

An offer is one way to pay for an accelerator. A pricing table is a named, versioned set of
offers; every edit makes a new immutable version (the store keeps them), so a quote can always
say which prices it used.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

from tco.domain.owned import OwnedTcoInputs

OfferKind = Literal[
    "on_demand",
    "spot",
    "reserved_short_term",
    "reserved_1y",
    "reserved_2y",
    "reserved_3y",
    "owned",
    "list",
    "override",
]
OFFER_KINDS: tuple[str, ...] = OfferKind.__args__  # type: ignore[attr-defined]

# What the source says about a price (pricing/README.md lists which shipped offers are which):
# published = a price the source publishes as such; placeholder = the source marks it as a
# stand-in (e.g. "temporary = 1.2x B200 pricing"); derived = computed from published figures
# (an instance price / 8 GPUs, an owned TCO from sourced inputs); approximate = the source
# gives it as approximate ("~$80/hr"); assumption = rests on inputs nobody published.
OfferStatus = Literal["published", "placeholder", "derived", "approximate", "assumption"]
OFFER_STATUSES: tuple[str, ...] = OfferStatus.__args__  # type: ignore[attr-defined]

# The table a quote uses when the request names none: the newest SemiAnalysis owning tier, the
# same default the InferenceX dashboard shows.
DEFAULT_PRICING_TABLE = "semianalysis-2026-09-hyperscaler"


class Offer(msgspec.Struct, kw_only=True, frozen=True):
    """One price for one accelerator. ``source`` and ``source_date`` travel with every quote."""

    hardware: str
    provider: str
    kind: str
    usd_per_gpu_hour: float
    region: str | None = None
    effective_from: dt.date | None = None
    source: str
    source_date: str | None = None  # as the source states it: an ISO date, or e.g. "undated (2026)"
    notes: str | None = None
    currency: str = "USD"
    status: OfferStatus | None = None  # None: the table's author did not say
    # An owned offer may carry its TCO inputs: the quote then prices it from them
    # (tco.domain.procurement.priced_offer) and shows the breakdown.
    owned_inputs: OwnedTcoInputs | None = None


class PricingTable(msgspec.Struct, kw_only=True, frozen=True):
    name: str
    version: int
    description: str
    offers: tuple[Offer, ...]
    created_at: dt.datetime | None = None
    created_by: str | None = None
