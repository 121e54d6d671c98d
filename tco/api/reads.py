"""Read endpoints: quotes, curves, frontiers, compare, catalog, points, health.

Handlers only translate HTTP <-> service calls; everything they answer is computed by the pure
engines in ``tco.domain`` through the use cases of ``tco.app``; the query of a quote-shaped
read is declared and built once, in ``tco.api.quote_query``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromQuery, JSONBody, Parameter

from tco.api.deps import LiveServiceDep, ServiceDep
from tco.api.errors import BODY_PROBLEMS, READ_PROBLEMS
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
from tco.api.openapi_schema import grouped_query
from tco.api.quote_query import (
    QUOTE_PARAMETERS,
    Isl,
    Model,
    OptionalText,
    Osl,
    PoolingParam,
    QuoteRequestDep,
    demand_group,
    quote_request_dependency,
)
from tco.app.live import Health
from tco.app.service import (
    Catalog,
    CurvesResponse,
    FrontiersResponse,
    PointsPage,
    PointsQuery,
    Service,
)
from tco.domain.compare import CompareRequest, CompareResponse
from tco.domain.offer_filters import OFFER_FILTER_FIELDS
from tco.domain.pricing import PricingTable
from tco.domain.quote import QuoteRequest
from tco.domain.quote_full import FullQuoteResponse, wire
from tco.domain.quote_summary import QuoteSummaryResponse
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


_QUOTE_QUERY = quote_request_dependency(
    *(name for name in QUOTE_PARAMETERS if name not in ("target", "history_as_of"))
)
_CURVES_QUERY = quote_request_dependency(
    "model", "isl", "osl", "pricing", "pricing_version", "token_basis", "utilization",
    "interpolation", "as_of", "hardware", "frameworks", *OFFER_FILTER_FIELDS,
)  # fmt: skip


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
) -> Response[FullQuoteResponse | QuoteSummaryResponse]:
    """The main job: per target the cheapest option, ranked alternatives, the cheapest per
    hardware, unreachable and excluded recipes, and every assumption echoed (view=summary: per
    target the cheapest option only, with unreachable and excluded counts)."""
    answer = service.answer(data)
    return cached(request, wire(answer), lambda: quote_rows(answer), cache_control="no-store")


@get(
    "/v1/quotes",
    operation_id="getQuote",
    summary="Quote for simple cases (cacheable; what the widget calls)",
    responses=CACHED_READ_RESPONSES,
    operation_class=grouped_query(CsvOperation, demand_group()),
    response_headers=CACHE_HEADERS,
    dependencies=_QUOTE_QUERY,
    sync_to_thread=False,
    tags=["quotes"],
)
def get_quote(
    request: Request[Any, Any, Any], service: ServiceDep, quote_request: QuoteRequestDep
) -> Response[FullQuoteResponse | QuoteSummaryResponse]:
    table = service.table(quote_request.pricing, quote_request.pricing_version)
    csv = wants_csv(request)
    # The widget's repeated GETs are served from the encoded bytes (see answer_key).
    key = answer_key(request, service, table, csv)

    def make() -> Representation:
        answer = service.answer(quote_request, table=table)
        return represent(request, wire(answer), lambda: quote_rows(answer), csv=csv)

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
    dependencies=_CURVES_QUERY,
    sync_to_thread=False,
    tags=["quotes"],
)
def get_curves(
    request: Request[Any, Any, Any], service: ServiceDep, quote_request: QuoteRequestDep
) -> Response[CurvesResponse]:
    table = service.table(quote_request.pricing, quote_request.pricing_version)
    csv = wants_csv(request)
    key = answer_key(request, service, table, csv)  # a chart reloading costs one lookup

    def make() -> Representation:
        answer = service.curves(quote_request, table=table)  # its targets: the chart's grid
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
    pooling: PoolingParam = QUOTE_PARAMETERS["pooling"].default,
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
def healthz(service: LiveServiceDep) -> Health:
    return service.health()


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
