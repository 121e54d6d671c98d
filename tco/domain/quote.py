"""The quote: cheapest hardware + recipe + offer per interactivity target, and the alternatives.

Per-recipe first (DESIGN section 2): each recipe's frontier is read at the target, cost is
derived from that throughput (never interpolated itself), then recipes x offers are ranked.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

import msgspec
import numpy as np
import polars as pl
from msgspec import Meta

from tco.domain.buildbuy import ApiPrice
from tco.domain.capacity import (
    HOURS_PER_MONTH,
    Capacity,
    CapacityUnavailable,
    Demand,
    capacity,
    demand_requests_per_s,
    gpus_needed,
    whole_replicas,
)
from tco.domain.catalog import Hardware
from tco.domain.errors import InvalidRequest
from tco.domain.frontier import FloatArray, Interpolation, Method, Reading, read_many
from tco.domain.index import FrontierIndex, Pooling, WorkloadIndex
from tco.domain.owned import OwnedTcoBreakdown
from tco.domain.pricing import Offer, PricingTable
from tco.domain.procurement import (
    ApiComparison,
    ApiPriceId,
    ApiPriceInput,
    compare_with_api,
    owned_breakdown,
    priced_offer,
    resolve_api_price,
)

TokenBasis = Literal["total", "output", "input"]
SECONDS_PER_HOUR = 3600.0

# Realistic bounds: a divisor never gets near zero, a list never gets unbounded.
TokensPerSecondPerUser = Annotated[
    float, Meta(gt=0, le=100_000, description="Interactivity target, tok/s/user")
]
UsdPerGpuHour = Annotated[float, Meta(gt=0, le=1_000, description="USD per GPU-hour")]
SequenceTokens = Annotated[int, Meta(ge=1, le=10_000_000, description="Tokens")]
_BASIS_COLUMN: dict[str, str] = {
    "total": "tput_per_gpu",
    "output": "output_tput_per_gpu_all",
    "input": "input_tput_per_gpu_all",
}


class QuoteFilters(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    hardware: list[str] | None = None
    exclude_hardware: list[str] | None = None
    frameworks: list[str] | None = None
    precisions: list[str] | None = None
    spec_methods: list[str] | None = None
    disagg: bool | None = None
    max_ttft_s: Annotated[float, Meta(gt=0, le=3600)] | None = None
    max_gpus_per_replica: Annotated[int, Meta(ge=1, le=100_000)] | None = None


class QuoteRequest(QuoteFilters, kw_only=True, frozen=True, forbid_unknown_fields=True):
    # Examples (the reference case in shared/data/seed_article.md) let docs and the contract
    # fuzzer reach measured data.
    model: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=100,
            description="Model key, e.g. dsr1, kimi-k2.5",
            examples=["kimi-k2.5"],
        ),
    ]
    isl: Annotated[SequenceTokens, Meta(examples=[8192])]
    osl: Annotated[SequenceTokens, Meta(examples=[1024])]
    targets: Annotated[
        list[TokensPerSecondPerUser], Meta(min_length=1, max_length=50, examples=[[20, 50, 100]])
    ]
    pricing: Annotated[str, Meta(min_length=1, max_length=100)] | None = None
    pricing_version: Annotated[int, Meta(ge=1, le=1_000_000_000)] | None = None
    price_overrides: dict[str, UsdPerGpuHour] = {}
    token_basis: TokenBasis = "total"
    utilization: Annotated[
        float,
        Meta(
            ge=0.01, le=1.0, description="Share of the time the GPUs serve at the operating point"
        ),
    ] = 1.0
    interpolation: Interpolation = "linear"
    pooling: Pooling = "recipe"
    extrapolate: bool = False
    as_of: dt.date | None = None
    top: Annotated[int, Meta(ge=1, le=100)] = 5
    # Procurement: capacity and monthly bill for a demand; build vs buy against an API price
    # (inline prices, or the id of a shipped entry from GET /v1/api-prices).
    demand: Demand | None = None
    api_price: ApiPriceId | ApiPriceInput | None = None


class Knot(msgspec.Struct, kw_only=True, frozen=True):
    """A measured point a reading used, with its provenance."""

    interactivity: float
    tput_per_gpu: float
    conc: int
    date: dt.date
    source: str
    recipe_id: str
    framework_version: str | None
    image: str | None


class OperatingPoint(msgspec.Struct, kw_only=True, frozen=True):
    method: Literal["measured", "interpolated", "clamped_low", "extrapolated"]
    interpolation: Interpolation
    interactivity: float
    tput_per_gpu: float
    output_tput_per_gpu: float | None  # deployment-wide (all GPUs, both pools)
    input_tput_per_gpu: float | None
    conc: float
    ttft_s: float | None
    tpot_s: float | None
    knots: list[Knot]


class RecipeInfo(msgspec.Struct, kw_only=True, frozen=True):
    recipe_id: str  # a series id ("s-...") when pooling=series
    label: str
    hardware: str
    framework: str
    precision: str
    spec_method: str
    disagg: bool
    tp: int | None
    ep: int | None
    dp_attention: bool | None
    prefill_tp: int | None
    prefill_ep: int | None
    decode_tp: int | None
    decode_ep: int | None
    num_prefill_gpu: int | None
    num_decode_gpu: int | None
    gpus_per_replica: int | None  # None for a pooled series: its knots may differ
    max_interactivity: float
    latest_date: dt.date


class OfferInfo(msgspec.Struct, kw_only=True, frozen=True):
    provider: str
    kind: str
    usd_per_gpu_hour: float
    region: str | None
    source: str
    source_date: str | None
    notes: str | None
    owned_tco: OwnedTcoBreakdown | None = None  # an owned offer priced from its TCO inputs


class QuoteOption(msgspec.Struct, kw_only=True, frozen=True):
    rank: int
    hardware: str
    recipe: RecipeInfo
    offer: OfferInfo
    operating_point: OperatingPoint
    usd_per_million_tokens: float
    usd_per_1k_requests: float | None  # None when the source did not publish output throughput
    ratio_to_cheapest: float
    break_even_usd_per_gpu_hour: float  # the price at which this option ties the cheapest
    capacity: Capacity | None = None  # when the request gives a demand and it is computable
    capacity_unavailable: str | None = None  # why not, when a demand was given
    api_comparison: ApiComparison | None = None  # when the request gives an api_price


class UnreachableRecipe(msgspec.Struct, kw_only=True, frozen=True):
    recipe_id: str
    label: str
    hardware: str
    max_interactivity: float


class ExcludedRecipe(msgspec.Struct, kw_only=True, frozen=True):
    recipe_id: str
    label: str
    hardware: str
    reason: str


class TargetQuote(msgspec.Struct, kw_only=True, frozen=True):
    target_interactivity: float
    cheapest: QuoteOption | None
    options: list[QuoteOption]
    cheapest_per_hardware: list[QuoteOption]
    unreachable: list[UnreachableRecipe]
    unreachable_total: int
    excluded: list[ExcludedRecipe]
    excluded_total: int
    # With a demand: the option with the lowest monthly bill once rounded to whole replicas,
    # which can differ from the lowest $/M tokens when a big replica would sit mostly idle.
    cheapest_for_demand: QuoteOption | None = None


class Assumptions(msgspec.Struct, kw_only=True, frozen=True):
    model: str
    isl: int
    osl: int
    as_of: dt.date | None  # the requested as-of date (None: latest)
    benchmark_as_of: dt.date | None  # newest benchmark date of this workload in the view used
    dataset_version: str
    pricing_table: str
    pricing_version: int
    token_basis: TokenBasis
    utilization: float
    interpolation: Interpolation
    pooling: Pooling
    extrapolate: bool
    price_overrides: dict[str, float]
    demand: Demand | None = None
    api_price: ApiPrice | None = None  # the resolved entry, with its source
    api_cache_hit_share: float | None = None


class QuoteResponse(msgspec.Struct, kw_only=True, frozen=True):
    assumptions: Assumptions
    targets: list[TargetQuote]


def usd_per_million_tokens(
    usd_per_gpu_hour: FloatArray | float,
    tokens_per_s_per_gpu: FloatArray | float,
    utilization: float,
) -> FloatArray | float:
    """$ per 1M tokens = $/GPU-h x 1e6 / (3600 s x tok/s/GPU x utilization)."""
    return usd_per_gpu_hour * 1e6 / (SECONDS_PER_HOUR * tokens_per_s_per_gpu * utilization)


def usd_per_1k_requests(
    usd_per_gpu_hour: float, output_tput_per_gpu: float, osl: int, utilization: float
) -> float:
    """Requests/s per GPU = output tok/s per GPU (all GPUs) / osl; cost of 1000 of them."""
    requests_per_s_per_gpu = output_tput_per_gpu / osl
    return usd_per_gpu_hour / SECONDS_PER_HOUR / (requests_per_s_per_gpu * utilization) * 1000.0


def effective_offers(table: PricingTable, price_overrides: Mapping[str, float]) -> list[Offer]:
    """The table's offers, owned ones priced from their TCO inputs, with each overridden
    hardware's offers replaced by the override."""
    kept = [_priced(o) for o in table.offers if o.hardware not in price_overrides]
    overrides = [
        Offer(
            hardware=hw,
            provider="request override",
            kind="override",
            usd_per_gpu_hour=price,
            source="price_overrides in the request",
        )
        for hw, price in sorted(price_overrides.items())
    ]
    return kept + overrides


