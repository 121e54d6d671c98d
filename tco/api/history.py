"""``GET /v1/history``: how the cheapest $/M tokens at one target moved over benchmark dates."""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Request, Response, get
from litestar.params import Parameter

from tco.api.deps import ServiceDep
from tco.api.http import (
    CACHE_HEADERS,
    CACHED_READ_RESPONSES,
    QUOTE_CACHE_CONTROL,
    CsvOperation,
    cached,
    with_head,
)
from tco.api.reads import (
    QUOTE_DEFAULTS,
    CommitmentParam,
    CsvText,
    ExcludePlaceholderParam,
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
    UtilizationParam,
    offer_query,
    quote_query,
)
from tco.domain.history import HistoryResponse, history
from tco.domain.index import FrontierIndex
from tco.domain.pricing import PricingTable
from tco.domain.quote import QuoteRequest

# A history quotes the workload once per benchmark date (~7 ms each; ~0.2 s for the shipped
# DeepSeek-R1 workloads): answers are kept per index, so a chart that reloads costs nothing.
# Weak keys: an index swapped out by an ingest takes its answers with it.
_ANSWERS_PER_INDEX = 64
_answers: weakref.WeakKeyDictionary[FrontierIndex, dict[bytes, HistoryResponse]] = (
    weakref.WeakKeyDictionary()
)
_answers_lock = threading.Lock()


def _history(
    index: FrontierIndex, table: PricingTable, request: QuoteRequest, today: dt.date
) -> HistoryResponse:
    key = msgspec.json.encode((table, request, today))  # a table version is immutable; cheap
    with _answers_lock:
        answers = _answers.setdefault(index, {})
        if key in answers:
            return answers[key]
    answer = history(index, table, request, today=today)
    with _answers_lock:
        if len(answers) >= _ANSWERS_PER_INDEX:
            answers.pop(next(iter(answers)))  # the oldest
        answers[key] = answer
    return answer


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
    tags=["quotes"],
)
async def get_history(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    model: Model,
    isl: Isl,
    osl: Osl,
    target: Annotated[
        float, Parameter(ge=0.001, le=100_000, description="Interactivity target, tok/s/user")
    ],
    pricing: OptionalText = None,
    pricing_version: PricingVersion = None,
    token_basis: TokenBasisParam = QUOTE_DEFAULTS["token_basis"],
    utilization: UtilizationParam = QUOTE_DEFAULTS["utilization"],
    interpolation: InterpolationParam = QUOTE_DEFAULTS["interpolation"],
    pooling: PoolingParam = QUOTE_DEFAULTS["pooling"],
    as_of: Annotated[
        dt.date | None, Parameter(description="Leave out benchmark dates after this one")
    ] = None,
    hardware: CsvText = None,
    offer_kinds: OfferKindsParam = None,
    providers: CsvText = None,
    regions: CsvText = None,
    max_price_age_days: MaxPriceAgeParam = None,
    exclude_placeholder_prices: ExcludePlaceholderParam = False,
    min_commitment_months: CommitmentParam = None,
    max_commitment_months: CommitmentParam = None,
) -> Response[HistoryResponse]:
    """One value per hardware and benchmark date: what a quote with ``as_of`` = that date
    answers for the hardware's cheapest recipe and offer. Priced with one table throughout, so
    the curve moves only with the benchmarks."""
    req = quote_query(
        model, isl, osl, [target], pricing, pricing_version, token_basis, utilization,
        interpolation, pooling, None, as_of, hardware, None, None, None, None,
        offer=offer_query(
            offer_kinds, providers, regions, max_price_age_days, exclude_placeholder_prices,
            min_commitment_months, max_commitment_months,
        ),
    )  # fmt: skip
    service.check_keys(req)
    table = service.table(req.pricing, req.pricing_version)
    # a first answer quotes once per benchmark date: off the event loop
    # price ages (max_price_age_days) count to the request's as_of, else the service's today
    today = req.as_of or service.clock()
    answer = await anyio.to_thread.run_sync(_history, service.index, table, req, today)
    return cached(request, answer, lambda: history_rows(answer), cache_control=QUOTE_CACHE_CONTROL)


HISTORY_HANDLERS = [*with_head(get_history)]
