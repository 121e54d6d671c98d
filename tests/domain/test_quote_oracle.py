"""The quote reads every target and recipe at once in (targets x curves) arrays. These tests
check it against the plainest possible oracle: for each target, each recipe read alone with
``read_at``, each offer priced in a Python loop, then sorted. Ties in cost are generated on
purpose (equal throughputs, equal prices), because that is where a vectorized selection drifts.
"""

from __future__ import annotations

import datetime as dt
import math

import msgspec
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tco.domain.frontier import Method, read_at
from tco.domain.index import FrontierIndex
from tco.domain.points import Point, points_frame
from tco.domain.pricing import Offer, PricingTable
from tco.domain.quote import QuoteRequest, quote, usd_per_million_tokens
from tco.domain.quote_rank import _FULL_SORT_CURVES, _cheapest_curves
from tco.ingest.shipped import load_shipped_points
from tco.shipped_pricing import DEFAULT_PRICING_TABLE, load_shipped_tables

HARDWARE = ("b200", "h200", "mi355x")
TPUTS = (100.0, 250.0, 400.0, 800.0)  # few values, so equal costs happen
PRICES = (1.0, 2.0, 2.5)


@st.composite
def datasets(draw: st.DrawFn) -> list[Point]:
    points = []
    for r in range(draw(st.integers(1, 9))):
        hardware = draw(st.sampled_from(HARDWARE))
        n = draw(st.integers(1, 4))
        intvty = sorted(
            draw(
                st.lists(
                    st.sampled_from((5.0, 12.0, 20.0, 33.0, 60.0)),
                    min_size=n,
                    max_size=n,
                    unique=True,
                )
            )
        )
        tputs = sorted(draw(st.lists(st.sampled_from(TPUTS), min_size=n, max_size=n)), reverse=True)
        for i, (x, y) in enumerate(zip(intvty, tputs, strict=True)):
            points.append(
                Point(
                    model="m", isl=1000, osl=100, hardware=hardware, framework="vllm", precision="fp8",
                    spec_method="none", disagg=False, tp=r + 1, conc=2 ** (n - i), date=dt.date(2026, 1, 1),
                    source="test", tput_per_gpu=y, output_tput_per_gpu=y / 10, interactivity=x, tpot_s=1 / x,
                )
            )  # fmt: skip
    return points


@st.composite
def tables(draw: st.DrawFn) -> PricingTable:
    offers = [
        Offer(hardware=hw, provider=f"p{i}", kind="on_demand", usd_per_gpu_hour=draw(st.sampled_from(PRICES)), source="s")
        for hw in draw(st.lists(st.sampled_from(HARDWARE), unique=True))
        for i in range(draw(st.integers(1, 3)))
    ]  # fmt: skip
    return PricingTable(name="t", version=1, description="", offers=tuple(offers))


def oracle(
    index: FrontierIndex, table: PricingTable, request: QuoteRequest, t: float
) -> dict[str, object]:
    """One target, one recipe and one offer at a time."""
    wl = index.workload("m", 1000, 100)
    assert wl is not None
    reading = read_at(
        wl.curves,
        t,
        request.interpolation,
        extrapolate=request.extrapolate,
        positive="tput_per_gpu",
    )
    rows = wl.groups.to_dicts()
    offers = sorted(
        table.offers, key=lambda o: (o.hardware, o.usd_per_gpu_hour, o.provider, o.kind)
    )
    pairs, per_hw, unreachable = [], {}, []
    for c, row in enumerate(rows):
        if reading.method[c] == Method.UNREACHABLE:
            unreachable.append((-row["max_interactivity"], c, row["curve_id"]))
            continue
        tput = float(reading.values["tput_per_gpu"][c])
        for o in (o for o in offers if o.hardware == row["hardware"]):
            cost = usd_per_million_tokens(o.usd_per_gpu_hour, tput, request.utilization)
            pairs.append((cost, row["curve_id"], o.provider))
            best = per_hw.get(row["hardware"])
            if best is None or cost < best[0]:
                per_hw[row["hardware"]] = (cost, row["curve_id"])
    # A recipe's options are only candidates when the recipe is among the top-k by its cheapest
    # offer, and recipes tie at equal cost to the lower curve index (curve_id order).
    cheapest_of = {}
    for cost, curve, _ in sorted(pairs):
        cheapest_of.setdefault(curve, cost)
    top_recipes = sorted(cheapest_of, key=lambda curve: (cheapest_of[curve], curve))[: request.top]
    top = sorted(p for p in pairs if p[1] in top_recipes)[: request.top]
    return {
        "options": [(curve, provider, cost) for cost, curve, provider in top],
        "per_hardware": sorted((cost, hw, curve) for hw, (cost, curve) in per_hw.items()),
        "unreachable": [curve for _, _, curve in sorted(unreachable)][:50],
        "unreachable_total": len(unreachable),
    }