def recipe_label(row: Mapping[str, object]) -> str:
    """Words for a recipe, e.g. "vllm fp4 TP8 (8 GPUs)" or "dynamo-trt fp4 disagg P 4xTP4 / D 8xTP8"."""
    parts = [str(row["framework"]), str(row["precision"])]
    if row.get("spec_method") not in (None, "none", "unknown"):
        parts.append(str(row["spec_method"]).upper())
    if row.get("disagg"):
        parts.append(f"disagg prefill {_pool(row, 'prefill')} + decode {_pool(row, 'decode')}")
    elif row.get("tp") is not None:
        topo = f"TP{row['tp']}"
        if row.get("ep") not in (None, 1):
            topo += f" EP{row['ep']}"
        if row.get("dp_attention"):
            topo += " DP-attn"
        parts.append(topo)
    gpus = row.get("gpus_per_replica")
    if gpus is not None:
        parts.append(f"({gpus} GPUs)")
    elif "gpus_per_replica" not in row:
        parts.append("(all topologies)")
    return " ".join(parts)


def _pool(row: Mapping[str, object], pool: str) -> str:
    gpus, tp, ep = row.get(f"num_{pool}_gpu"), row.get(f"{pool}_tp"), row.get(f"{pool}_ep")
    parts = [] if gpus is None else [f"{gpus} GPUs"]  # some sources state a pool's TP/EP only
    if tp is not None:
        parts.append(f"TP{tp}")
    if ep not in (None, 1):
        parts.append(f"EP{ep}")
    return " ".join(parts) or "?"


