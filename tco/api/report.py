"""GET /v1/quotes/report: the answer of GET /v1/quotes for the same query, as one printable
HTML page (tco.report_html renders it; the browser prints it to PDF). Same parameters, same
validation and problems, always the full view."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from litestar import MediaType, Request, Response, get
from litestar.openapi.spec import Example, Operation
from litestar.params import FromQuery, Parameter

from tco.api.deps import ServiceDep
from tco.api.errors import READ_PROBLEMS
from tco.api.http import with_head
from tco.api.openapi_schema import grouped_query
from tco.api.reads import (
    QUOTE_DEFAULTS,
    TARGETS_PATTERN,
    CommitmentParam,
    CsvText,
    ExcludePlaceholderParam,
    ExtrapolateParam,
    InterpolationParam,
    Isl,
    MaxPriceAgeParam,
    Model,
    OfferKindsParam,
    OptionalText,
    Osl,
    PoolingParam,
    PricingVersion,
    TokenBasisParam,
    TopParam,
    UtilizationParam,
    _demand_group,
    offer_query,
    parse_targets,
    quote_query,
)
from tco.report_html import REPORT_CSP, render_report


@get(
    "/v1/quotes/report",
    operation_id="getQuoteReport",
    summary="The quote of GET /v1/quotes as a one-page HTML report (print it to PDF)",
    responses=READ_PROBLEMS,
    operation_class=grouped_query(Operation, _demand_group()),  # as GET /v1/quotes documents it
    media_type=MediaType.HTML,
    sync_to_thread=False,
    tags=["quotes"],
)
def get_quote_report(
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
    demand_value: Annotated[
        float | None, Parameter(description="The demand in its kind's unit")
    ] = None,
    api_price: Annotated[
        str | None,
        Parameter(
            min_length=1,
            max_length=200,
            description="Id of a shipped API price (GET /v1/api-prices), e.g. dsr1/deepinfra",
        ),
    ] = None,
    offer_kinds: OfferKindsParam = None,
    providers: CsvText = None,
    regions: CsvText = None,
    max_price_age_days: MaxPriceAgeParam = None,
    exclude_placeholder_prices: ExcludePlaceholderParam = False,
    min_commitment_months: CommitmentParam = None,
    max_commitment_months: CommitmentParam = None,
) -> Response[str]:
    """The question, the ranked options with capacity and monthly bill, the break-even against
    the API price, a chart per target (inline SVG), every assumption and the provenance of
    every number (runs, price sources and dates, caveats). Numbers are rounded to 4
    significant digits; each carries its exact value in a ``<data value>`` element."""
    table = service.table(pricing, pricing_version)
    offer = offer_query(
        offer_kinds, providers, regions, max_price_age_days, exclude_placeholder_prices,
        min_commitment_months, max_commitment_months,
    )  # fmt: skip
    req = quote_query(
        model, isl, osl, parse_targets(targets), pricing, pricing_version, token_basis, utilization,
        interpolation, pooling, extrapolate, as_of, hardware, exclude_hardware, frameworks,
        max_ttft_s, top, demand_kind, demand_value, api_price, offer,
    )  # fmt: skip
    answer = service.quote(req, table=table)  # the full view, whatever GET /v1/quotes' default
    query = request.scope["query_string"].decode("latin-1")
    page = render_report(req, answer, json_url=f"/v1/quotes?{query}")
    return Response(
        page,
        media_type=MediaType.HTML,
        headers={"Content-Security-Policy": REPORT_CSP, "Cache-Control": "no-cache"},
    )


REPORT_HANDLERS = [*with_head(get_quote_report)]
