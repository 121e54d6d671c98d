"""Procurement pieces of a quote: owned offers priced from their TCO inputs, and the build-vs-buy
comparison of each option against an API price (DESIGN section 2)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated

import msgspec
from msgspec import Meta

from tco.domain.buildbuy import ApiPrice, api_usd_per_request, break_even_utilization
from tco.domain.capacity import HOURS_PER_MONTH
from tco.domain.errors import InvalidRequest
from tco.domain.owned import OwnedTcoBreakdown, owned_usd_per_gpu_hour
from tco.domain.pricing import Offer

SECONDS_PER_HOUR = 3600.0
_UsdPerMillion = Annotated[float, Meta(ge=0, le=10_000, description="USD per million tokens")]

ApiPriceId = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=200,
        description="Id of a shipped API price (GET /v1/api-prices), e.g. dsr1/deepinfra",
    ),
]


class ApiPriceInput(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """An API's per-token prices given in the request."""

    input_usd_per_m: _UsdPerMillion
    # Floor above zero: the break-even divides by the API's cost per request.
    output_usd_per_m: Annotated[
        float, Meta(ge=0.001, le=10_000, description="USD per million output tokens")
    ]
    cached_input_usd_per_m: _UsdPerMillion | None = None
    cache_hit_share: Annotated[
        float, Meta(ge=0, le=1, description="Share of input tokens served from the prompt cache")
    ] = 0.0


class ApiComparison(msgspec.Struct, kw_only=True, frozen=True):
    """One option against the API price, per 1000 requests of isl in / osl out."""

    api_usd_per_1k_requests: float
    self_hosted_usd_per_1k_requests: float | None  # at the request's utilization
    saving_usd_per_1k_requests: float | None  # API minus self-hosted: > 0 means self-hosting wins
    # Self-hosting is cheaper above this utilization; above 1 it never is.
    break_even_utilization: float | None
    # With a demand: the API's bill for it over 730 h, and that minus the option's monthly bill
    # for whole replicas (> 0: self-hosting saves that much per month).
    api_usd_per_month: float | None = None
    saving_usd_per_month: float | None = None
    unavailable_reason: str | None = None


def resolve_api_price(
    spec: str | ApiPriceInput, model: str, shipped: Mapping[str, ApiPrice]
) -> tuple[ApiPrice, float]:
    """The API price a request names, and its cache-hit share; 422 on ``api_price`` if unknown."""
    if isinstance(spec, ApiPriceInput):
        price = ApiPrice(
            id="request",
            model=model,
            model_name=model,
            provider="api_price in the request",
            input_usd_per_m=spec.input_usd_per_m,
            output_usd_per_m=spec.output_usd_per_m,
            cached_input_usd_per_m=spec.cached_input_usd_per_m,
            source="api_price in the request",
        )
        return price, spec.cache_hit_share
    price_or_none = shipped.get(spec)
    same_model = sorted(k for k, p in shipped.items() if p.model == model)
    if price_or_none is None:
        known = ", ".join(same_model) or f"none for model {model!r}"
        raise InvalidRequest("api_price", f"unknown API price id {spec!r}; known: {known}")
    if price_or_none.model != model:
        raise InvalidRequest(
            "api_price",
            f"{spec!r} prices model {price_or_none.model!r}, not {model!r}"
            " (give input_usd_per_m/output_usd_per_m to compare across models)",
        )
    return price_or_none, 0.0


def compare_with_api(
    price: ApiPrice,
    cache_hit_share: float,
    *,
    isl: int,
    osl: int,
    usd_per_gpu_hour: float,
    output_tput_per_gpu: float | None,
    utilization: float,
    requests_per_s: float | None = None,
    self_hosted_usd_per_month: float | None = None,
) -> ApiComparison:
    """API vs self-hosted cost per 1k requests, and the break-even utilization:
    self-hosted cost per request at 100 % utilization / API cost per request. With a demand
    (``requests_per_s``), also both monthly bills."""
    api_per_request = api_usd_per_request(isl, osl, price, cache_hit_share)
    api_per_month = (
        None
        if requests_per_s is None
        else requests_per_s * SECONDS_PER_HOUR * HOURS_PER_MONTH * api_per_request
    )
    saving_per_month = (
        None
        if api_per_month is None or self_hosted_usd_per_month is None
        else api_per_month - self_hosted_usd_per_month
    )
    if output_tput_per_gpu is None or not math.isfinite(output_tput_per_gpu):
        return ApiComparison(
            api_usd_per_1k_requests=api_per_request * 1000,
            self_hosted_usd_per_1k_requests=None,
            saving_usd_per_1k_requests=None,
            break_even_utilization=None,
            api_usd_per_month=api_per_month,
            saving_usd_per_month=saving_per_month,
            unavailable_reason="output throughput not published by the source (only total"
            " tok/s per GPU): the self-hosted cost per request is unknown",
        )
    # Requests/s per GPU = output tok/s per GPU (all GPUs) / osl.
    full_util_per_request = usd_per_gpu_hour / SECONDS_PER_HOUR / (output_tput_per_gpu / osl)
    self_per_1k = full_util_per_request / utilization * 1000
    return ApiComparison(
        api_usd_per_1k_requests=api_per_request * 1000,
        self_hosted_usd_per_1k_requests=self_per_1k,
        saving_usd_per_1k_requests=api_per_request * 1000 - self_per_1k,
        break_even_utilization=break_even_utilization(full_util_per_request, api_per_request),
        api_usd_per_month=api_per_month,
        saving_usd_per_month=saving_per_month,
    )


def priced_offer(offer: Offer) -> Offer:
    """The offer with ``usd_per_gpu_hour`` computed from its owned-TCO inputs, when it has them
    (the inputs are the truth; a stored price could be stale). ValueError names a bad input."""
    if offer.owned_inputs is None:
        return offer
    if offer.kind != "owned":
        raise ValueError(
            f"owned_inputs: only an offer of kind 'owned' has them, not {offer.kind!r}"
        )
    total = owned_usd_per_gpu_hour(offer.owned_inputs).total_usd_per_gpu_hour
    return msgspec.structs.replace(offer, usd_per_gpu_hour=total)


def owned_breakdown(offer: Offer) -> OwnedTcoBreakdown | None:
    return None if offer.owned_inputs is None else owned_usd_per_gpu_hour(offer.owned_inputs)
