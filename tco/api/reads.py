"""Read endpoints: quotes, curves, frontiers, compare, catalog, points, health.

Handlers only translate HTTP <-> service calls; everything they answer is computed by the pure
engines in ``tco.domain`` through ``tco.service.Service``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, get, post
from litestar.openapi.spec import Example
from litestar.params import FromQuery, JSONBody, Parameter

from tco.api.convert import csv_list, to_struct, validation_problem
from tco.api.deps import ServiceDep
from tco.api.errors import BODY_PROBLEMS, READ_PROBLEMS, ProblemException
from tco.api.http import (
    CACHE_HEADERS,
    CACHED_READ_RESPONSES,
    QUOTE_CACHE_CONTROL,
    CsvOperation,
    Representation,
    RepresentationCache,
    cached,
    represent,
    respond,
    wants_csv,
    with_head,
)
from tco.api.openapi_schema import QueryGroup, grouped_query
from tco.domain.capacity import Demand
from tco.domain.compare import CompareRequest, CompareResponse
from tco.domain.frontier import Interpolation
from tco.domain.index import Pooling
from tco.domain.pricing import OFFER_KINDS, PricingTable
from tco.domain.quote import QuoteRequest, QuoteResponse, TokenBasis
from tco.domain.quote_summary import QuoteSummaryResponse, QuoteView
from tco.service import Catalog, CurvesResponse, FrontiersResponse, PointsPage, PointsQuery, Service
from tco.tabular import compare_rows, quote_rows, rounded

# Encoded GET /v1/quotes answers: 256 entries, and 32 MB (a 3-target answer with every
# alternative listed is ~100 KB; a widget's single-target answers are far smaller).
_QUOTE_REPRESENTATIONS = RepresentationCache(max_entries=256, max_bytes=32 * 1024 * 1024)
# GET /v1/curves and /v1/history answers (a chart's; ~20-60 KB each), keyed alike.
CHART_REPRESENTATIONS = RepresentationCache(max_entries=128, max_bytes=16 * 1024 * 1024)


def answer_key(
    request: Request[Any, Any, Any], service: Service, table: PricingTable, csv: bool
) -> tuple[object, ...]:
    """The key of a cached GET answer that is a pure function of its query, the dataset
    version and the (immutable) pricing table version. The raw query string, so a repeated GET
    skips building the request: the bytes were made from this very string, which passed
    validation then (against the same dataset). Built before the answer is made, so an index
    swapped in meanwhile can only make the answer newer than its key, never older."""
    return (
        request.scope["path"],
        service.index.dataset_version,
        table.name,
        table.version,
        request.scope["query_string"],
        csv,
        service.freshness_key(),  # evidence ages depend on the date and the last sync
    )


class SyncBrief(msgspec.Struct, kw_only=True, frozen=True):
    status: str  # ok | partial | failed
    finished_at: dt.datetime
    rows_added: int


class Health(msgspec.Struct, kw_only=True, frozen=True):
    status: str
    dataset_version: str
    points: int
    last_sync: SyncBrief | None = None  # the last sync from a public source (GET /v1/sync)


# Examples name measured data (the reference case, shared/data/seed_article.md), so the docs
# and schemathesis' examples phase reach real answers, not only "unknown model".
Model = Annotated[
    str,
    Parameter(
        description="Model key, e.g. dsr1, kimi-k2.5",
        min_length=1,
        max_length=100,
        examples=[Example(value="kimi-k2.5")],
    ),
]
Isl = Annotated[
    int,
    Parameter(ge=1, le=10_000_000, description="Input tokens", examples=[Example(value=8192)]),
]
Osl = Annotated[
    int,
    Parameter(ge=1, le=10_000_000, description="Output tokens", examples=[Example(value=1024)]),
]
CsvText = Annotated[str | None, Parameter(description="Comma-separated list", max_length=2000)]
PricingVersion = Annotated[int | None, Parameter(ge=1, le=1_000_000_000)]
# One target, > 0 and <= 100000 tok/s/user as QuoteRequest validates each; at most 50 of them.
# parse_targets enforces exactly this pattern, so the document and the server agree on every
# string (it is declared via schema_extra so the 400 can say it in words, not as a regex).
_TARGET = r"(?:[1-9][0-9]{0,4}(?:\.[0-9]{1,6})?|0?\.[0-9]{0,5}[1-9]|100000(?:\.0{1,6})?)"
TARGETS_PATTERN = rf"^{_TARGET}(?:,{_TARGET}){{0,49}}$"
OptionalText = Annotated[str | None, Parameter(min_length=1, max_length=100)]

# Quote options, with the engine's defaults stated: a query string leaves a parameter out, it
# cannot send null, so these are documented as plain values with a default (which also gives
# generated clients plain enum types), and "null" is refused like any other wrong value.
QUOTE_DEFAULTS: dict[str, Any] = {f.name: f.default for f in msgspec.structs.fields(QuoteRequest)}
TokenBasisParam = FromQuery[TokenBasis]
UtilizationParam = Annotated[
    float,
    Parameter(
        ge=0.01, le=1.0, description="Share of the time the GPUs serve at the operating point"
    ),
]
InterpolationParam = FromQuery[Interpolation]
PoolingParam = FromQuery[Pooling]
ExtrapolateParam = FromQuery[bool]
TopParam = Annotated[int, Parameter(ge=1, le=100)]
# Offer filters (tco.domain.offer_filters), shared by quotes, curves and history. A kind outside
# OfferKind breaks the pattern (a 400 from the schema); providers and regions are free text.
_KIND = "(?:" + "|".join(OFFER_KINDS) + ")"
OfferKindsParam = Annotated[
    str | None,
    Parameter(max_length=2000, schema_extra={"pattern": rf"^{_KIND}(?:,{_KIND}){{0,19}}$"}),
]
MaxPriceAgeParam = Annotated[int | None, Parameter(ge=1, le=36500)]
# schema_extra: litestar drops a bound equal to 0 from the document (it tests it for truth).
CommitmentParam = Annotated[int | None, Parameter(ge=0, le=1200, schema_extra={"minimum": 0})]
ExcludePlaceholderParam = FromQuery[bool]


def offer_query(offer_kinds: str | None, providers: str | None, regions: str | None, max_price_age_days: int | None,
                exclude_placeholder_prices: bool, min_commitment_months: int | None, max_commitment_months: int | None) -> dict[str, Any]:  # fmt: skip
    """The offer filters of a query, as QuoteRequest fields."""
    if offer_kinds is not None and not re.fullmatch(rf"{_KIND}(?:,{_KIND}){{0,19}}", offer_kinds):
        raise ProblemException(
            400, f"offer_kinds: comma-separated, each one of {', '.join(OFFER_KINDS)}", field="offer_kinds"
        )  # fmt: skip
    return {
        "offer_kinds": csv_list(offer_kinds), "providers": csv_list(providers), "regions": csv_list(regions),
        "max_price_age_days": max_price_age_days, "exclude_placeholder_prices": exclude_placeholder_prices,
        "min_commitment_months": min_commitment_months, "max_commitment_months": max_commitment_months,
    }  # fmt: skip


def parse_targets(text: str) -> list[float]:
    if not re.fullmatch(TARGETS_PATTERN, text):
        raise ProblemException(
            400,
            "targets: comma-separated tok/s/user values, each > 0 and <= 100000, at most 50, "
            "e.g. 20,50,100",
            field="targets",
        )
    return [float(t) for t in text.split(",")]  # float(), unlike msgspec, reads ".5"


def quote_query(model: str, isl: int, osl: int, targets: list[float], pricing: str | None, pricing_version: int | None, token_basis: str | None,
                 utilization: float | None, interpolation: str | None, pooling: str | None, extrapolate: bool | None, as_of: dt.date | None,
                 hardware: str | None, exclude_hardware: str | None, frameworks: str | None, max_ttft_s: float | None, top: int | None,
                 demand_kind: str | None = None, demand_value: float | None = None, api_price: str | None = None,
                 offer: dict[str, Any] | None = None) -> QuoteRequest:  # fmt: skip
    """A quote request from query parameters (the GET routes of quotes, curves and history)."""
    request = to_struct(QuoteRequest, {
        "model": model, "isl": isl, "osl": osl, "targets": targets,
        "pricing": pricing, "pricing_version": pricing_version, "token_basis": token_basis, "utilization": utilization,
        "interpolation": interpolation, "pooling": pooling, "extrapolate": extrapolate, "as_of": as_of,
        "hardware": csv_list(hardware), "exclude_hardware": csv_list(exclude_hardware), "frameworks": csv_list(frameworks),
        "max_ttft_s": max_ttft_s, "top": top, "api_price": api_price, **(offer or {}),
    })  # fmt: skip
    demand = _demand_query(demand_kind, demand_value)
    return request if demand is None else msgspec.structs.replace(request, demand=demand)


def _demand_query(kind: str | None, value: float | None) -> Demand | None:
    """A demand is a kind and a value, given together. The document states each alone; the
    bounds of the value depend on the kind, so breaking those is a 422, not a 400."""
    if kind is None and value is None:
        return None
    if kind is None or value is None:
        missing, given = (
            ("demand_kind", "demand_value") if kind is None else ("demand_value", "demand_kind")
        )
        raise ProblemException(
            422, f"{missing}: required with {given} (a demand is a kind and a value)", field=missing
        )
    try:
        demand: Demand = msgspec.convert({"kind": kind, "value": value}, Demand, strict=False)
    except msgspec.ValidationError as exc:
        raise validation_problem(
            exc, "demand_value", {"value": "demand_value", "kind": "demand_kind"}, 422
        ) from exc
    return demand  # fmt: skip


def _demand_group() -> QueryGroup:
    """demand_kind and demand_value, documented together: the value's range per kind is the
    Demand structs' own (one declaration; msgspec renders it), so the document and the
    decoding in _demand_query agree on every value."""
    refs, components = msgspec.json.schema_components([Demand], ref_template="{name}")
    kinds = []
    for member in refs[0]["anyOf"]:
        schema = components[member["$ref"]]
        value = {k: v for k, v in schema["properties"]["value"].items() if k != "title"}
        kind = {"properties": {"demand_kind": {"const": schema["properties"]["kind"]["enum"][0]}}}
        kinds.append({"if": kind, "then": {"properties": {"demand_value": value}}})
    return QueryGroup(
        "demand",
        ("demand_kind", "demand_value"),
        "A demand, kind and value together: each option then carries its capacity and "
        "monthly bill. The value's range depends on its kind.",
        # allOf of if/then rather than oneOf: generated clients then see one object (whose
        # properties they send as query parameters), not a union they would send whole.
        {"allOf": kinds},
    )


@post(
    "/v1/quotes",
    operation_id="createQuote",
    summary="Cheapest hardware + recipe + offer per interactivity target",
    responses=BODY_PROBLEMS,
    operation_class=CsvOperation,
    status_code=200,
    sync_to_thread=False,
    tags=["quotes"],
)
def post_quote(
    request: Request[Any, Any, Any], data: JSONBody[QuoteRequest], service: ServiceDep
) -> Response[QuoteResponse | QuoteSummaryResponse]:
    """The main job: per target the cheapest option, ranked alternatives, the cheapest per
    hardware, unreachable and excluded recipes, and every assumption echoed (view=summary: per
    target the cheapest option only, with unreachable and excluded counts)."""
    answer = service.answer(data)
    return cached(request, answer, lambda: quote_rows(answer), cache_control="no-store")


@get(
    "/v1/quotes",
    operation_id="getQuote",
    summary="Quote for simple cases (cacheable; what the widget calls)",
    responses=CACHED_READ_RESPONSES,
    operation_class=grouped_query(CsvOperation, _demand_group()),
    response_headers=CACHE_HEADERS,
    sync_to_thread=False,
    tags=["quotes"],
)
def get_quote(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    model: Model,
    isl: Isl,
    osl: Osl,
    targets: Annotated[
        str,
        Parameter(
            description="Comma-separated tok/s/user targets, e.g. 20,50,100",
            min_length=1,
            max_length=2000,
            schema_extra={"pattern": TARGETS_PATTERN},
            examples=[Example(value="20,50,100")],
        ),
    ],
    pricing: OptionalText = None,
    pricing_version: PricingVersion = None,
    token_basis: TokenBasisParam = QUOTE_DEFAULTS["token_basis"],
    utilization: UtilizationParam = QUOTE_DEFAULTS["utilization"],
    interpolation: InterpolationParam = QUOTE_DEFAULTS["interpolation"],
    pooling: PoolingParam = QUOTE_DEFAULTS["pooling"],
    extrapolate: ExtrapolateParam = QUOTE_DEFAULTS["extrapolate"],
    as_of: FromQuery[dt.date | None] = None,
    hardware: CsvText = None,
    exclude_hardware: CsvText = None,
    frameworks: CsvText = None,
    # schema_extra: litestar drops a bound equal to 0 from the document (it tests it for truth).
    max_ttft_s: Annotated[
        float | None, Parameter(gt=0, le=3600, schema_extra={"exclusiveMinimum": 0})
    ] = None,
    top: TopParam = QUOTE_DEFAULTS["top"],
    demand_kind: FromQuery[
        Literal[
            "output_tokens_per_s", "output_tokens_per_day", "requests_per_s", "concurrent_users"
        ]
        | None
    ] = None,
    # Its range is its kind's (the Demand structs', documented by _demand_group).
    demand_value: Annotated[
        float | None, Parameter(description="The demand in its kind's unit")
    ] = None,
    api_price: Annotated[
        str | None,
        Parameter(
            min_length=1,
            max_length=200,
            description="Id of a shipped API price (GET /v1/api-prices), e.g. dsr1/deepinfra: "
            "each option then carries its break-even against that API",
        ),
    ] = None,
    offer_kinds: OfferKindsParam = None,
    providers: CsvText = None,
    regions: CsvText = None,
    max_price_age_days: MaxPriceAgeParam = None,
    exclude_placeholder_prices: ExcludePlaceholderParam = False,
    min_commitment_months: CommitmentParam = None,
    max_commitment_months: CommitmentParam = None,
    view: FromQuery[QuoteView] = QUOTE_DEFAULTS["view"],
) -> Response[QuoteResponse | QuoteSummaryResponse]:
    table = service.table(pricing, pricing_version)
    csv = wants_csv(request)
    # The widget's repeated GETs are served from the encoded bytes (see answer_key).
    key = answer_key(request, service, table, csv)

    offer = offer_query(
        offer_kinds,
        providers,
        regions,
        max_price_age_days,
        exclude_placeholder_prices,
        min_commitment_months,
        max_commitment_months,
    )

    def make() -> Representation:
        req = quote_query(
            model, isl, osl, parse_targets(targets), pricing, pricing_version, token_basis, utilization,
            interpolation, pooling, extrapolate, as_of, hardware, exclude_hardware, frameworks,
            max_ttft_s, top, demand_kind, demand_value, api_price, offer,
        )  # fmt: skip
        answer = service.answer(msgspec.structs.replace(req, view=view), table=table)
        return represent(request, answer, lambda: quote_rows(answer), csv=csv)

    return respond(
        request, _QUOTE_REPRESENTATIONS.get_or_make(key, make), cache_control=QUOTE_CACHE_CONTROL
    )


@get(
    "/v1/curves",
    operation_id="getCurves",
    summary="$/M tokens against interactivity per hardware (best recipe and offer at each point)",
    responses=CACHED_READ_RESPONSES,
    operation_class=CsvOperation,
    response_headers=CACHE_HEADERS,
    sync_to_thread=False,
    tags=["quotes"],
)
def get_curves(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    model: Model,
    isl: Isl,
    osl: Osl,
    pricing: OptionalText = None,
    pricing_version: PricingVersion = None,
    token_basis: TokenBasisParam = QUOTE_DEFAULTS["token_basis"],
    utilization: UtilizationParam = QUOTE_DEFAULTS["utilization"],
    interpolation: InterpolationParam = QUOTE_DEFAULTS["interpolation"],
    as_of: FromQuery[dt.date | None] = None,
    hardware: CsvText = None,
    frameworks: CsvText = None,
    offer_kinds: OfferKindsParam = None,
    providers: CsvText = None,
    regions: CsvText = None,
    max_price_age_days: MaxPriceAgeParam = None,
    exclude_placeholder_prices: ExcludePlaceholderParam = False,
    min_commitment_months: CommitmentParam = None,
    max_commitment_months: CommitmentParam = None,
) -> Response[CurvesResponse]:
    table = service.table(pricing, pricing_version)
    csv = wants_csv(request)
    key = answer_key(request, service, table, csv)  # a chart reloading costs one lookup

    def make() -> Representation:
        offer = offer_query(
            offer_kinds, providers, regions, max_price_age_days, exclude_placeholder_prices,
            min_commitment_months, max_commitment_months,
        )  # fmt: skip
        base = quote_query(
            model, isl, osl, [1.0],  # the targets are replaced by the chart's grid
            pricing, pricing_version, token_basis, utilization, interpolation, None, None,
            as_of, hardware, None, frameworks, None, None, offer=offer,
        )  # fmt: skip
        answer = service.curves(base, table=table)
        rows = lambda: [  # noqa: E731  (rounded for people, like a quote's rows)
            rounded({"hardware": c.hardware, "interactivity_tok_s_user": p.interactivity, "usd_per_million_tokens": p.usd_per_million_tokens,
             "tput_tok_s_gpu": p.tput_per_gpu, "method": p.method, "recipe": p.recipe_label, "offer_provider": p.offer_provider,
             "usd_per_gpu_hour": p.usd_per_gpu_hour})
            for c in answer.curves for p in c.points
        ]  # fmt: skip
        return represent(request, answer, rows, csv=csv)

    rep = CHART_REPRESENTATIONS.get_or_make(key, make)
    return respond(request, rep, cache_control=QUOTE_CACHE_CONTROL)


@get(
    "/v1/frontiers",
    operation_id="getFrontiers",
    summary="Frontier knots per recipe (or per series), with dominated points counted",
    responses=CACHED_READ_RESPONSES,
    operation_class=CsvOperation,
    response_headers=CACHE_HEADERS,
    sync_to_thread=False,
    tags=["benchmarks"],
)
def get_frontiers(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    model: Model,
    isl: Isl,
    osl: Osl,
    as_of: FromQuery[dt.date | None] = None,
    pooling: PoolingParam = QUOTE_DEFAULTS["pooling"],
    hardware: OptionalText = None,
) -> Response[FrontiersResponse]:
    answer = service.frontiers(model, isl, osl, as_of, pooling, hardware)
    rows = lambda: [  # noqa: E731
        {"curve_id": f.curve_id, "hardware": f.hardware, "recipe": f.label, "gpus_per_replica": f.gpus_per_replica,
         "interactivity_tok_s_user": k.interactivity, "tput_tok_s_gpu": k.tput_per_gpu, "conc": k.conc, "date": k.date, "source": k.source}
        for f in answer.frontiers for k in f.knots
    ]  # fmt: skip
    return cached(request, answer, rows)


@post(
    "/v1/compare",
    operation_id="compareSeries",
    summary="Compare two measured series: matched concurrency, iso-throughput, iso-interactivity",
    responses=BODY_PROBLEMS,
    operation_class=CsvOperation,
    status_code=200,
    sync_to_thread=False,
    tags=["benchmarks"],
)
def post_compare(
    request: Request[Any, Any, Any], data: JSONBody[CompareRequest], service: ServiceDep
) -> Response[CompareResponse]:
    answer = service.compare(data)
    return cached(request, answer, lambda: compare_rows(answer), cache_control="no-store")


@get(
    "/v1/catalog",
    operation_id="getCatalog",
    summary="Models, workloads, hardware, frameworks, precisions and the dataset version",
    responses=CACHED_READ_RESPONSES,
    response_headers=CACHE_HEADERS,
    sync_to_thread=False,
    tags=["benchmarks"],
)
def get_catalog(
    request: Request[Any, Any, Any], service: ServiceDep, as_of: FromQuery[dt.date | None] = None
) -> Response[Catalog]:
    return cached(request, service.catalog(as_of))


@get(
    "/v1/points",
    operation_id="listPoints",
    summary="Measured benchmark points, filtered and paginated",
    responses=CACHED_READ_RESPONSES,
    operation_class=CsvOperation,
    response_headers=CACHE_HEADERS,
    sync_to_thread=False,
    tags=["benchmarks"],
)
def list_points(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    model: OptionalText = None,
    isl: Annotated[int | None, Parameter(ge=1, le=10_000_000)] = None,
    osl: Annotated[int | None, Parameter(ge=1, le=10_000_000)] = None,
    hardware: OptionalText = None,
    framework: OptionalText = None,
    precision: OptionalText = None,
    date_from: FromQuery[dt.date | None] = None,
    date_to: FromQuery[dt.date | None] = None,
    as_of: FromQuery[dt.date | None] = None,
    offset: Annotated[int, Parameter(ge=0, le=100_000_000)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=1000)] = 100,
) -> Response[PointsPage]:
    q = PointsQuery(
        model=model,
        isl=isl,
        osl=osl,
        hardware=hardware,
        framework=framework,
        precision=precision,
        date_from=date_from,
        date_to=date_to,
        as_of=as_of,
        offset=offset,
        limit=limit,
    )
    page = service.points(q)
    rows = lambda: [  # noqa: E731
        {_POINT_CSV_COLUMNS.get(k, k): v for k, v in msgspec.structs.asdict(p).items()}
        for p in page.points
    ]
    return cached(request, page, rows)


# Point measures whose names carry no unit get one in CSV (spreadsheets lose the schema). The
# per-GPU throughputs keep "per_gpu": for disaggregated rows the source divides output by
# decode GPUs and input by prefill GPUs (DESIGN: the disagg trap).
_POINT_CSV_COLUMNS = {
    "interactivity": "interactivity_tok_s_user",
    "tput_per_gpu": "tput_per_gpu_tok_s",
    "output_tput_per_gpu": "output_tput_per_gpu_tok_s",
    "input_tput_per_gpu": "input_tput_per_gpu_tok_s",
}


@get(
    "/healthz",
    operation_id="getHealth",
    summary="Liveness and the dataset version served",
    responses=READ_PROBLEMS,
    sync_to_thread=False,
    tags=["ops"],
    cache_control=None,
)
def healthz(service: ServiceDep) -> Health:
    last = getattr(service, "last_sync", None)  # a store-backed service (LiveService)
    return Health(
        status="ok",
        dataset_version=service.index.dataset_version,
        points=service.index.points.height,
        last_sync=None
        if last is None
        else SyncBrief(
            status=last.status,
            finished_at=last.finished_at,
            rows_added=int(last.summary.get("rows_added", 0)),
        ),
    )


READ_HANDLERS = [
    post_quote,
    *with_head(get_quote),
    *with_head(get_curves),
    *with_head(get_frontiers),
    post_compare,
    *with_head(get_catalog),
    *with_head(list_points),
    *with_head(healthz),
]