def _has_filters(f: QuoteFilters) -> bool:
    return any(getattr(f, name) is not None for name in QuoteFilters.__struct_fields__)


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


class _Priced:
    """Offers grouped by hardware as arrays, cheapest first within each hardware."""

    def __init__(self, offers: Sequence[Offer], hardware_of_curve: np.ndarray) -> None:
        order = sorted(
            range(len(offers)),
            key=lambda i: (
                offers[i].hardware,
                offers[i].usd_per_gpu_hour,
                offers[i].provider,
                offers[i].kind,
            ),
        )
        self.offers = [offers[i] for i in order]
        self.price = np.array([o.usd_per_gpu_hour for o in self.offers], dtype=np.float64)
        offer_hw = np.array([o.hardware for o in self.offers], dtype=str)
        names, first, counts = np.unique(offer_hw, return_index=True, return_counts=True)
        # Vectorized per-curve lookup of "its hardware's offers" (thousands of curves per quote).
        pos = np.minimum(np.searchsorted(names, hardware_of_curve), max(names.size - 1, 0))
        found = (
            (names[pos] == hardware_of_curve)
            if names.size
            else np.zeros(hardware_of_curve.size, dtype=bool)
        )
        self.first_offer = np.where(found, first[pos] if names.size else -1, -1).astype(np.int64)
        self.offer_count = np.where(found, counts[pos] if names.size else 0, 0).astype(np.int64)