@given(
    points=datasets(),
    table=tables(),
    targets=st.lists(st.sampled_from((1.0, 5.0, 12.0, 15.0, 33.0, 50.0, 60.0, 99.0)), min_size=1, max_size=6),
    top=st.integers(1, 8),
    interpolation=st.sampled_from(("linear", "monotone", "measured")),
    extrapolate=st.booleans(),
)  # fmt: skip
@settings(max_examples=150, deadline=None)
def test_quote_matches_the_one_at_a_time_oracle(
    points: list[Point], table: PricingTable, targets: list[float], top: int, interpolation: str, extrapolate: bool
) -> None:  # fmt: skip
    index = FrontierIndex(points_frame(points), "t")
    request = QuoteRequest(
        model="m", isl=1000, osl=100, targets=targets, top=top,
        interpolation=interpolation, extrapolate=extrapolate,  # type: ignore[arg-type]
    )  # fmt: skip
    answer = quote(index, table, request)
    for t, got in zip(targets, answer.targets, strict=True):
        want = oracle(index, table, request, t)
        assert [
            (o.recipe.recipe_id, o.offer.provider, o.usd_per_million_tokens) for o in got.options
        ] == want["options"]
        assert [o.rank for o in got.options] == list(range(1, len(got.options) + 1))
        assert (
            sorted(
                (o.usd_per_million_tokens, o.hardware, o.recipe.recipe_id)
                for o in got.cheapest_per_hardware
            )
            == want["per_hardware"]
        )
        assert [o.usd_per_million_tokens for o in got.cheapest_per_hardware] == sorted(
            o.usd_per_million_tokens for o in got.cheapest_per_hardware
        )
        assert [u.recipe_id for u in got.unreachable] == want["unreachable"]
        assert got.unreachable_total == want["unreachable_total"]
        for o in got.options + got.cheapest_per_hardware:
            assert (
                o.ratio_to_cheapest
                == o.usd_per_million_tokens / got.options[0].usd_per_million_tokens
            )
            assert o.operating_point.tput_per_gpu > 0
            assert math.isclose(
                usd_per_million_tokens(o.offer.usd_per_gpu_hour, o.operating_point.tput_per_gpu, 1.0),
                o.usd_per_million_tokens, rel_tol=1e-12,
            )  # fmt: skip


@pytest.mark.parametrize("n_cols", [7, _FULL_SORT_CURVES, _FULL_SORT_CURVES + 1, 3000])
@pytest.mark.parametrize("k", [1, 5])
def test_cheapest_curves_is_the_head_of_a_stable_sort_on_both_paths(n_cols: int, k: int) -> None:
    rng = np.random.default_rng(n_cols + k)
    cost = rng.choice([1.0, 2.0, 3.0, np.inf], size=(6, n_cols))  # many ties, many ineligible
    expected = np.argsort(cost, axis=1, kind="stable")[:, :k]
    np.testing.assert_array_equal(_cheapest_curves(cost, k), expected)


def test_answer_fragments_made_by_earlier_quotes_change_nothing(index: FrontierIndex) -> None:
    """Recipe, knot and unreachable structs are made as answers first list them and kept with
    the index: an index that answered other quotes gives the same bytes as a fresh one."""
    table = next(t for t in load_shipped_tables() if t.name == DEFAULT_PRICING_TABLE)
    ask = QuoteRequest(model="dsr1", isl=8192, osl=1024, targets=[7.0, 35.0, 120.0], top=9)
    for warm_up in ([100.0], [20.0, 60.0], [1.0, 500.0]):
        quote(index, table, QuoteRequest(model="dsr1", isl=8192, osl=1024, targets=warm_up))
    fresh = FrontierIndex(load_shipped_points(), index.dataset_version)
    assert msgspec.json.encode(quote(index, table, ask)) == msgspec.json.encode(
        quote(fresh, table, ask)
    )
