"""Procurement endpoints: the owned-TCO builder and the shipped API prices (build vs buy)."""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import Provide
from litestar.params import Parameter

from tco.api.convert import validation_problem
from tco.api.deps import ServiceDep
from tco.api.errors import BODY_PROBLEMS, FieldError, ProblemException
from tco.api.http import CACHE_HEADERS, CACHED_READ_RESPONSES, CsvOperation, cached, with_head
from tco.api.openapi_schema import QueryGroup, grouped_query
from tco.domain.buildbuy import ApiPrice, api_usd_per_request
from tco.domain.owned import OwnedTcoBreakdown, OwnedTcoInputs, owned_usd_per_gpu_hour


class OwnedTcoAnswer(msgspec.Struct, kw_only=True, frozen=True):
    inputs: OwnedTcoInputs  # echoed, so a saved answer says what it was computed from
    breakdown: OwnedTcoBreakdown


class ApiPriceEntry(ApiPrice, kw_only=True, frozen=True):
    # Given isl and osl: the API's cost of 1000 such requests (no prompt cache), for ranking.
    usd_per_1k_requests: float | None = None


_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")


def _owned_inputs(body: bytes) -> OwnedTcoInputs:
    """Decoded here, not by litestar, whose lenient decoding takes "2" for the number 2 (a
    schema violation). JSON Schema's integers include 4.0, so integral floats stay accepted:
    every input is a number, and a string anywhere is refused by name."""
    try:
        raw = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise ProblemException(400, f"body: malformed JSON ({exc})", field="body") from None
    if isinstance(raw, dict):
        for key, value in raw.items():
            if isinstance(value, str):
                raise ProblemException(
                    400, f"{key}: expected a number, got a string", field=str(key)
                )
    try:
        return msgspec.convert(raw, OwnedTcoInputs, strict=False)
    except msgspec.ValidationError as exc:
        unknown = _UNKNOWN_FIELD.search(str(exc))  # name the misspelt input, not the body
        raise validation_problem(exc, unknown.group(1) if unknown else "body") from None


def _documented_body(data: OwnedTcoInputs) -> None:
    """Never called: its ``data`` parameter gives the OpenAPI document the request body."""


@post(
    "/v1/tco/gpu-hour",
    operation_id="computeOwnedGpuHour",
    summary="Owned-hardware cost per GPU-hour from TCO inputs, with its breakdown",
    dependencies={"documented_body": Provide(_documented_body, sync_to_thread=False)},
    responses=BODY_PROBLEMS,
    status_code=200,
    tags=["procurement"],
)
async def post_gpu_hour(request: Request[Any, Any, Any]) -> OwnedTcoAnswer:
    """Annualised capital (capex less the discounted residual, times the capital recovery
    factor; straight line at zero cost of capital) + power (all-in kW x PUE x $/kWh) +
    colocation ($/kW-month on IT kW) + other opex, per GPU-hour (8760 h a year)."""
    data = _owned_inputs(await request.body())
    try:
        breakdown = owned_usd_per_gpu_hour(data)
    except ValueError as exc:
        # Only the cross-field rules get here (capex per GPU or per server + GPUs per server);
        # single-field bounds were a 400 at decoding. The body matched the schema: 422.
        field, _, reason = str(exc).partition(": ")
        raise ProblemException(
            422, str(exc), field=field, errors=[FieldError(field=field, reason=reason)]
        ) from exc
    return OwnedTcoAnswer(inputs=data, breakdown=breakdown)


# isl and osl go together: the document says so (an object of both), the handler checks it.
_WORKLOAD = QueryGroup(
    "workload",
    ("isl", "osl"),
    "isl and osl, both or neither: each entry then carries its cost per 1k such requests, "
    "cheapest first",
)


@get(
    "/v1/api-prices",
    operation_id="listApiPrices",
    summary="Shipped API token prices (ids usable as api_price in a quote); CSV too",
    responses=CACHED_READ_RESPONSES,
    operation_class=grouped_query(CsvOperation, _WORKLOAD),
    response_headers=CACHE_HEADERS,
    sync_to_thread=False,
    tags=["procurement"],
)
def list_api_prices(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    model: Annotated[
        str | None,
        Parameter(description="Model key, e.g. dsr1, kimi-k2.5", min_length=1, max_length=100),
    ] = None,
    isl: Annotated[
        int | None,
        Parameter(ge=1, le=10_000_000, description="Input tokens per request (with osl)"),
    ] = None,
    osl: Annotated[
        int | None,
        Parameter(ge=1, le=10_000_000, description="Output tokens per request (with isl)"),
    ] = None,
) -> Response[list[ApiPriceEntry]]:
    """Every entry keeps its provider, source and source date. With ``isl`` and ``osl`` each
    entry also carries its cost per 1000 requests, cheapest first."""
    prices = list(service.api_prices.values())
    if model is not None:
        prices = [p for p in prices if p.model == model]
        if not prices:
            known = ", ".join(sorted({p.model for p in service.api_prices.values()}))
            raise ProblemException(
                422, f"model: no API prices for {model!r}; known: {known}", field="model"
            )
    if (isl is None) != (osl is None):
        field = "osl" if osl is None else "isl"
        raise ProblemException(422, f"{field}: give isl and osl together", field=field)
    entries = [
        ApiPriceEntry(
            **msgspec.structs.asdict(p),
            usd_per_1k_requests=(
                None if isl is None or osl is None else api_usd_per_request(isl, osl, p) * 1000
            ),
        )
        for p in prices
    ]
    if isl is not None:
        entries.sort(key=lambda e: (e.usd_per_1k_requests, e.id))
    return cached(request, entries, lambda: [msgspec.structs.asdict(e) for e in entries])


PROCUREMENT_HANDLERS = [post_gpu_hour, *with_head(list_api_prices)]
