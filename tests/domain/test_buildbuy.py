"""Build vs buy: API cost per request and break-even utilisation, worked by hand."""

from __future__ import annotations

import pytest

from tco.domain.buildbuy import ApiPrice, api_usd_per_request, break_even_utilization
from tco.shipped_pricing import load_api_prices


def _price(cached: float | None) -> ApiPrice:
    return ApiPrice(
        id="kimi-k2.5/test",
        model="kimi-k2.5",
        model_name="Kimi K2.5",
        provider="test",
        input_usd_per_m=0.60,
        output_usd_per_m=3.00,
        cached_input_usd_per_m=cached,
        source="test",
    )


def test_api_usd_per_request() -> None:
    """Kimi K2.5 at Moonshot ($0.60 in, $3.00 out per M), 8k/1k:
    (8192 x 0.60 + 1024 x 3.00) / 1e6 = (4915.2 + 3072) / 1e6 = $0.0079872."""
    moonshot = next(p for p in load_api_prices() if p.id == "kimi-k2.5/moonshot-ai-official")
    assert api_usd_per_request(8192, 1024, moonshot) == pytest.approx(0.0079872, rel=1e-12)


def test_cache_hits_use_the_cached_price() -> None:
    """Half of 8192 input tokens cached at $0.10: 4096 x 0.60 + 4096 x 0.10 = 2867.2;
    + 1024 x 3.00 = 3072 -> $0.0059392."""
    assert api_usd_per_request(8192, 1024, _price(0.10), 0.5) == pytest.approx(0.0059392)


def test_cache_hits_without_published_cached_price_pay_full_input() -> None:
    assert api_usd_per_request(8192, 1024, _price(None), 0.5) == pytest.approx(0.0079872)


def test_break_even_utilization() -> None:
    """Self-hosted $0.002 per request at 100 % utilisation vs the API's $0.0079872:
    break-even at 0.002 / 0.0079872 = 25.04 % utilisation; at half utilisation self-hosting
    costs $0.004 per request, still below the API."""
    assert break_even_utilization(0.002, 0.0079872) == pytest.approx(0.2504006, rel=1e-6)


def test_break_even_above_one_means_never() -> None:
    """Self-hosted $0.01 at full load vs API $0.005: 2.0 -> the API wins at any utilisation."""
    assert break_even_utilization(0.01, 0.005) == 2.0


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: break_even_utilization(0.01, 0.0), "api_usd_per_request"),
        (lambda: break_even_utilization(-1.0, 0.01), "self_hosted_usd_per_request_at_full_util"),
        (lambda: api_usd_per_request(10, 10, _price(None), 1.5), "cache_hit_share"),
        (lambda: api_usd_per_request(-1, 10, _price(None)), "isl/osl"),
    ],
)
def test_invalid_arguments(call: object, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        call()  # type: ignore[operator]
