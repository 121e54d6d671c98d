"""Procurement overhead: the same 10-target quote plain, with a demand (capacity per option plus
the vectorized lowest-monthly-bill search over every recipe), and with demand + api_price, side
by side on the shipped data and on a synthetic 100k-point single workload (the worst case for
the per-recipe search)."""

from __future__ import annotations

import statistics
import time

from tco.domain.capacity import OutputTokensPerDay
from tco.domain.index import FrontierIndex
from tco.domain.pricing import PricingTable
from tco.domain.quote import QuoteRequest, quote
from tco.ingest.shipped import load_shipped_points
from tco.shipped_pricing import (
    DEFAULT_PRICING_TABLE,
    load_api_prices,
    load_catalog,
    load_shipped_tables,
)
from tests.perf.bench_engine import TARGETS, synthetic_points

CATALOG = load_catalog()
API_PRICES = {p.id: p for p in load_api_prices()}
DEMAND = OutputTokensPerDay(value=2e9)


def _medians(
    index: FrontierIndex, table: PricingTable, model: str, isl: int, osl: int
) -> list[float]:
    base = QuoteRequest(model=model, isl=isl, osl=osl, targets=TARGETS)
    variants = [
        base,
        QuoteRequest(model=model, isl=isl, osl=osl, targets=TARGETS, demand=DEMAND),
        QuoteRequest(model=model, isl=isl, osl=osl, targets=TARGETS, demand=DEMAND, api_price="dsr1/deepinfra" if model == "dsr1" else None),
    ]  # fmt: skip
    quote(index, table, base)  # fill the per-index memos once, as a warm server has
    # Interleaved (one call of each variant per round): load from other processes on a shared
    # machine then hits all three alike, so the ratios stay meaningful.
    samples: list[list[float]] = [[] for _ in variants]
    for _ in range(100):
        for r, times in zip(variants, samples, strict=True):
            start = time.perf_counter()
            quote(index, table, r, catalog=CATALOG, api_prices=API_PRICES)
            times.append((time.perf_counter() - start) * 1000)
    return [statistics.median(times) for times in samples]


def run() -> str:
    table = next(t for t in load_shipped_tables() if t.name == DEFAULT_PRICING_TABLE)
    rows = []
    shipped = FrontierIndex(load_shipped_points(), "bench")
    rows.append(
        ("shipped dsr1 8k/1k", shipped.points.height, *_medians(shipped, table, "dsr1", 8192, 1024))
    )
    synthetic = FrontierIndex(synthetic_points(100_000, 1), "bench")
    rows.append(
        (
            "synthetic, one workload",
            synthetic.points.height,
            *_medians(synthetic, table, "model-0", 1024, 1024),
        )
    )
    lines = [
        f"10 targets, top 5, pricing {DEFAULT_PRICING_TABLE}; demand 2e9 output tokens/day; api_price dsr1/deepinfra (shipped data only); median of 100 interleaved rounds.",
        "",
        "| dataset | points | plain (ms) | + demand (ms) | + demand + api_price (ms) | demand overhead |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {name} | {n:,} | {a:.2f} | {b:.2f} | {c:.2f} | {b / a:.2f}x |"
        for name, n, a, b, c in rows
    ]
    return "\n".join(lines)
