"""Procurement answers inside a quote: capacity, owned offers, build vs buy, sensitivity."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import msgspec
import pytest

from tco.domain.capacity import HOURS_PER_MONTH, OutputTokensPerDay, OutputTokensPerSecond
from tco.domain.errors import InvalidRequest
from tco.domain.index import FrontierIndex
from tco.domain.owned import owned_usd_per_gpu_hour
from tco.domain.points import Point, points_frame
from tco.domain.pricing import DEFAULT_PRICING_TABLE, Offer, PricingTable
from tco.domain.procurement import ApiPriceInput
from tco.domain.quote import QuoteRequest, QuoteResponse, quote, usd_per_million_tokens
from tco.shipped_pricing import (
    load_api_prices,
    load_catalog,
    load_owned_example,
    load_shipped_tables,
)
from tco.store import open_store

CATALOG = load_catalog()
API_PRICES = {p.id: p for p in load_api_prices()}
OWNED_TABLE = "owned-example-hgx-h100"


def ask(index: FrontierIndex, table: PricingTable, **fields: object) -> QuoteResponse:
    base: dict[str, object] = {"model": "dsr1", "isl": 8192, "osl": 1024, "targets": [50.0]}
    request = msgspec.convert({**base, **fields}, QuoteRequest)
    return quote(index, table, request, catalog=CATALOG, api_prices=API_PRICES)


def disagg_index() -> FrontierIndex:
    """One disaggregated GB200 point: 2 prefill + 6 decode GPUs, 100 output tok/s per DECODE
    GPU = 100 x 6 / 8 = 75 output tok/s per GPU of the deployment, conc 64, 40 tok/s/user."""
    point = Point(
        model="m", isl=1000, osl=100, hardware="gb200", framework="dynamo-trt", precision="fp4",
        spec_method="none", disagg=True, tp=8, prefill_tp=2, decode_tp=6, num_prefill_gpu=2,
        num_decode_gpu=6, conc=64, date=dt.date(2026, 1, 1), source="test", tput_per_gpu=800.0,
        output_tput_per_gpu=100.0, input_tput_per_gpu=2000.0, interactivity=40.0, tpot_s=0.025,
    )  # fmt: skip
    return FrontierIndex(points_frame([point]), "t")


def one_offer_table(offer: Offer) -> PricingTable:
    return PricingTable(name="t", version=1, description="", offers=(offer,))


GB200_AT_2 = Offer(
    hardware="gb200", provider="p", kind="on_demand", usd_per_gpu_hour=2.0, source="s"
)


def test_disagg_capacity_charges_both_pools_and_rounds_whole_replicas() -> None:
    """1,000 output tok/s at 75 tok/s per GPU (both pools) = 13.33 GPUs -> ceil(13.33 / 8)
    = 2 replicas of 8 (2 prefill + 6 decode) = 16 GPUs; GB200: 4 nodes, 1 NVL72 rack.
    Counting decode GPUs only (100 tok/s each) would have said 10 GPUs: wrong.
    Bill: 16 x 730 x $2 = $23,360/month."""
    answer = quote(
        disagg_index(),
        one_offer_table(GB200_AT_2),
        QuoteRequest(
            model="m", isl=1000, osl=100, targets=[10.0], demand=OutputTokensPerSecond(value=1000)
        ),
        catalog=CATALOG,
    )
    best = answer.targets[0].cheapest
    assert best is not None and best.capacity is not None
    c = best.capacity
    assert c.gpus_needed == pytest.approx(1000 / 75)
    assert (c.gpus_per_replica, c.replicas, c.gpus, c.nodes, c.racks) == (8, 2, 16, 4, 1)
    assert c.usd_per_month == pytest.approx(23_360)
    assert c.all_in_kw == pytest.approx(16 * 1.87)
    assert answer.assumptions.demand == OutputTokensPerSecond(value=1000)


def test_break_even_utilization_by_hand() -> None:
    """Self-hosted at $2/GPU-h, 75 output tok/s per GPU, osl 100: 0.75 requests/s per GPU, so a
    request costs 2 / 3600 / 0.75 = $0.00074074 at full utilization.
    API at $1/M input, $4/M output, isl 1000 / osl 100: (1000 x 1 + 100 x 4) / 1e6 = $0.0014.
    Break-even utilization = 0.00074074 / 0.0014 = 0.529101. At utilization 0.8 self-hosting
    costs 0.74074 / 0.8 = $0.925926 per 1k requests: saving 1.4 - 0.925926 = $0.474074.
    With half the input cached at $0.20/M: (500 x 1 + 500 x 0.2 + 400) / 1e6 = $0.001 per
    request, break-even 0.740741."""
    req = QuoteRequest(
        model="m",
        isl=1000,
        osl=100,
        targets=[10.0],
        utilization=0.8,
        api_price=ApiPriceInput(input_usd_per_m=1.0, output_usd_per_m=4.0),
    )
    answer = quote(disagg_index(), one_offer_table(GB200_AT_2), req)
    best = answer.targets[0].cheapest
    assert best is not None and best.api_comparison is not None
    api = best.api_comparison
    assert api.api_usd_per_1k_requests == pytest.approx(1.4)
    assert api.self_hosted_usd_per_1k_requests == pytest.approx(2 / 3600 / 0.75 / 0.8 * 1000)
    assert api.saving_usd_per_1k_requests == pytest.approx(1.4 - 0.925926, abs=1e-6)
    assert api.break_even_utilization == pytest.approx(0.529101, abs=1e-6)
    assert api.api_usd_per_month is None  # no demand, no monthly bill
    assert answer.assumptions.api_price is not None
    assert answer.assumptions.api_price.source == "api_price in the request"

    cached = msgspec.structs.replace(
        req,
        api_price=ApiPriceInput(
            input_usd_per_m=1.0,
            output_usd_per_m=4.0,
            cached_input_usd_per_m=0.2,
            cache_hit_share=0.5,
        ),
    )
    best = quote(disagg_index(), one_offer_table(GB200_AT_2), cached).targets[0].cheapest
    assert best is not None and best.api_comparison is not None
    assert best.api_comparison.break_even_utilization == pytest.approx(0.740741, abs=1e-6)


def test_api_monthly_bill_for_a_demand() -> None:
    """1,000 output tok/s / osl 100 = 10 requests/s x 3600 x 730 h = 26.28M requests/month x
    $0.0014 = $36,792 through the API; self-hosted 16 GPUs = $23,360: saving $13,432/month."""
    req = QuoteRequest(
        model="m",
        isl=1000,
        osl=100,
        targets=[10.0],
        demand=OutputTokensPerSecond(value=1000),
        api_price=ApiPriceInput(input_usd_per_m=1.0, output_usd_per_m=4.0),
    )
    best = (
        quote(disagg_index(), one_offer_table(GB200_AT_2), req, catalog=CATALOG).targets[0].cheapest
    )
    assert best is not None and best.api_comparison is not None
    assert best.api_comparison.api_usd_per_month == pytest.approx(36_792)
    assert best.api_comparison.saving_usd_per_month == pytest.approx(36_792 - 23_360)


def test_shipped_api_price_by_id(index: FrontierIndex, tables: dict[str, PricingTable]) -> None:
    """dsr1/deepinfra: $0.50/M in, $2.15/M out; 8192 in + 1024 out = (4096 + 2201.6) / 1e6 =
    $0.0062976 per request = $6.2976 per 1k; every option compares against it."""
    answer = ask(index, tables[DEFAULT_PRICING_TABLE], api_price="dsr1/deepinfra")
    assert answer.assumptions.api_price == API_PRICES["dsr1/deepinfra"]
    assert answer.assumptions.api_cache_hit_share == 0.0
    for o in answer.targets[0].options:
        assert o.api_comparison is not None
        assert o.api_comparison.api_usd_per_1k_requests == pytest.approx(6.2976)
        if any(k.inconsistent for k in o.operating_point.knots):
            # the GB200 rows with the deployment's total in both pools: no per-pool split
            assert o.usd_per_1k_requests is None
            assert "inconsistent source row" in (o.api_comparison.unavailable_reason or "")
            continue
        assert o.usd_per_1k_requests is not None
        assert o.api_comparison.self_hosted_usd_per_1k_requests == pytest.approx(
            o.usd_per_1k_requests
        )
        # Utilization 1: break-even = self-hosted / API cost per request.
        assert o.api_comparison.break_even_utilization == pytest.approx(
            o.usd_per_1k_requests / 6.2976
        )


@pytest.mark.parametrize(
    ("price_id", "words"),
    [("dsr1/nope", "unknown API price id 'dsr1/nope'; known: dsr1/amazon-bedrock"),
     ("kimi-k2.5/deepinfra", "prices model 'kimi-k2.5', not 'dsr1'")],
)  # fmt: skip
def test_bad_api_price_id_is_a_422_naming_api_price(
    index: FrontierIndex, tables: dict[str, PricingTable], price_id: str, words: str
) -> None:
    with pytest.raises(InvalidRequest) as err:
        ask(index, tables[DEFAULT_PRICING_TABLE], api_price=price_id)
    assert err.value.field == "api_price"
    assert words in err.value.reason


def test_owned_table_is_priced_from_its_inputs_and_shows_the_breakdown(
    index: FrontierIndex, tables: dict[str, PricingTable]
) -> None:
    """The shipped owned table carries pricing/owned-example.csv's inputs: HGX H100 at
    $310,000 / 8 GPUs, 4 years, 1.37 kW x PUE 1.58 x $0.0806, colocation $184.06/kW-month:
    capital 1.1058790 + power 0.1744668 + colocation 0.3454277 = $1.6257734 per GPU-hour."""
    (offer,) = tables[OWNED_TABLE].offers
    assert offer.kind == "owned" and offer.hardware == "h100"
    assert offer.owned_inputs == load_owned_example().inputs  # the table cannot drift from it
    assert offer.usd_per_gpu_hour == pytest.approx(1.6257734, abs=1e-7)
    answer = ask(index, tables[OWNED_TABLE], targets=[20.0])
    options = answer.targets[0].options
    assert options and {o.hardware for o in options} == {"h100"}
    for o in options:
        tco = o.offer.owned_tco
        assert tco is not None
        assert tco.capital_usd_per_gpu_hour == pytest.approx(9_687.5 / 8760)
        assert tco.total_usd_per_gpu_hour == o.offer.usd_per_gpu_hour == offer.usd_per_gpu_hour
        assert o.usd_per_million_tokens == pytest.approx(
            usd_per_million_tokens(offer.usd_per_gpu_hour, o.operating_point.tput_per_gpu, 1.0)
        )


def test_owned_inputs_win_over_a_stale_stored_price() -> None:
    inputs = load_owned_example().inputs
    stale = Offer(
        hardware="gb200", provider="p", kind="owned", usd_per_gpu_hour=99.0, source="s",
        owned_inputs=inputs,
    )  # fmt: skip
    best = (
        quote(
            disagg_index(),
            one_offer_table(stale),
            QuoteRequest(model="m", isl=1000, osl=100, targets=[10.0]),
        )
        .targets[0]
        .cheapest
    )
    assert best is not None
    assert best.offer.usd_per_gpu_hour == owned_usd_per_gpu_hour(inputs).total_usd_per_gpu_hour


def test_owned_inputs_on_a_rental_offer_are_refused() -> None:
    bad = msgspec.structs.replace(GB200_AT_2, owned_inputs=load_owned_example().inputs)
    with pytest.raises(InvalidRequest) as err:
        quote(
            disagg_index(),
            one_offer_table(bad),
            QuoteRequest(model="m", isl=1000, osl=100, targets=[10.0]),
        )
    assert err.value.field == "pricing"
    assert "only an offer of kind 'owned'" in err.value.reason


def test_owned_offer_survives_the_store(tmp_path: Path) -> None:
    table = load_shipped_tables()
    owned = next(t for t in table if t.name == OWNED_TABLE)
    with open_store(tmp_path / "t.db") as store:
        store.seed_tables([owned])
        assert store.get_table(OWNED_TABLE).offers == owned.offers


def test_sensitivity_break_even_price_ties_the_winner(
    index: FrontierIndex, tables: dict[str, PricingTable]
) -> None:
    """Each option's break-even $/GPU-hour, put back into the cost formula with its own
    throughput, gives exactly the winner's $/M tokens; the winner's is its own price."""
    target = ask(index, tables[DEFAULT_PRICING_TABLE], top=10).targets[0]
    winner = target.cheapest
    assert winner is not None and len(target.options) == 10
    assert winner.break_even_usd_per_gpu_hour == winner.offer.usd_per_gpu_hour
    for o in target.options[1:]:
        assert o.break_even_usd_per_gpu_hour < o.offer.usd_per_gpu_hour
        tied = usd_per_million_tokens(
            o.break_even_usd_per_gpu_hour, o.operating_point.tput_per_gpu, 1.0
        )
        assert tied == pytest.approx(winner.usd_per_million_tokens, rel=1e-12)


def test_sensitivity_cheapest_per_hardware_beyond_the_top_list(
    index: FrontierIndex, tables: dict[str, PricingTable]
) -> None:
    """top=1 lists one option, yet every hardware that reaches the target gets its cheapest
    option, equal to the best that hardware reaches when the quote is filtered to it."""
    table = tables[DEFAULT_PRICING_TABLE]
    target = ask(index, table, top=1).targets[0]
    assert len(target.options) == 1
    per_hw = target.cheapest_per_hardware
    assert (
        len(per_hw) >= 5
        and per_hw[0].usd_per_million_tokens == target.options[0].usd_per_million_tokens
    )
    for o in per_hw:
        alone = ask(index, table, top=1, hardware=[o.hardware]).targets[0].cheapest
        assert alone is not None
        assert o.usd_per_million_tokens == alone.usd_per_million_tokens
        assert o.break_even_usd_per_gpu_hour == pytest.approx(
            o.offer.usd_per_gpu_hour * per_hw[0].usd_per_million_tokens / o.usd_per_million_tokens
        )


def test_cheapest_for_demand_has_the_lowest_monthly_bill(
    index: FrontierIndex, tables: dict[str, PricingTable]
) -> None:
    demand = {"kind": "output_tokens_per_day", "value": 2e9}
    target = ask(index, tables[DEFAULT_PRICING_TABLE], top=100, demand=demand).targets[0]
    low = target.cheapest_for_demand
    assert low is not None and low.capacity is not None
    bills = [
        o.capacity.usd_per_month
        for o in target.options + target.cheapest_per_hardware
        if o.capacity is not None
    ]
    assert len(bills) > 50
    assert low.capacity.usd_per_month == min(bills)
    assert (
        low.capacity.usd_per_month
        == low.capacity.gpus * HOURS_PER_MONTH * low.offer.usd_per_gpu_hour
    )
    # Without a demand there is nothing to size.
    plain = ask(index, tables[DEFAULT_PRICING_TABLE]).targets[0]
    assert plain.cheapest_for_demand is None
    assert all(o.capacity is None and o.capacity_unavailable is None for o in plain.options)


def test_capacity_is_refused_with_a_reason_never_estimated(
    index: FrontierIndex, tables: dict[str, PricingTable]
) -> None:
    """Kimi-K2.5 8k/1k comes from blog tables: some publish only total throughput, some state
    one pool's GPUs only. Those options carry a reason instead of a capacity."""
    demand = OutputTokensPerDay(value=2e9)
    target = ask(
        index, tables[DEFAULT_PRICING_TABLE], model="kimi-k2.5", targets=[20.0], top=100,
        demand={"kind": "output_tokens_per_day", "value": 2e9},
    ).targets[0]  # fmt: skip
    reasons = {o.capacity_unavailable for o in target.options}
    assert all(o.capacity is None for o in target.options)
    assert any(r and r.startswith("output throughput not published") for r in reasons)
    assert any(r and r.startswith("GPUs per replica unknown") for r in reasons)
    series = ask(
        index, tables[DEFAULT_PRICING_TABLE], pooling="series", demand=msgspec.to_builtins(demand)
    ).targets[0]
    assert series.cheapest_for_demand is None
    assert all(
        o.capacity is None and "pooling=series" in (o.capacity_unavailable or "")
        for o in series.options
    )
