"""The full answer as sent: every repeat a reference, and nothing lost (expanded(compact(a))
is the engine's answer, value for value, on the requests that fill every part of it)."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from tco.domain.index import FrontierIndex
from tco.domain.pricing import PricingTable
from tco.domain.quote import QuoteRequest, QuoteResponse, quote
from tco.domain.quote_full import FullQuoteResponse, compact, expanded, wire
from tco.domain.quote_summary import summarize
from tco.shipped_pricing import DEFAULT_PRICING_TABLE, load_api_prices, load_catalog

SEED = {"model": "dsr1", "isl": 8192, "osl": 1024, "targets": [20.0, 50.0, 100.0]}
CASES: dict[str, dict[str, object]] = {
    "seed article": {},
    "demand and api price": {
        "demand": {"kind": "output_tokens_per_s", "value": 50_000},
        "api_price": "dsr1/deepinfra",
    },
    "excluded by ttft": {"max_ttft_s": 1.0, "targets": [10.0, 30.0]},
    "series pooling": {"pooling": "series", "top": 10},
    "extrapolated, output basis": {
        "extrapolate": True,
        "token_basis": "output",
        "targets": [300.0],
    },
    "kimi, many targets": {"model": "kimi-k2.5", "targets": [float(t) for t in range(5, 205, 20)]},
}


def ask(index: FrontierIndex, table: PricingTable, fields: dict[str, object]) -> QuoteResponse:
    request = msgspec.convert({**SEED, **fields}, QuoteRequest)
    prices = {p.id: p for p in load_api_prices()}
    return quote(index, table, request, catalog=load_catalog(), api_prices=prices)


def builtins(value: object) -> Any:
    return json.loads(msgspec.json.encode(value))


@pytest.mark.parametrize("case", CASES)
def test_expanded_compact_answer_is_the_engine_answer(
    index: FrontierIndex, tables: dict[str, PricingTable], case: str
) -> None:
    answer = ask(index, tables[DEFAULT_PRICING_TABLE], CASES[case])
    sent = builtins(compact(answer))
    assert expanded(sent) == builtins(answer)
    # and the sent form decodes as its documented type
    assert msgspec.json.decode(msgspec.json.encode(compact(answer)), type=FullQuoteResponse)


def test_every_part_of_the_cases_is_filled(
    index: FrontierIndex, tables: dict[str, PricingTable]
) -> None:
    """The cases above reach what the round trip must carry (else it proves little)."""
    table = tables[DEFAULT_PRICING_TABLE]
    seen = {case: [t for t in ask(index, table, fields).targets] for case, fields in CASES.items()}
    assert any(t.excluded for t in seen["excluded by ttft"])
    demand = seen["demand and api price"]
    assert all(t.cheapest_for_demand is not None for t in demand)
    assert any(o.capacity for t in demand for o in t.options)
    assert all(o.api_comparison for t in demand for o in t.options)
    assert any(t.unreachable for t in seen["seed article"])
    assert any(
        o.operating_point.method == "extrapolated"
        for t in seen["extrapolated, output basis"]
        for o in t.options
    )
    # a hardware's cheapest outside the top list, and one inside it (a reference to it)
    outside = [
        o for t in seen["seed article"] for o in t.cheapest_per_hardware
        if all(o.recipe is not x.recipe or o.offer is not x.offer for x in t.options)
    ]  # fmt: skip
    assert outside
    assert len(outside) < sum(len(t.cheapest_per_hardware) for t in seen["seed article"])


def test_seed_answer_lists_each_recipe_offer_and_knot_once(
    index: FrontierIndex, tables: dict[str, PricingTable]
) -> None:
    answer = ask(index, tables[DEFAULT_PRICING_TABLE], {})
    sent = compact(answer)
    assert len({r.recipe_id for r in sent.recipes}) == len(sent.recipes)
    assert len({msgspec.json.encode(k) for k in sent.knots}) == len(sent.knots)
    assert len({msgspec.json.encode(o) for o in sent.offers}) == len(sent.offers)
    assert len({msgspec.json.encode(e) for e in sent.evidence}) == len(sent.evidence)
    ids = [u.recipe_id for u in sent.unreachable_recipes]
    assert len(set(ids)) == len(ids)
    for t, engine in zip(sent.targets, answer.targets, strict=True):
        # the top list first, cheapest first; then the options listed only by reference
        ranks = [o.rank for o in t.options]
        assert ranks == sorted(ranks, key=lambda r: r or 10**9)
        assert ranks[: len(engine.options)] == list(range(1, len(engine.options) + 1))
        assert t.options[0].usd_per_million_tokens == engine.cheapest.usd_per_million_tokens  # type: ignore[union-attr]
    rich, small = len(msgspec.json.encode(answer)), len(msgspec.json.encode(sent))
    # 109,706 -> 64,661 bytes on the shipped data when this was written
    assert small < 0.65 * rich, (small, rich)


def test_summary_is_sent_as_it_is(index: FrontierIndex, tables: dict[str, PricingTable]) -> None:
    summary = summarize(ask(index, tables[DEFAULT_PRICING_TABLE], {}))
    assert wire(summary) is summary
