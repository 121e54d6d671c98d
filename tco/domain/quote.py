"""The quote: cheapest hardware + recipe + offer per interactivity target, and the alternatives.

Per-recipe first (DESIGN section 2): each recipe's frontier is read at the target, cost is
derived from that throughput (never interpolated itself), then recipes x offers are ranked.
The work is split along its seams: the structs and cost formulas (quote_model), the offers
(quote_offers), the per-index answer fragments (quote_parts), the ranking (quote_rank) and the
listed options (quote_options); this module reads the request and assembles the answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from tco.domain.buildbuy import ApiPrice
from tco.domain.catalog import Hardware
from tco.domain.errors import InvalidRequest
from tco.domain.freshness import Freshness, StalePolicy, with_evidence
from tco.domain.frontier import Grid, read_grid
from tco.domain.index import FrontierIndex, WorkloadIndex
from tco.domain.offer_filters import OfferFilters, filter_offers, offer_filters_of
from tco.domain.pricing import PricingTable
from tco.domain.procurement import resolve_api_price
from tco.domain.quote_model import (
    SECONDS_PER_HOUR,
    Assumptions,
    ExcludedRecipe,
    Knot,
    MethodLabel,
    OfferInfo,
    OperatingPoint,
    QuoteFilters,
    QuoteOption,
    QuoteRequest,
    QuoteResponse,
    RecipeInfo,
    SequenceTokens,
    TargetQuote,
    TokenBasis,
    TokensPerSecondPerUser,
    UnreachableRecipe,
    usd_per_1k_requests,
    usd_per_million_tokens,
)
from tco.domain.quote_offers import PricedOffers, effective_offers
from tco.domain.quote_options import Procurement
from tco.domain.quote_parts import recipe_info, recipe_label
from tco.domain.quote_rank import quote_targets, ranked_columns

__all__ = [
    "SECONDS_PER_HOUR",
    "Assumptions",
    "ExcludedRecipe",
    "Knot",
    "MethodLabel",
    "OfferInfo",
    "OperatingPoint",
    "QuoteFilters",
    "QuoteOption",
    "QuoteRequest",
    "QuoteResponse",
    "RecipeInfo",
    "SequenceTokens",
    "TargetQuote",
    "TokenBasis",
    "TokensPerSecondPerUser",
    "UnreachableRecipe",
    "effective_offers",
    "quote",
    "recipe_info",
    "recipe_label",
    "usd_per_1k_requests",
    "usd_per_million_tokens",
]


_RECIPE_FILTERS = tuple(
    n for n in QuoteFilters.__struct_fields__ if n not in OfferFilters.__struct_fields__
)


def _has_filters(f: QuoteFilters) -> bool:
    return any(getattr(f, name) is not None for name in _RECIPE_FILTERS)


def _filter_mask(groups: pl.DataFrame, f: QuoteFilters) -> np.ndarray:
    expr = pl.lit(value=True)
    if f.hardware:
        expr &= pl.col("hardware").is_in(f.hardware)
    if f.exclude_hardware:
        expr &= ~pl.col("hardware").is_in(f.exclude_hardware)
    if f.frameworks:
        expr &= pl.col("framework").is_in(f.frameworks)
    if f.precisions:
        expr &= pl.col("precision").is_in(f.precisions)
    if f.spec_methods:
        expr &= pl.col("spec_method").is_in(f.spec_methods)
    if f.disagg is not None:
        expr &= pl.col("disagg") == f.disagg
    if f.max_gpus_per_replica is not None and "gpus_per_replica" in groups.columns:
        expr &= pl.col("gpus_per_replica") <= f.max_gpus_per_replica
    return groups.with_columns(expr.alias("_mask"))["_mask"].to_numpy().astype(bool)


@dataclass(frozen=True)
class Prepared:
    """What a quote reads before ranking: the workload's index, the offers it prices with, the
    recipe filter mask and every curve read at every target."""

    wl: WorkloadIndex
    judged_at: dt.date  # the date ages are judged at (evidence, price age filters)
    priced: PricedOffers
    offer_filters: OfferFilters | None
    excluded_offers: dict[str, int]
    mask: np.ndarray
    grid: Grid


def prepared(
    index: FrontierIndex, table: PricingTable, request: QuoteRequest, today: dt.date | None
) -> Prepared:
    """The request checked against the data (model and workload, override hardware) and read."""
    wl = index.workload(request.model, request.isl, request.osl, request.as_of, request.pooling)
    if wl is None:
        raise InvalidRequest("model", _no_workload_reason(index, request))
    if request.price_overrides:
        known_hw = set(wl.hardware_names) | {o.hardware for o in table.offers}
        for hw in request.price_overrides:
            if hw not in known_hw:
                raise InvalidRequest(
                    "price_overrides",
                    f"unknown hardware {hw!r} (known: {', '.join(sorted(known_hw))})",
                )
    judged_at = today or request.as_of or wl.latest_date  # price ages count to it too
    offer_filters = offer_filters_of(request)
    offers, excluded_offers = filter_offers(
        effective_offers(table, request.price_overrides), offer_filters, judged_at
    )
    mask = (
        _filter_mask(wl.groups, request)
        if _has_filters(request)
        else np.ones(wl.curves.count, dtype=bool)
    )
    grid = read_grid(
        wl.curves,
        request.targets,
        request.interpolation,
        extrapolate=request.extrapolate,
        positive="tput_per_gpu",
        columns=ranked_columns(request),
    )
    return Prepared(
        wl, judged_at, PricedOffers(offers, wl), offer_filters, excluded_offers, mask, grid
    )


def quote(
    index: FrontierIndex,
    table: PricingTable,
    request: QuoteRequest,
    *,
    catalog: Mapping[str, Hardware] | None = None,
    api_prices: Mapping[str, ApiPrice] | None = None,
    today: dt.date | None = None,
    stale_policy: StalePolicy | None = None,
    synced_at: dt.datetime | None = None,
) -> QuoteResponse:
    """``catalog`` gives nodes, racks and power for a demand; ``api_prices`` (by id) resolve an
    ``api_price`` given by id. Evidence ages are counted to ``today`` (default: the request's
    as_of, else the newest benchmark date of the workload, so an answer never depends on the
    wall clock unless the caller passes it)."""
    api_price, cache_hit_share = (
        resolve_api_price(request.api_price, request.model, api_prices or {})
        if request.api_price is not None
        else (None, 0.0)
    )
    proc = Procurement(catalog or {}, api_price, cache_hit_share)
    read = prepared(index, table, request, today)
    wl, judged_at, grid = read.wl, read.judged_at, read.grid
    offer_filters, excluded_offers = read.offer_filters, read.excluded_offers
    policy = stale_policy or StalePolicy()
    targets, stale, used_newest = with_evidence(
        quote_targets(wl, read.priced, read.mask, request, grid, proc), wl, judged_at, policy
    )
    return QuoteResponse(
        assumptions=Assumptions(
            model=request.model,
            isl=request.isl,
            osl=request.osl,
            as_of=request.as_of,
            benchmark_as_of=used_newest,
            dataset_version=index.dataset_version,
            pricing_table=table.name,
            pricing_version=table.version,
            token_basis=request.token_basis,
            utilization=request.utilization,
            interpolation=request.interpolation,
            pooling=request.pooling,
            extrapolate=request.extrapolate,
            price_overrides=dict(request.price_overrides),
            demand=request.demand,
            api_price=api_price,
            api_cache_hit_share=None if api_price is None else cache_hit_share,
            freshness=Freshness(
                judged_at=judged_at,
                workload_latest_date=wl.latest_date,
                synced_at=synced_at,
                stale_benchmark_days=policy.benchmark_days,
                stale_price_days=policy.price_days,
                stale_options=stale,
            ),
            offer_filters=offer_filters,
            excluded_offers=excluded_offers,
        ),
        targets=targets,
    )


def _no_workload_reason(index: FrontierIndex, request: QuoteRequest) -> str:
    available = sorted(index.workloads(request.as_of, request.pooling))
    same_model = [f"{isl}/{osl}" for m, isl, osl in available if m == request.model]
    if same_model:
        return f"no benchmark data for {request.model} at isl/osl {request.isl}/{request.osl}; measured workloads: {', '.join(same_model)}"
    models = sorted({m for m, _, _ in available})
    return f"no benchmark data for model {request.model!r}; known models: {', '.join(models) or 'none'}"
