"""The quote: cheapest hardware + recipe + offer per interactivity target, and the alternatives.

Per-recipe first (DESIGN section 2): each recipe's frontier is read at the target, cost is
derived from that throughput (never interpolated itself), then recipes x offers are ranked.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, cast, overload

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
from tco.domain.caveats import inconsistent_rows, option_caveats
from tco.domain.errors import InvalidRequest
from tco.domain.freshness import Evidence, Freshness, StalePolicy, with_evidence
from tco.domain.frontier import FloatArray, Grid, IntArray, Interpolation, Method, read_grid
from tco.domain.index import KNOT_FIELDS, FrontierIndex, Pooling, WorkloadIndex
from tco.domain.offer_filters import OfferFilters, filter_offers, offer_filters_of
from tco.domain.owned import OwnedTcoBreakdown
from tco.domain.pricing import (
    MAX_USD_PER_GPU_HOUR,
    MIN_USD_PER_GPU_HOUR,
    Offer,
    PricingTable,
    UsdPerGpuHour,
)
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
MethodLabel = Literal["measured", "interpolated", "clamped_low", "extrapolated"]
SECONDS_PER_HOUR = 3600.0

# Realistic bounds: a divisor never gets near zero, a list never gets unbounded.
TokensPerSecondPerUser = Annotated[
    float, Meta(gt=0, le=100_000, description="Interactivity target, tok/s/user")
]
SequenceTokens = Annotated[int, Meta(ge=1, le=10_000_000, description="Tokens")]
_BASIS_COLUMN: dict[str, str] = {
    "total": "tput_per_gpu",
    "output": "output_tput_per_gpu_all",
    "input": "input_tput_per_gpu_all",
}


class QuoteFilters(OfferFilters, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Recipe filters (these fields) and offer filters (``OfferFilters``: before ranking)."""

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
    price_overrides: dict[str, UsdPerGpuHour] = {}  # noqa: RUF012 (a msgspec Struct: copied)
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
    # full: every listed alternative; summary: per target the cheapest option only
    view: Literal["full", "summary"] = "full"


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
    date_stand_in: bool | None = None  # True: ``date`` is a stand-in, the real one is unknown
    inconsistent: str | None = None  # the sanity check this source row failed (accepted)


class OperatingPoint(msgspec.Struct, kw_only=True, frozen=True):
    method: MethodLabel
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
    # published | placeholder | derived | approximate | assumption (None: not stated)
    status: str | None = None


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
    evidence: Evidence | None = None  # run dates and price date behind it, stale warnings
    # what the answer rests on that is not a plain published value: placeholder prices,
    # stand-in dates, inconsistent source rows (tco.domain.caveats)
    caveats: list[str] = []


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
    benchmark_as_of: dt.date | None  # newest run date among the points the answer used
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
    freshness: Freshness | None = None  # how old the evidence is (per option: evidence)
    # variants of this model with points for this workload: never included in this quote
    # (quote them by their own key; README "Model variants")
    model_variants: list[str] = []
    offer_filters: OfferFilters | None = None  # the request's offer filters (None: none)
    # offers of the pricing table the offer filters left out, by first reason
    # (tco.domain.offer_filters.EXCLUSION_REASONS order)
    excluded_offers: dict[str, int] = {}


class QuoteResponse(msgspec.Struct, kw_only=True, frozen=True, tag="full", tag_field="view"):
    """The full answer (view=full); tco.domain.quote_summary has the compact one."""

    assumptions: Assumptions
    targets: list[TargetQuote]


