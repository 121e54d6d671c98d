"""How the cost of serving a workload moved as benchmarks were re-run: per hardware, the cheapest
$/M tokens at one interactivity target as of each distinct benchmark date of the workload.

Each date's value is exactly what a quote with ``as_of`` = that date answers (same as-of view,
frontiers, interpolation and offers), priced with one pricing table throughout, so the curve
shows what the benchmarks changed, not the prices.
"""

from __future__ import annotations

import datetime as dt

import msgspec
import polars as pl

from tco.domain.errors import InvalidRequest
from tco.domain.frontier import Interpolation
from tco.domain.index import FrontierIndex, Pooling
from tco.domain.offer_filters import OfferFilters, offer_filters_of
from tco.domain.points import POINT_FIELDS
from tco.domain.pricing import PricingTable
from tco.domain.quote import QuoteRequest, TokenBasis, quote


class HistoryPoint(msgspec.Struct, kw_only=True, frozen=True):
    benchmark_date: dt.date  # the as-of date: a date on which the workload got new points
    usd_per_million_tokens: float
    tput_per_gpu: float  # at the target, on the cheapest recipe's frontier
    method: str  # measured / interpolated / clamped_low / extrapolated
    recipe_id: str
    recipe_label: str
    offer_provider: str
    offer_kind: str
    usd_per_gpu_hour: float
    measured_dates: list[dt.date]  # run dates of the frontier points the value was read from


class HardwareHistory(msgspec.Struct, kw_only=True, frozen=True):
    hardware: str
    points: list[HistoryPoint]  # by date; a date where the hardware misses the target is absent


class HistoryResponse(msgspec.Struct, kw_only=True, frozen=True):
    model: str
    isl: int
    osl: int
    target_interactivity: float
    as_of: dt.date | None  # dates after it are left out (None: up to the latest)
    dataset_version: str
    pricing_table: str
    pricing_version: int
    token_basis: TokenBasis
    utilization: float
    interpolation: Interpolation
    pooling: Pooling
    dates: list[dt.date]  # every benchmark date of the workload, oldest first
    hardware: list[HardwareHistory]
    offer_filters: OfferFilters | None = None  # as a quote's assumptions state them
    excluded_offers: dict[str, int] = {}  # offers the filters left out, by first reason


def history(
    index: FrontierIndex, table: PricingTable, request: QuoteRequest, today: dt.date | None = None
) -> HistoryResponse:
    """``request`` is a quote request with one target; its ``as_of`` bounds the dates. Offer
    filters are applied once for all dates, price ages counted to ``today`` (default: the
    request's as_of, else the workload's newest benchmark date)."""
    if len(request.targets) != 1:
        raise InvalidRequest("targets", "a history follows exactly one target interactivity")
    selected = index.points.filter(
        (pl.col("model") == request.model)
        & (pl.col("isl") == request.isl)
        & (pl.col("osl") == request.osl)
    )
    if request.as_of is not None:
        selected = selected.filter(pl.col("date") <= request.as_of)
    if selected.height == 0:
        quote(index, table, request)  # raises the quote's error naming the known workloads
    # One workload's points only: a view per date costs that workload, not the whole dataset,
    # and the shared index's cache of as-of views is left alone.
    workload = FrontierIndex(selected.select(POINT_FIELDS), index.dataset_version)
    dates: list[dt.date] = selected["date"].unique().sort().to_list()
    by_hardware: dict[str, list[HistoryPoint]] = {}
    today = today or request.as_of or (dates[-1] if dates else None)
    excluded_offers: dict[str, int] = {}
    for date in dates:
        answer = quote(
            workload, table, msgspec.structs.replace(request, as_of=date, top=1), today=today
        )
        excluded_offers = answer.assumptions.excluded_offers  # the same at every date
        for option in answer.targets[0].cheapest_per_hardware:
            by_hardware.setdefault(option.hardware, []).append(
                HistoryPoint(
                    benchmark_date=date,
                    usd_per_million_tokens=option.usd_per_million_tokens,
                    tput_per_gpu=option.operating_point.tput_per_gpu,
                    method=option.operating_point.method,
                    recipe_id=option.recipe.recipe_id,
                    recipe_label=option.recipe.label,
                    offer_provider=option.offer.provider,
                    offer_kind=option.offer.kind,
                    usd_per_gpu_hour=option.offer.usd_per_gpu_hour,
                    measured_dates=sorted({k.date for k in option.operating_point.knots}),
                )
            )
    return HistoryResponse(
        model=request.model,
        isl=request.isl,
        osl=request.osl,
        target_interactivity=request.targets[0],
        as_of=request.as_of,
        dataset_version=index.dataset_version,
        pricing_table=table.name,
        pricing_version=table.version,
        token_basis=request.token_basis,
        utilization=request.utilization,
        interpolation=request.interpolation,
        pooling=request.pooling,
        dates=dates,
        hardware=[HardwareHistory(hardware=hw, points=p) for hw, p in sorted(by_hardware.items())],
        offer_filters=offer_filters_of(request),
        excluded_offers=excluded_offers,
    )
