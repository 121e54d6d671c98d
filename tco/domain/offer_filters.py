"""Offer filters: a buyer's policy on which prices an answer may rank ("on-demand or 1-year
reserved only, EU regions, prices no older than 6 months").

Applied to the pricing table's offers before anything is ranked, in one place for every route
(quotes, curves, history: they all go through ``tco.domain.quote.quote``). Each excluded offer is
counted under one reason, the first of ``EXCLUSION_REASONS`` that applies:

1. ``offer_kind``: its kind is not in ``offer_kinds``;
2. ``provider``: its provider is not in ``providers``;
3. ``region``: its region (or none of its "/"-separated regions) is not in ``regions``; an
   offer that states no region fails a region filter;
4. ``placeholder_price``: ``exclude_placeholder_prices`` and its status is ``placeholder``;
5. ``price_undated``: ``max_price_age_days`` is given and its ``source_date`` names no date (a
   date is never guessed);
6. ``price_age``: its ``source_date`` is more than ``max_price_age_days`` before the reference
   date (the request's as_of, else the service's today: the date evidence ages are judged at);
   a ``YYYY-MM`` date counts from the month's first day;
7. ``commitment_unknown``: a commitment bound is given and the offer's term is unknown (an
   ``owned`` offer without TCO inputs stating its lifetime);
8. ``commitment_term``: its term is outside ``min_commitment_months`` .. ``max_commitment_months``
   (a minimum above the maximum keeps nothing: no error, like a provider nobody sells).

Providers and regions compare case-insensitively; a value nobody sells simply matches nothing.
Price overrides (kind ``override``) are the request's own prices and pass every offer filter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated

import msgspec
from msgspec import Meta

from tco.domain.freshness import price_date
from tco.domain.pricing import Offer, OfferKind

# The commitment a kind binds the buyer to, in months. reserved_short_term (AWS Capacity
# Blocks: prepaid for days to weeks) counts as 1: a commitment, but under any yearly term.
# owned: the economic life its TCO inputs state (lifetime_years x 12), else unknown.
COMMITMENT_MONTHS: dict[str, int] = {
    "on_demand": 0,
    "spot": 0,
    "list": 0,
    "reserved_short_term": 1,
    "reserved_1y": 12,
    "reserved_2y": 24,
    "reserved_3y": 36,
}

EXCLUSION_REASONS: tuple[str, ...] = (
    "offer_kind",
    "provider",
    "region",
    "placeholder_price",
    "price_undated",
    "price_age",
    "commitment_unknown",
    "commitment_term",
)

# As wide as a 2000-character query string allows, so GET and POST accept the same lists.
_Names = Annotated[list[Annotated[str, Meta(min_length=1, max_length=2000)]], Meta(max_length=1000)]
_Months = Annotated[int, Meta(ge=0, le=1200, description="Commitment term, months")]


class OfferFilters(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    offer_kinds: Annotated[list[OfferKind], Meta(min_length=1, max_length=20)] | None = None
    providers: _Names | None = None
    regions: _Names | None = None
    max_price_age_days: Annotated[int, Meta(ge=1, le=36500)] | None = None
    exclude_placeholder_prices: bool = False
    min_commitment_months: _Months | None = None
    max_commitment_months: _Months | None = None


OFFER_FILTER_FIELDS: tuple[str, ...] = OfferFilters.__struct_fields__


def offer_filters_of(f: OfferFilters) -> OfferFilters | None:
    """Just the offer filters of ``f`` (a request), or None when it sets none."""
    values = {name: getattr(f, name) for name in OFFER_FILTER_FIELDS}
    if all(v is None or v is False for v in values.values()):
        return None
    return OfferFilters(**values)


def commitment_months(offer: Offer) -> int | None:
    """The offer's commitment term in months; None when unknown."""
    if offer.kind == "owned":
        inputs = offer.owned_inputs
        return None if inputs is None else round(inputs.lifetime_years * 12)
    return COMMITMENT_MONTHS.get(offer.kind)


def exclusion_reason(offer: Offer, f: OfferFilters, today: dt.date) -> str | None:
    """The first reason (in ``EXCLUSION_REASONS`` order) ``f`` excludes ``offer``, or None."""
    if offer.kind == "override":
        return None
    if f.offer_kinds is not None and offer.kind not in f.offer_kinds:
        return "offer_kind"
    if f.providers is not None and offer.provider.casefold() not in _folded(f.providers):
        return "provider"
    if f.regions is not None:
        regions = {r.strip().casefold() for r in (offer.region or "").split("/")} - {""}
        if not regions & _folded(f.regions):
            return "region"
    if f.exclude_placeholder_prices and offer.status == "placeholder":
        return "placeholder_price"
    if f.max_price_age_days is not None:
        dated = price_date(offer.source_date)
        if dated is None:
            return "price_undated"
        if (today - dated).days > f.max_price_age_days:
            return "price_age"
    if f.min_commitment_months is not None or f.max_commitment_months is not None:
        months = commitment_months(offer)
        if months is None:
            return "commitment_unknown"
        if (f.min_commitment_months is not None and months < f.min_commitment_months) or (
            f.max_commitment_months is not None and months > f.max_commitment_months
        ):
            return "commitment_term"
    return None


def filter_offers(
    offers: Sequence[Offer], f: OfferFilters | None, today: dt.date
) -> tuple[list[Offer], dict[str, int]]:
    """The offers ``f`` keeps, and the excluded ones counted by reason (reasons in
    ``EXCLUSION_REASONS`` order, only those that occur)."""
    if f is None:
        return list(offers), {}
    kept: list[Offer] = []
    counts = dict.fromkeys(EXCLUSION_REASONS, 0)
    for offer in offers:
        reason = exclusion_reason(offer, f, today)
        if reason is None:
            kept.append(offer)
        else:
            counts[reason] += 1
    return kept, {k: v for k, v in counts.items() if v}


def _folded(names: Sequence[str]) -> set[str]:
    return {n.strip().casefold() for n in names}
