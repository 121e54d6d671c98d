"""The quote's request and answer structs, and its two cost formulas (tco.domain.quote makes
the answer; tco.domain.quote_full is the form the API sends)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, overload

import msgspec
from msgspec import Meta

from tco.domain.buildbuy import ApiPrice
from tco.domain.capacity import Capacity, Demand
from tco.domain.freshness import Evidence, Freshness
from tco.domain.frontier import FloatArray, Interpolation
from tco.domain.index import Pooling
from tco.domain.offer_filters import OfferFilters
from tco.domain.owned import OwnedTcoBreakdown
from tco.domain.pricing import UsdPerGpuHour
from tco.domain.procurement import ApiComparison, ApiPriceId, ApiPriceInput

TokenBasis = Literal["total", "output", "input"]
MethodLabel = Literal["measured", "interpolated", "clamped_low", "extrapolated"]
SECONDS_PER_HOUR = 3600.0

# Realistic bounds: a divisor never gets near zero, a list never gets unbounded.
TokensPerSecondPerUser = Annotated[
    float, Meta(gt=0, le=100_000, description="Interactivity target, tok/s/user")
]
SequenceTokens = Annotated[int, Meta(ge=1, le=10_000_000, description="Tokens")]
BASIS_COLUMN: dict[str, str] = {
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