@overload
def usd_per_million_tokens(
    usd_per_gpu_hour: float, tokens_per_s_per_gpu: float, utilization: float
) -> float: ...
@overload
def usd_per_million_tokens(
    usd_per_gpu_hour: FloatArray | float, tokens_per_s_per_gpu: FloatArray, utilization: float
) -> FloatArray: ...
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
    hardware's offers replaced by the override. An offer priced outside the money bounds prices
    nothing, as if absent (the decoders refuse such prices; a table stored before the bounds, or
    a request built in Python, may still hold one): its hardware is then excluded for want of a
    price, rather than answers carrying a cost, ratio or break-even of 0, inf or nan."""
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
    return [
        o
        for o in kept + overrides
        if MIN_USD_PER_GPU_HOUR <= o.usd_per_gpu_hour <= MAX_USD_PER_GPU_HOUR
    ]


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


class _Priced:
    """Offers sorted by (hardware, price), and per curve its hardware's run of offers, cheapest
    first: ``first_offer`` (-1 when the hardware has none) and ``offer_count``."""

    def __init__(self, offers: Sequence[Offer], wl: WorkloadIndex) -> None:
        self.offers = sorted(
            offers, key=lambda o: (o.hardware, o.usd_per_gpu_hour, o.provider, o.kind)
        )
        self.price = [o.usd_per_gpu_hour for o in self.offers]
        runs: dict[str, tuple[int, int]] = {}
        for i, o in enumerate(self.offers):
            first, count = runs.get(o.hardware, (i, 0))
            runs[o.hardware] = (first, count + 1)
        no_offer = (-1, 0)
        first_of_hw = np.array([runs.get(h, no_offer)[0] for h in wl.hardware_names], np.int64)
        count_of_hw = np.array([runs.get(h, no_offer)[1] for h in wl.hardware_names], np.int64)
        cheapest_of_hw = np.array(
            [self.price[runs[h][0]] if h in runs else 0.0 for h in wl.hardware_names]
        )
        self.first_offer = first_of_hw[wl.hardware_code]
        self.offer_count = count_of_hw[wl.hardware_code]
        self.cheapest_price = cheapest_of_hw[wl.hardware_code]  # 0 where there is no offer

    def info(self, o: int) -> OfferInfo:
        offer = self.offers[o]
        return OfferInfo(
            provider=offer.provider,
            kind=offer.kind,
            usd_per_gpu_hour=offer.usd_per_gpu_hour,
            region=offer.region,
            source=offer.source,
            source_date=offer.source_date,
            notes=offer.notes,
            owned_tco=owned_breakdown(offer),
            status=offer.status,
        )


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
    today: dt.date | None = None,
    stale_policy: StalePolicy | None = None,
    synced_at: dt.datetime | None = None,
) -> QuoteResponse:
    """``catalog`` gives nodes, racks and power for a demand; ``api_prices`` (by id) resolve an
    ``api_price`` given by id. Evidence ages are counted to ``today`` (default: the request's
    as_of, else the newest benchmark date of the workload, so an answer never depends on the
    wall clock unless the caller passes it)."""
    wl = index.workload(request.model, request.isl, request.osl, request.as_of, request.pooling)
    if wl is None:
        raise InvalidRequest("model", _no_workload_reason(index, request))
    api_price, cache_hit_share = (
        resolve_api_price(request.api_price, request.model, api_prices or {})
        if request.api_price is not None
        else (None, 0.0)
    )
    proc = _Procurement(catalog or {}, api_price, cache_hit_share)
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
    priced = _Priced(offers, wl)
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
    )
    policy = stale_policy or StalePolicy()
    targets, stale, used_newest = with_evidence(
        _quote_targets(wl, priced, mask, request, grid, proc), wl, judged_at, policy
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


_UNREACHABLE_LISTED = 50
_UNREACHABLE = int(Method.UNREACHABLE)  # a plain int: numpy compares it faster than an IntEnum
_EXCLUDED_LISTED = 50


class _Parts:
    """Answer fragments of one workload index that only change with the index, shared by every
    answer: recipe info and unreachable entries per curve, frontier knots as answer structs
    (each made the first time an answer lists it: a history quotes hundreds of as-of indexes
    once each), and the curve orders a quote groups and lists by."""

    def __init__(self, wl: WorkloadIndex) -> None:
        n = wl.curves.count
        # The frames, not the index: the index keeps these parts, so no reference cycle.
        self._groups = wl.groups
        self._knot_rows = wl.knots.select(KNOT_FIELDS)
        self.curve_ids: list[str] = wl.groups["curve_id"].to_list()
        self.infos: dict[int, RecipeInfo] = {}
        self.unreachable: dict[int, UnreachableRecipe] = {}
        self.knots: dict[int, Knot] = {}
        # What is made, as arrays: checking an answer's few hundred indices is one numpy call.
        # Set only after the structs are stored, so a concurrent reader never sees a gap.
        self._curve_made = np.zeros(n, dtype=bool)
        self._knot_made = np.zeros(wl.curves.x.size, dtype=bool)
        # Curves grouped by hardware (ascending curve index within a group), for the cheapest
        # recipe per hardware; and by max interactivity, highest first, for the unreachable list.
        self.by_hardware = np.argsort(wl.hardware_code, kind="stable")
        codes = wl.hardware_code[self.by_hardware]
        self.hardware_starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        self.hardware_sizes = np.diff(np.r_[self.hardware_starts, n])
        self.by_reach = np.argsort(-wl.max_interactivity, kind="stable")
        self.gpus_per_replica = (  # NaN where unknown; None when pooled series have no one size
            wl.groups["gpus_per_replica"].cast(pl.Float64).fill_null(np.nan).to_numpy()
            if "gpus_per_replica" in wl.groups.columns
            else None
        )

    @staticmethod
    def of(wl: WorkloadIndex) -> _Parts:
        parts: _Parts | None = wl.memo.get("quote_parts")
        if parts is None:
            parts = wl.memo["quote_parts"] = _Parts(wl)
        return parts

    def with_curves(self, curves: IntArray) -> _Parts:
        """Makes the recipe info and unreachable entry of each of ``curves`` not made yet."""
        new = curves[~self._curve_made[curves]]
        if new.size:
            missing = np.unique(new).tolist()
            for c, row in zip(missing, self._groups[missing].to_dicts(), strict=True):
                info = self.infos[c] = recipe_info(row)
                self.unreachable[c] = UnreachableRecipe(
                    recipe_id=info.recipe_id,
                    label=info.label,
                    hardware=info.hardware,
                    max_interactivity=info.max_interactivity,
                )
            self._curve_made[missing] = True
        return self

    def with_knots(self, knots: IntArray) -> _Parts:
        """Makes the answer struct of each of ``knots`` (indices into the index's knots)."""
        new = knots[~self._knot_made[knots]]
        if new.size:
            missing = np.unique(new).tolist()
            rows = self._knot_rows[missing].iter_rows()
            for i, (x, tput, conc, date, source, recipe_id, version, image, stand_in, bad) in zip(
                missing, rows, strict=True
            ):
                self.knots[i] = Knot(
                    interactivity=float(x),
                    tput_per_gpu=float(tput),
                    conc=int(conc),
                    date=date,
                    source=str(source),
                    recipe_id=str(recipe_id),
                    framework_version=version,
                    image=image,
                    date_stand_in=stand_in,
                    inconsistent=bad,
                )
            self._knot_made[missing] = True
        return self


def _quote_targets(
    wl: WorkloadIndex,
    priced: _Priced,
    mask: np.ndarray,
    request: QuoteRequest,
    grid: Grid,
    proc: _Procurement,
) -> list[TargetQuote]:
    """Every target at once: eligibility, costs, the top recipes, the cheapest recipe per
    hardware and the unreachable ones are (targets x curves) array operations; Python then only
    assembles the few options each answer lists."""
    parts = _Parts.of(wl)
    n_targets, n_curves = grid.method.shape
    basis = grid.values[_BASIS_COLUMN[request.token_basis]]
    reachable = grid.method != _UNREACHABLE
    has_price = priced.offer_count > 0
    has_basis = np.isfinite(basis) & (basis > 0)
    tput = np.where(has_basis, basis, 1.0)  # cells without one: any positive value, masked below
    with np.errstate(over="ignore", under="ignore"):  # such costs are masked out just below
        cost = usd_per_million_tokens(priced.cheapest_price, tput, request.utilization)
    # Inputs are bounded (prices, measured throughputs), but an extrapolated throughput can still
    # come out tiny: a cost that is no positive float (inf, or an underflow to 0) is a throughput
    # no price can be divided by, never an option (nor a division by zero in ratio_to_cheapest).
    has_basis &= ~has_price | (np.isfinite(cost) & (cost > 0))
    eligible = reachable & has_basis & (mask & has_price)
    ttft_ok = None
    if request.max_ttft_s is not None:
        ttft_ok = grid.values["ttft_s"] <= request.max_ttft_s  # NaN (unpublished) fails: said below
        eligible &= ttft_ok
    best_cost = np.where(eligible, cost, np.inf)

    # The top-k (recipe, offer) pairs all come from the top-k recipes by their cheapest offer.
    k = min(request.top, n_curves)
    top = _cheapest_curves(best_cost, k)
    n_top = np.minimum(eligible.sum(axis=1), k).tolist()
    top_basis = np.take_along_axis(basis, top, axis=1).tolist()

    heads = _cheapest_per_hardware(parts, best_cost)

    for_demand: list[int | None] = [None] * n_targets
    if request.demand is not None:
        for_demand = _cheapest_for_demand(
            wl, grid, request, request.demand, eligible, priced.cheapest_price
        )

    unreachable = mask & ~reachable
    unreachable_total = unreachable.sum(axis=1).tolist()
    unreachable_by_reach = unreachable[:, parts.by_reach]
    excluded: list[tuple[list[ExcludedRecipe], int]] = [([], 0)] * n_targets
    if (mask & reachable & ~eligible).any():
        excluded = _excluded(parts, request, mask, reachable, has_price, has_basis, ttft_ok)

    cells, specs, layout = _listed(
        parts, priced, request, best_cost, top, n_top, top_basis, heads, for_demand
    )
    built = _options(parts, priced, grid, cells, specs, request, proc)
    listed_arrays = [parts.by_reach[row][:_UNREACHABLE_LISTED] for row in unreachable_by_reach]
    parts.with_curves(np.concatenate(listed_arrays))
    listed = [a.tolist() for a in listed_arrays]
    answers = []
    for t, (begin, end_top, end_hw, end) in enumerate(layout):
        answers.append(
            TargetQuote(
                target_interactivity=grid.targets[t],
                cheapest=built[begin] if end_top > begin else None,
                options=built[begin:end_top],
                cheapest_per_hardware=built[end_top:end_hw],
                unreachable=[parts.unreachable[c] for c in listed[t]],
                unreachable_total=unreachable_total[t],
                excluded=excluded[t][0],
                excluded_total=excluded[t][1],
                cheapest_for_demand=built[end_hw] if end > end_hw else None,
            )
        )
    return answers


def _cheapest_per_hardware(parts: _Parts, best_cost: FloatArray) -> list[list[tuple[float, int]]]:
    """Per target, the cheapest eligible recipe of each hardware as (cost, curve), cheapest
    first (ties in hardware order): per hardware group, the first curve at the group's minimum
    cost (the lowest curve index on a tie)."""
    n_curves = best_cost.shape[1]
    grouped = best_cost[:, parts.by_hardware]
    group_min = np.minimum.reduceat(grouped, parts.hardware_starts, axis=1)
    at_min = (grouped == np.repeat(group_min, parts.hardware_sizes, axis=1)) & np.isfinite(grouped)
    first = np.minimum.reduceat(
        np.where(at_min, np.arange(n_curves), n_curves), parts.hardware_starts, axis=1
    )
    heads = parts.by_hardware[np.minimum(first, n_curves - 1)]
    return [
        [
            (cost, c)
            for cost, _, c in sorted(zip(g, range(len(g)), h, strict=True))
            if cost != math.inf
        ]
        for g, h in zip(group_min.tolist(), heads.tolist(), strict=True)
    ]


def _listed(
    parts: _Parts,
    priced: _Priced,
    request: QuoteRequest,
    best_cost: FloatArray,
    top: IntArray,
    n_top: list[int],
    top_basis: list[list[float]],
    heads: list[list[tuple[float, int]]],
    for_demand: list[int | None],
) -> tuple[list[tuple[int, int]], list[_Spec], list[tuple[int, int, int, int]]]:
    """Which options each target lists: its top list, then the cheapest recipe per hardware,
    then the cheapest for the demand, as specs (operating point, curve, offer, cost, cheapest
    cost, rank); rank 0 marks an option outside the top list. Options of the same (target,
    curve) share one operating point: ``cells`` lists them. ``layout``: per target, where its
    three parts end in ``specs``."""
    first_offer, offer_count = priced.first_offer.tolist(), priced.offer_count.tolist()
    price, utilization, curve_ids = priced.price, request.utilization, parts.curve_ids
    cells: dict[tuple[int, int], int] = {}
    specs: list[_Spec] = []
    layout: list[tuple[int, int, int, int]] = []
    for t, heads_t in enumerate(heads):
        pairs = [
            (usd_per_million_tokens(price[o], b, utilization), curve_ids[c], c, o)
            for c, b in zip(top[t, : n_top[t]].tolist(), top_basis[t], strict=False)
            for o in range(first_offer[c], first_offer[c] + offer_count[c])
        ]
        pairs.sort()
        del pairs[request.top :]  # top (recipe, offer) pairs: a recipe may list several offers
        # Every listed option is eligible, so when any is listed the top list is not empty.
        cheapest = pairs[0][0] if pairs else math.inf
        begin = len(specs)
        specs += [
            (cells.setdefault((t, c), len(cells)), c, o, cost, cheapest, rank)
            for rank, (cost, _, c, o) in enumerate(pairs, 1)
        ]
        end_top = len(specs)
        specs += [
            (cells.setdefault((t, c), len(cells)), c, first_offer[c], cost, cheapest, 0)
            for cost, c in heads_t
        ]
        end_hw = len(specs)
        c_bill = for_demand[t]
        if c_bill is not None:
            cell = cells.setdefault((t, c_bill), len(cells))
            specs.append(
                (cell, c_bill, first_offer[c_bill], float(best_cost[t, c_bill]), cheapest, 0)
            )
        layout.append((begin, end_top, end_hw, len(specs)))
    return list(cells), specs, layout


_FULL_SORT_CURVES = 512  # up to here one stable sort of every row beats partitioning


def _cheapest_curves(cost: FloatArray, k: int) -> IntArray:
    """Per row, the ``k`` cheapest columns, cheapest first, ties to the lower column: exactly the
    first ``k`` of a stable sort (partitioned first when rows are long)."""
    n_rows, n_cols = cost.shape
    if n_cols <= _FULL_SORT_CURVES:
        return np.argsort(cost, axis=1, kind="stable")[:, :k]
    kth = np.partition(cost, k - 1, axis=1)[:, k - 1]
    top = np.empty((n_rows, k), dtype=np.int64)
    for t in range(n_rows):
        # Everything at or below the k-th value (more than k on a tie), stably sorted.
        candidates = np.flatnonzero(cost[t] <= kth[t])
        top[t] = candidates[np.argsort(cost[t, candidates], kind="stable")][:k]
    return top


def _excluded(
    parts: _Parts,
    request: QuoteRequest,
    mask: np.ndarray,
    reachable: np.ndarray,
    has_price: np.ndarray,
    has_basis: np.ndarray,
    ttft_ok: np.ndarray | None,
) -> list[tuple[list[ExcludedRecipe], int]]:
    """Per target, the recipes that pass the filters and reach the target but are not eligible,
    each with its first reason (at most ``_EXCLUDED_LISTED`` listed), and their count."""
    n_targets = reachable.shape[0]
    candidates = mask & reachable
    reasons = [
        (
            np.broadcast_to(~has_price, reachable.shape),
            "no offer for this hardware in pricing table (or overrides)"
            + (" passes the offer filters" if offer_filters_of(request) else ""),
        ),
        (~has_basis, f"{request.token_basis} throughput not published by the source"),
    ]
    if ttft_ok is not None:
        reasons.append((~ttft_ok, f"TTFT above max_ttft_s={request.max_ttft_s} or not published"))
    answers = []
    for t in range(n_targets):
        listed: list[ExcludedRecipe] = []
        total = 0
        seen = ~candidates[t]
        for bad, reason in reasons:
            idx = np.flatnonzero(bad[t] & ~seen)
            seen = seen | bad[t]
            total += int(idx.size)
            shown = idx[: max(0, _EXCLUDED_LISTED - len(listed))]
            parts.with_curves(shown)
            for c in shown.tolist():
                info = parts.infos[c]
                listed.append(
                    ExcludedRecipe(
                        recipe_id=info.recipe_id,
                        label=info.label,
                        hardware=info.hardware,
                        reason=reason,
                    )
                )
        answers.append((listed, total))
    return answers


def _cheapest_for_demand(
    wl: WorkloadIndex,
    grid: Grid,
    request: QuoteRequest,
    demand: Demand,
    eligible: np.ndarray,
    cheapest_price: FloatArray,
) -> list[int | None]:
    """Per target, the eligible curve whose whole replicas, at its cheapest offer, cost least
    per month."""
    gpr = _Parts.of(wl).gpus_per_replica
    if gpr is None:  # pooling=series: no replica size
        return [None] * eligible.shape[0]
    needed = gpus_needed(
        demand,
        output_tput_per_gpu=grid.values["output_tput_per_gpu_all"],
        conc=grid.values["conc"],
        gpus_per_replica=gpr,
        osl=request.osl,
        utilization=request.utilization,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        gpus = whole_replicas(np.asarray(needed, dtype=np.float64), gpr) * gpr
        bill = gpus * HOURS_PER_MONTH * cheapest_price
    ok = eligible & np.isfinite(bill) & (bill > 0)
    best = np.argmin(np.where(ok, bill, np.inf), axis=1)
    return [int(c) if ok[t, c] else None for t, c in enumerate(best.tolist())]


_METHOD_LABELS = cast("list[MethodLabel]", [m.label for m in Method])  # by Method value
_ON_KNOT = (Method.MEASURED, Method.CLAMPED_LOW)  # the operating point is a measured knot
_Spec = tuple[int, int, int, float, float, int]  # cell, curve, offer, cost, cheapest cost, rank


def _options(
    parts: _Parts,
    priced: _Priced,
    grid: Grid,
    cells: list[tuple[int, int]],
    specs: list[_Spec],
    request: QuoteRequest,
    proc: _Procurement,
) -> list[QuoteOption]:
    """The listed options. Each distinct (target, curve) gets one operating point, shared by
    the options that use it; its values are fetched from the grid in one gather."""
    tt, cc = np.array(cells, dtype=np.int64).reshape(-1, 2).T
    # One gather of every column at the answer's (target, curve) cells; NaN (unpublished) -> None.
    read = grid.stacked[:, tt, cc]
    published = read.astype(object)
    published[~np.isfinite(read)] = None
    column = dict(zip(grid.values, published.tolist(), strict=True))
    lo, hi = grid.lo[tt, cc], grid.hi[tt, cc]
    knots_of, targets = parts.with_knots(np.concatenate((lo, hi))).knots, grid.targets
    ops = [
        OperatingPoint(
            method=_METHOD_LABELS[method],
            interpolation=request.interpolation,
            interactivity=knots[0].interactivity if method in _ON_KNOT else targets[t],
            tput_per_gpu=tput,
            output_tput_per_gpu=output,
            input_tput_per_gpu=input_,
            conc=conc,
            ttft_s=ttft,
            tpot_s=tpot,
            knots=knots,
        )
        for t, method, knots, tput, output, input_, conc, ttft, tpot in zip(
            tt.tolist(),
            grid.method[tt, cc].tolist(),
            [
                [knots_of[lo]] if lo == hi else [knots_of[min(lo, hi)], knots_of[max(lo, hi)]]
                for lo, hi in zip(lo.tolist(), hi.tolist(), strict=True)
            ],
            column["tput_per_gpu"],
            column["output_tput_per_gpu_all"],
            column["input_tput_per_gpu_all"],
            column["conc"],
            column["ttft_s"],
            column["tpot_s"],
            strict=True,
        )
    ]
    osl, utilization = request.osl, request.utilization
    infos = parts.with_curves(cc).infos  # cells hold every listed curve
    offer_infos = {o: priced.info(o) for o in {s[2] for s in specs}}  # one struct per offer
    options = []
    for cell, c, o, cost, cheapest, rank in specs:
        op = ops[cell]
        price = priced.price[o]
        output_tput = op.output_tput_per_gpu
        recipe = infos[c]
        options.append(
            QuoteOption(
                rank=rank,
                hardware=recipe.hardware,
                recipe=recipe,
                offer=offer_infos[o],
                operating_point=op,
                usd_per_million_tokens=cost,
                usd_per_1k_requests=None  # the source did not publish output throughput
                if output_tput is None or output_tput <= 0
                else usd_per_1k_requests(price, output_tput, osl, utilization),
                ratio_to_cheapest=cost / cheapest,
                break_even_usd_per_gpu_hour=price * cheapest / cost,
                caveats=option_caveats(offer_infos[o], op.knots),
            )
        )
    if request.demand is not None or proc.api_price is not None:
        # Options at the same operating point and offer (the top one is usually also its
        # hardware's cheapest) share one capacity and API comparison.
        extras: dict[tuple[int, int], dict[str, Any]] = {}
        for i, (option, (cell, _, o, *_)) in enumerate(zip(options, specs, strict=True)):
            extra = extras.get((cell, o))
            if extra is None:
                extra = extras[(cell, o)] = _procurement(option, priced.offers[o], request, proc)
            options[i] = msgspec.structs.replace(option, **extra)
    return options


def _procurement(
    option: QuoteOption, offer: Offer, request: QuoteRequest, proc: _Procurement
) -> dict[str, Any]:
    """Capacity for the request's demand and the comparison with its API price."""
    op, recipe = option.operating_point, option.recipe
    output_tput = op.output_tput_per_gpu
    if output_tput is not None and output_tput <= 0:
        output_tput = None
    cap, cap_reason = None, None
    bad_rows = inconsistent_rows(op.knots)
    if request.demand is not None and request.pooling == "series":
        cap_reason = "pooling=series pools several topologies: no single replica size (use recipe)"
    elif request.demand is not None and bad_rows:
        cap_reason = bad_rows
    elif request.demand is not None:
        try:
            cap = capacity(
                request.demand,
                output_tput_per_gpu=output_tput,
                conc=op.conc,
                gpus_per_replica=recipe.gpus_per_replica,
                osl=request.osl,
                utilization=request.utilization,
                usd_per_gpu_hour=offer.usd_per_gpu_hour,
                hardware=proc.catalog.get(offer.hardware),
                hardware_key=offer.hardware,
            )
        except CapacityUnavailable as exc:
            cap_reason = exc.reason
    api = None
    if proc.api_price is not None:
        api = compare_with_api(
            proc.api_price,
            proc.cache_hit_share,
            isl=request.isl,
            osl=request.osl,
            usd_per_gpu_hour=offer.usd_per_gpu_hour,
            output_tput_per_gpu=output_tput,
            utilization=request.utilization,
            requests_per_s=None
            if request.demand is None
            else demand_requests_per_s(
                request.demand,
                osl=request.osl,
                output_tok_s_per_user=(
                    output_tput * recipe.gpus_per_replica / op.conc
                    if output_tput is not None and recipe.gpus_per_replica is not None
                    else None
                ),
            ),
            self_hosted_usd_per_month=None if cap is None else cap.usd_per_month,
        )
        if bad_rows and api.self_hosted_usd_per_1k_requests is None:
            api = msgspec.structs.replace(api, unavailable_reason=bad_rows)
    return {"capacity": cap, "capacity_unavailable": cap_reason, "api_comparison": api}


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
