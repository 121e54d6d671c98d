"""Offers and pricing tables: the half of the answer that changes monthly.

An offer is one way to pay for an accelerator. A pricing table is a named, versioned set of
offers; every edit makes a new immutable version (the store keeps them), so a quote can always
say which prices it used.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

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

# Money bounds, declared once: every price a client gives (JSON bodies, CSV tables, the CLI's
# --price) is this type, so the decoder and the OpenAPI document enforce the same range. Below a
# micro-dollar per GPU-hour a price is a slip, not a rate (and 5e-324 makes a cost that underflows
# to 0, dividing by zero in ratio_to_cheapest). The dearest shipped offer is ~$18/GPU-hour; a
# price 50x that is a unit slip (per node, per month), not a negotiated rate.
MIN_USD_PER_GPU_HOUR = 1e-6
MAX_USD_PER_GPU_HOUR = 1000.0
UsdPerGpuHour = Annotated[
    float,
    Meta(ge=MIN_USD_PER_GPU_HOUR, le=MAX_USD_PER_GPU_HOUR, description="USD per GPU-hour"),
]

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