def _priced(offer: Offer) -> Offer:
    try:
        return priced_offer(offer)
    except ValueError as exc:
        raise InvalidRequest(
            "pricing", f"owned offer for {offer.hardware} ({offer.provider}): {exc}"
        ) from None


@dataclass(frozen=True)
class _Procurement:
    """What capacity and build-vs-buy need beyond the request: the hardware catalog and the
    resolved API price."""

    catalog: Mapping[str, Hardware]
    api_price: ApiPrice | None
    cache_hit_share: float


def quote(
    index: FrontierIndex,
    table: PricingTable,
    request: QuoteRequest,
    *,
    catalog: Mapping[str, Hardware] | None = None,
    api_prices: Mapping[str, ApiPrice] | None = None,
) -> QuoteResponse:
    """``catalog`` gives nodes, racks and power for a demand; ``api_prices`` (by id) resolve an
    ``api_price`` given by id."""
    wl = index.workload(request.model, request.isl, request.osl, request.as_of, request.pooling)
    if wl is None:
        raise InvalidRequest("model", _no_workload_reason(index, request))
    api_price, cache_hit_share = (
        resolve_api_price(request.api_price, request.model, api_prices or {})
        if request.api_price is not None
        else (None, 0.0)
    )
    proc = _Procurement(catalog or {}, api_price, cache_hit_share)
    known_hw = set(wl.groups["hardware"].to_list()) | {o.hardware for o in table.offers}
    for hw in request.price_overrides:
        if hw not in known_hw:
            raise InvalidRequest(
                "price_overrides", f"unknown hardware {hw!r} (known: {', '.join(sorted(known_hw))})"
            )
    offers = effective_offers(table, request.price_overrides)
    priced = _Priced(offers, wl.hardware)
    mask = (
        _filter_mask(wl.groups, request)
        if _has_filters(request)
        else np.ones(wl.curves.count, dtype=bool)
    )
    group_rows = wl.group_rows
    readings = read_many(
        wl.curves,
        request.targets,
        request.interpolation,
        extrapolate=request.extrapolate,
        positive="tput_per_gpu",
    )
    targets = [_quote_target(wl, group_rows, priced, mask, request, r, proc) for r in readings]
    return QuoteResponse(
        assumptions=Assumptions(
            model=request.model,
            isl=request.isl,
            osl=request.osl,
            as_of=request.as_of,
            benchmark_as_of=wl.latest_date,
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


_UNREACHABLE_LISTED = 50
_EXCLUDED_LISTED = 50


def _label(wl: WorkloadIndex, c: int) -> str:
    key = ("label", c)
    if key not in wl.memo:
        wl.memo[key] = recipe_label(wl.group_rows[c])
    return wl.memo[key]  # type: ignore[no-any-return]


def _recipe_info(wl: WorkloadIndex, c: int) -> RecipeInfo:
    key = ("info", c)
    if key not in wl.memo:
        wl.memo[key] = recipe_info(wl.group_rows[c])
    return wl.memo[key]  # type: ignore[no-any-return]


def _unreachable(wl: WorkloadIndex, c: int) -> UnreachableRecipe:
    key = ("unreachable", c)
    if key not in wl.memo:
        row = wl.group_rows[c]
        wl.memo[key] = UnreachableRecipe(
            recipe_id=str(row["curve_id"]),
            label=_label(wl, c),
            hardware=str(row["hardware"]),
            max_interactivity=float(row["max_interactivity"]),
        )
    return wl.memo[key]  # type: ignore[no-any-return]


def _quote_target(
    wl: WorkloadIndex,
    group_rows: list[dict[str, object]],
    priced: _Priced,
    mask: np.ndarray,
    request: QuoteRequest,
    reading: Reading,
    proc: _Procurement,
) -> TargetQuote:
    basis = reading.values[_BASIS_COLUMN[request.token_basis]]
    reachable = reading.method != Method.UNREACHABLE
    has_price = priced.offer_count > 0
    has_basis = np.isfinite(basis) & (basis > 0)
    ttft_ok = np.ones_like(mask)
    if request.max_ttft_s is not None:
        ttft_ok = (
            reading.values["ttft_s"] <= request.max_ttft_s
        )  # NaN (unpublished) fails: said below
    eligible = mask & reachable & has_price & has_basis & ttft_ok
    best_cost = np.full(mask.size, np.inf)
    cheapest_price = (
        priced.price[np.maximum(priced.first_offer, 0)]
        if priced.price.size
        else np.zeros(mask.size)
    )
    best_cost[eligible] = usd_per_million_tokens(
        cheapest_price[eligible], basis[eligible], request.utilization
    )

    # The top-k (recipe, offer) pairs all come from the top-k recipes by their cheapest offer.
    k = min(request.top, int(eligible.sum()))
    top_curves = _smallest(best_cost, k)
    pairs: list[tuple[float, str, int, int]] = []
    for c in top_curves:
        start, count = int(priced.first_offer[c]), int(priced.offer_count[c])
        for o in range(start, start + count):
            cost = float(usd_per_million_tokens(priced.price[o], basis[c], request.utilization))
            pairs.append((cost, str(group_rows[c]["curve_id"]), int(c), o))
    pairs.sort()
    pairs = pairs[:k]
    cheapest_cost = pairs[0][0] if pairs else None
    ops: dict[int, OperatingPoint] = {}  # one operating point per curve, shared by its options
    options = [
        _option(wl, ops, priced, reading, request, proc, c, o, cost, cheapest_cost or cost, rank)
        for rank, (cost, _, c, o) in enumerate(pairs, 1)
    ]

    def at_cheapest_offer(c: int) -> QuoteOption:
        """Recipe ``c`` priced at its hardware's cheapest offer (rank 0: outside the top list)."""
        cost = float(best_cost[c])
        offer = int(priced.first_offer[c])
        return _option(
            wl, ops, priced, reading, request, proc, c, offer, cost, cheapest_cost or cost, 0
        )

    # The cheapest eligible recipe of each hardware: sort by (hardware, cost), keep group heads.
    candidates = np.nonzero(eligible)[0]
    order = candidates[np.lexsort((best_cost[candidates], wl.hardware_code[candidates]))]
    codes = wl.hardware_code[order]
    heads = order[np.concatenate(([True], codes[1:] != codes[:-1]))] if order.size else order
    per_hw = sorted(
        (at_cheapest_offer(int(c)) for c in heads), key=lambda o: o.usd_per_million_tokens
    )
    for_demand = None
    if request.demand is not None:
        c_bill = _cheapest_for_demand(
            wl, reading, request, request.demand, eligible, cheapest_price
        )
        if c_bill is not None:
            for_demand = at_cheapest_offer(c_bill)

    unreachable_idx = np.nonzero(mask & ~reachable)[0]
    order = unreachable_idx[np.argsort(-wl.max_interactivity[unreachable_idx], kind="stable")]
    unreachable = [_unreachable(wl, int(i)) for i in order[:_UNREACHABLE_LISTED]]
    excluded: list[ExcludedRecipe] = []
    excluded_total = 0
    reasons = (
        (~has_price, "no offer for this hardware in pricing table (or overrides)"),
        (~has_basis, f"{request.token_basis} throughput not published by the source"),
        (~ttft_ok, f"TTFT above max_ttft_s={request.max_ttft_s} or not published"),
    )
    seen = ~(mask & reachable)
    for bad, reason in reasons:
        idx = np.nonzero(bad & ~seen)[0]
        seen |= bad
        excluded_total += int(idx.size)
        for i in idx[: max(0, _EXCLUDED_LISTED - len(excluded))]:
            excluded.append(
                ExcludedRecipe(
                    recipe_id=str(group_rows[i]["curve_id"]),
                    label=_label(wl, int(i)),
                    hardware=str(group_rows[i]["hardware"]),
                    reason=reason,
                )
            )
    return TargetQuote(
        target_interactivity=reading.target,
        cheapest=options[0] if options else None,
        options=options,
        cheapest_per_hardware=per_hw,
        unreachable=unreachable,
        unreachable_total=int(unreachable_idx.size),
        excluded=excluded,
        excluded_total=excluded_total,
        cheapest_for_demand=for_demand,
    )


def _cheapest_for_demand(
    wl: WorkloadIndex,
    reading: Reading,
    request: QuoteRequest,
    demand: Demand,
    eligible: np.ndarray,
    cheapest_price: FloatArray,
) -> int | None:
    """The eligible curve whose whole replicas, at its cheapest offer, cost least per month."""
    if "gpus_per_replica" not in wl.groups.columns:  # pooling=series: no replica size
        return None
    key = ("gpus_per_replica", -1)
    if key not in wl.memo:
        wl.memo[key] = wl.groups["gpus_per_replica"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    gpr: FloatArray = wl.memo[key]
    needed = gpus_needed(
        demand,
        output_tput_per_gpu=reading.values["output_tput_per_gpu_all"],
        conc=reading.values["conc"],
        gpus_per_replica=gpr,
        osl=request.osl,
        utilization=request.utilization,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        gpus = whole_replicas(np.asarray(needed, dtype=np.float64), gpr) * gpr
        bill = gpus * HOURS_PER_MONTH * cheapest_price
    ok = eligible & np.isfinite(bill) & (bill > 0)
    if not ok.any():
        return None
    return int(np.flatnonzero(ok)[np.argmin(bill[ok])])


def _smallest(values: FloatArray, k: int) -> list[int]:
    if k <= 0:
        return []
    candidates = np.argpartition(values, k - 1)[:k] if k < values.size else np.arange(values.size)
    return [int(i) for i in candidates[np.argsort(values[candidates], kind="stable")]]


def _option(
    wl: WorkloadIndex,
    ops: dict[int, OperatingPoint],
    priced: _Priced,
    reading: Reading,
    request: QuoteRequest,
    proc: _Procurement,
    c: int,
    o: int,
    cost: float,
    cheapest_cost: float,
    rank: int,
) -> QuoteOption:
    offer = priced.offers[o]
    if c not in ops:
        ops[c] = operating_point(wl, reading, c, request.interpolation)
    output_tput = float(reading.values["output_tput_per_gpu_all"][c])
    has_output = bool(np.isfinite(output_tput) and output_tput > 0)
    per_1k = (
        usd_per_1k_requests(offer.usd_per_gpu_hour, output_tput, request.osl, request.utilization)
        if has_output
        else None
    )
    recipe = _recipe_info(wl, c)
    cap, cap_reason = None, None
    if request.demand is not None and request.pooling == "series":
        cap_reason = "pooling=series pools several topologies: no single replica size (use recipe)"
    elif request.demand is not None:
        try:
            cap = capacity(
                request.demand,
                output_tput_per_gpu=output_tput if has_output else None,
                conc=float(reading.values["conc"][c]),
                gpus_per_replica=recipe.gpus_per_replica,
                osl=request.osl,
                utilization=request.utilization,
                usd_per_gpu_hour=offer.usd_per_gpu_hour,
                hardware=proc.catalog.get(offer.hardware),
                hardware_key=offer.hardware,
            )
        except CapacityUnavailable as exc:
            cap_reason = exc.reason
    api = (
        compare_with_api(
            proc.api_price,
            proc.cache_hit_share,
            isl=request.isl,
            osl=request.osl,
            usd_per_gpu_hour=offer.usd_per_gpu_hour,
            output_tput_per_gpu=output_tput if has_output else None,
            utilization=request.utilization,
            requests_per_s=None
            if request.demand is None
            else demand_requests_per_s(
                request.demand,
                osl=request.osl,
                output_tok_s_per_user=(
                    output_tput * recipe.gpus_per_replica / ops[c].conc
                    if has_output and recipe.gpus_per_replica is not None
                    else None
                ),
            ),
            self_hosted_usd_per_month=None if cap is None else cap.usd_per_month,
        )
        if proc.api_price is not None
        else None
    )
    return QuoteOption(
        rank=rank,
        hardware=offer.hardware,
        recipe=recipe,
        offer=OfferInfo(
            provider=offer.provider,
            kind=offer.kind,
            usd_per_gpu_hour=offer.usd_per_gpu_hour,
            region=offer.region,
            source=offer.source,
            source_date=offer.source_date,
            notes=offer.notes,
            owned_tco=owned_breakdown(offer),
        ),
        operating_point=ops[c],
        usd_per_million_tokens=cost,
        usd_per_1k_requests=per_1k,
        ratio_to_cheapest=cost / cheapest_cost,
        break_even_usd_per_gpu_hour=offer.usd_per_gpu_hour * cheapest_cost / cost,
        capacity=cap,
        capacity_unavailable=cap_reason,
        api_comparison=api,
    )


def _opt_float(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _knot(wl: WorkloadIndex, i: int) -> Knot:
    key = ("knot", i)
    if key not in wl.memo:
        r = wl.knot_rows[i]
        wl.memo[key] = Knot(
            interactivity=float(r["interactivity"]),
            tput_per_gpu=float(r["tput_per_gpu"]),
            conc=int(r["conc"]),
            date=r["date"],
            source=str(r["source"]),
            recipe_id=str(r["recipe_id"]),
            framework_version=r["framework_version"],
            image=r["image"],
        )
    return wl.memo[key]  # type: ignore[no-any-return]


_METHOD_LABELS = [m.label for m in Method]


def operating_point(
    wl: WorkloadIndex, reading: Reading, c: int, interpolation: Interpolation
) -> OperatingPoint:
    method = int(reading.method[c])
    lo, hi = int(reading.lo[c]), int(reading.hi[c])
    knots = [_knot(wl, lo)] if lo == hi else [_knot(wl, i) for i in sorted((lo, hi))]
    values = reading.values
    on_knot = method in (Method.MEASURED, Method.CLAMPED_LOW)
    return OperatingPoint(
        method=_METHOD_LABELS[method],  # type: ignore[arg-type]
        interpolation=interpolation,
        interactivity=knots[0].interactivity if on_knot else reading.target,
        tput_per_gpu=float(values["tput_per_gpu"][c]),
        output_tput_per_gpu=_opt_float(float(values["output_tput_per_gpu_all"][c])),
        input_tput_per_gpu=_opt_float(float(values["input_tput_per_gpu_all"][c])),
        conc=float(values["conc"][c]),
        ttft_s=_opt_float(float(values["ttft_s"][c])),
        tpot_s=_opt_float(float(values["tpot_s"][c])),
        knots=knots,
    )


def recipe_info(row: Mapping[str, object]) -> RecipeInfo:
    def opt_int(name: str) -> int | None:
        value = row.get(name)
        return None if value is None else int(str(value))

    dp = row.get("dp_attention")
    return RecipeInfo(
        recipe_id=str(row["curve_id"]),
        label=recipe_label(row),
        hardware=str(row["hardware"]),
        framework=str(row["framework"]),
        precision=str(row["precision"]),
        spec_method=str(row["spec_method"]),
        disagg=bool(row["disagg"]),
        tp=opt_int("tp"),
        ep=opt_int("ep"),
        dp_attention=None if dp is None else bool(dp),
        prefill_tp=opt_int("prefill_tp"),
        prefill_ep=opt_int("prefill_ep"),
        decode_tp=opt_int("decode_tp"),
        decode_ep=opt_int("decode_ep"),
        num_prefill_gpu=opt_int("num_prefill_gpu"),
        num_decode_gpu=opt_int("num_decode_gpu"),
        gpus_per_replica=opt_int("gpus_per_replica"),
        max_interactivity=float(str(row["max_interactivity"])),
        latest_date=row["latest_date"],  # type: ignore[arg-type]
    )
