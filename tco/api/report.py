"""GET /v1/quotes/report: the answer of GET /v1/quotes for the same query, as one printable
HTML page (tco.report_html renders it; the browser prints it to PDF). Same parameters, same
validation and problems, always the full view."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, get
from litestar.openapi.spec import Operation

from tco.api.deps import ServiceDep
from tco.api.errors import READ_PROBLEMS
from tco.api.http import with_head
from tco.api.openapi_schema import grouped_query
from tco.api.quote_query import (
    QUOTE_PARAMETERS,
    QuoteRequestDep,
    demand_group,
    quote_request_dependency,
)
from tco.report_html import REPORT_CSP, render_report

# GET /v1/quotes' parameters but view: a report is always of the full answer.
_REPORT_QUERY = quote_request_dependency(
    *(name for name in QUOTE_PARAMETERS if name not in ("target", "history_as_of", "view"))
)


@get(
    "/v1/quotes/report",
    operation_id="getQuoteReport",
    summary="The quote of GET /v1/quotes as a one-page HTML report (print it to PDF)",
    responses=READ_PROBLEMS,
    operation_class=grouped_query(Operation, demand_group()),  # as GET /v1/quotes documents it
    media_type=MediaType.HTML,
    dependencies=_REPORT_QUERY,
    sync_to_thread=False,
    tags=["quotes"],
)
def get_quote_report(
    request: Request[Any, Any, Any], service: ServiceDep, quote_request: QuoteRequestDep
) -> Response[str]:
    """The question, the ranked options with capacity and monthly bill, the break-even against
    the API price, a chart per target (inline SVG), every assumption and the provenance of
    every number (runs, price sources and dates, caveats). Numbers are rounded to 4
    significant digits; each carries its exact value in a ``<data value>`` element."""
    table = service.table(quote_request.pricing, quote_request.pricing_version)
    answer = service.quote(
        quote_request, table=table
    )  # the full view, whatever GET /v1/quotes' default
    query = request.scope["query_string"].decode("latin-1")
    page = render_report(quote_request, answer, json_url=f"/v1/quotes?{query}")
    return Response(
        page,
        media_type=MediaType.HTML,
        headers={"Content-Security-Policy": REPORT_CSP, "Cache-Control": "no-cache"},
    )


REPORT_HANDLERS = [*with_head(get_quote_report)]
