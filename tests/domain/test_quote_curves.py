"""The chart's per-hardware path gives a quote's cheapest_per_hardware, number for number, at
every target of a 60-point grid (what GET /v1/curves draws), without listing full options."""

from __future__ import annotations

import datetime as dt

import msgspec
import numpy as np
import pytest

from tco.domain.index import FrontierIndex
from tco.domain.pricing import PricingTable
from tco.domain.quote import QuoteRequest, quote
from tco.domain.quote_curves import HardwarePoint, cheapest_per_hardware
from tco.shipped_pricing import DEFAULT_PRICING_TABLE

CASES: dict[str, dict[str, object]] = {
    "dsr1 8k/1k": {},
    "kimi, monotone, output tokens": {
        "model": "kimi-k2.5", "interpolation": "monotone", "token_basis": "output",
    },
    "extrapolated, half utilization": {"extrapolate": True, "utilization": 0.5},
    "offer filters": {"offer_kinds": ["on_demand"], "max_price_age_days": 365},
    "as of January": {"as_of": "2026-01-31"},
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_per_hardware_points_are_the_quotes_cheapest_per_hardware(
    index: FrontierIndex, tables: dict[str, PricingTable], case: str
) -> None:
    table = tables["cloud-public-2026" if "filters" in case else DEFAULT_PRICING_TABLE]
    base = {"model": "dsr1", "isl": 8192, "osl": 1024, "targets": [1.0], **CASES[case]}
    request = msgspec.convert(base, QuoteRequest)
    wl = index.workload(request.model, request.isl, request.osl, request.as_of)
    assert wl is not None
    grid = np.geomspace(float(wl.curves.x.min()), float(wl.curves.x.max()), 60)
    request = msgspec.structs.replace(request, targets=[float(t) for t in grid], top=1)
    today = dt.date(2026, 12, 4)
    lean = cheapest_per_hardware(index, table, request, today=today)
    answer = quote(index, table, request, today=today)
    expected = [
        [
            HardwarePoint(
                hardware=o.hardware,
                usd_per_million_tokens=o.usd_per_million_tokens,
                tput_per_gpu=o.operating_point.tput_per_gpu,
                method=o.operating_point.method,
                recipe_id=o.recipe.recipe_id,
                recipe_label=o.recipe.label,
                offer_provider=o.offer.provider,
                usd_per_gpu_hour=o.offer.usd_per_gpu_hour,
            )
            for o in tq.cheapest_per_hardware
        ]
        for tq in answer.targets
    ]
    assert lean.points == expected
    # several hardware at most points (few sources publish output throughput)
    assert sum(map(len, expected)) > (0 if "output" in case else 60)
    assert lean.targets == [tq.target_interactivity for tq in answer.targets]
    assert lean.benchmark_as_of == answer.assumptions.benchmark_as_of
    assert lean.offer_filters == answer.assumptions.offer_filters
    assert lean.excluded_offers == answer.assumptions.excluded_offers
