"""Build vs buy: what the same request costs through a public API, and the utilisation at which
self-hosting breaks even (DESIGN section 2)."""

from __future__ import annotations

import math

import msgspec

TOKENS_PER_MILLION = 1e6


class ApiPrice(msgspec.Struct, kw_only=True, frozen=True):
    """One provider's published per-token price for one model, USD per million tokens."""

    id: str  # stable slug "<model>/<provider>", e.g. "kimi-k2.5/moonshot-ai-official"
    model: str  # canonical model key ("kimi-k2.5", "dsr1") or a slug of the published name
    model_name: str  # as the source prints it, e.g. "DeepSeek R1 0528 FP8 (OpenRouter listing)"
    provider: str
    input_usd_per_m: float
    output_usd_per_m: float
    cached_input_usd_per_m: float | None = None  # None: the provider publishes no cache discount
    notes: str | None = None
    source: str
    source_date: str | None = None  # as stated, e.g. "2026-06-12 (file); snapshot 2026-07-02"


def api_usd_per_request(isl: int, osl: int, price: ApiPrice, cache_hit_share: float = 0.0) -> float:
    """USD per request = (uncached input x input price + cached input x cached price
    + osl x output price) / 1e6.

    ``cache_hit_share`` is the fraction of the ``isl`` input tokens served from the provider's
    prompt cache. A provider without a published cached price bills those tokens at the full
    input price (no discount is assumed that the provider does not publish).
    """
    if isl < 0 or osl < 0:
        raise ValueError("isl/osl: token counts must be >= 0")
    if not 0.0 <= cache_hit_share <= 1.0:
        raise ValueError("cache_hit_share: must be in [0, 1]")
    cached_usd_per_m = (
        price.input_usd_per_m
        if price.cached_input_usd_per_m is None
        else price.cached_input_usd_per_m
    )
    input_usd = isl * (
        (1.0 - cache_hit_share) * price.input_usd_per_m + cache_hit_share * cached_usd_per_m
    )
    return (input_usd + osl * price.output_usd_per_m) / TOKENS_PER_MILLION


def break_even_utilization(
    self_hosted_usd_per_request_at_full_util: float, api_usd_per_request: float
) -> float:
    """Utilisation at which self-hosting costs the same per request as the API.

    Self-hosted cost per request scales as 1/utilisation (you pay for idle GPU-hours), so it
    equals the API price at u = self-hosted cost at 100 % / API cost. Below 1: self-hosting wins
    above that utilisation. Above 1: it never wins, even fully loaded.
    """
    for name, value in (
        ("self_hosted_usd_per_request_at_full_util", self_hosted_usd_per_request_at_full_util),
        ("api_usd_per_request", api_usd_per_request),
    ):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name}: must be a finite number >= 0")
    if api_usd_per_request == 0:
        raise ValueError("api_usd_per_request: must be > 0 (a free API never breaks even)")
    return self_hosted_usd_per_request_at_full_util / api_usd_per_request
