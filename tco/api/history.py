"""``GET /v1/history``: how the cheapest $/M tokens at one target moved over benchmark dates."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request, Response, get

from tco.api.deps import ServiceDep
from tco.api.http import (
    CACHE_HEADERS,
    CACHED_READ_RESPONSES,
    QUOTE_CACHE_CONTROL,
    CsvOperation,
    Representation,
    represent,
    respond,
    wants_csv,
    with_head,
)
from tco.api.quote_query import QuoteRequestDep, quote_request_dependency
from tco.api.reads import CHART_REPRESENTATIONS, answer_key
from tco.domain.history import HistoryResponse
from tco.domain.offer_filters import OFFER_FILTER_FIELDS
from tco.tabular import rounded

# A history quotes the workload once per benchmark date (~7 ms each; ~0.2 s for the shipped
# DeepSeek-R1 workloads): encoded answers are kept like GET quotes' (reads.answer_key: the
# dataset version, the pricing table version, the raw query and the service's date), so a chart
# that reloads costs one lookup and an ingest or a price edit is never answered from an old entry.


_HISTORY_QUERY = quote_request_dependency(
    "model", "isl", "osl", "target", "pricing", "pricing_version", "token_basis", "utilization",
    "interpolation", "pooling", "history_as_of", "hardware", "frameworks", *OFFER_FILTER_FIELDS,
)  # fmt: skip


def history_rows(answer: HistoryResponse) -> list[dict[str, object]]:
    return [
        {
            "hardware": h.hardware,
            "benchmark_date": p.benchmark_date,
            "usd_per_million_tokens": p.usd_per_million_tokens,
            "tput_tok_s_gpu": p.tput_per_gpu,
            "method": p.method,
            "recipe": p.recipe_label,
            "recipe_id": p.recipe_id,
            "offer_provider": p.offer_provider,
            "offer_kind": p.offer_kind,
            "usd_per_gpu_hour": p.usd_per_gpu_hour,
            "measured_dates": " ".join(d.isoformat() for d in p.measured_dates),
        }
        for h in answer.hardware
        for p in h.points
    ]


@get(
    "/v1/history",
    operation_id="getHistory",
    summary="Per hardware, the cheapest $/M tokens at one target as of each benchmark date",
    responses=CACHED_READ_RESPONSES,
    operation_class=CsvOperation,
    response_headers=CACHE_HEADERS,
    dependencies=_HISTORY_QUERY,
    tags=["quotes"],
)
async def get_history(
    request: Request[Any, Any, Any], service: ServiceDep, quote_request: QuoteRequestDep
) -> Response[HistoryResponse]:
    """One value per hardware and benchmark date: what a quote with ``as_of`` = that date
    answers for the hardware's cheapest recipe and offer. Priced with one table throughout, so
    the curve moves only with the benchmarks."""
    table = service.table(quote_request.pricing, quote_request.pricing_version)
    csv = wants_csv(request)
    key = answer_key(request, service, table, csv)
    rep = CHART_REPRESENTATIONS.get(key)
    if rep is None:

        def make() -> Representation:
            answer = service.history(quote_request, table)
            # rounded for people, like a quote's rows (tco.tabular.rounded)
            rows = lambda: [rounded(r) for r in history_rows(answer)]  # noqa: E731
            return represent(request, answer, rows, csv=csv)

        # a first answer quotes once per benchmark date: off the event loop
        rep = await anyio.to_thread.run_sync(make)
        CHART_REPRESENTATIONS.put(key, rep)
    return respond(request, rep, cache_control=QUOTE_CACHE_CONTROL)


HISTORY_HANDLERS = [*with_head(get_history)]
