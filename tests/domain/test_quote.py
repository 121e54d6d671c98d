"""The quote engine on the shipped data and on small hand-built cases."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tco.domain.capacity import OutputTokensPerSecond
from tco.domain.errors import InvalidRequest
from tco.domain.index import FrontierIndex
from tco.domain.points import Point, points_frame
from tco.domain.pricing import Offer, PricingTable
from tco.domain.quote import QuoteRequest, QuoteResponse, quote, usd_per_million_tokens
from tco.shipped_pricing import DEFAULT_PRICING_TABLE


def ask(index: FrontierIndex, table: PricingTable, **fields: object) -> QuoteResponse:
    base: dict[str, object] = {"model": "kimi-k2.5", "isl": 8192, "osl": 1024, "targets": [50.0]}
    return quote(index, table, QuoteRequest(**{**base, **fields}))  # type: ignore[arg-type]


@pytest.mark.parametrize("model", ["dsr1", "kimi-k2.5"])
def test_shipped_quotes_at_20_50_100_carry_point_knots_offer_and_dates(
    index: FrontierIndex, tables: dict[str, PricingTable], model: str
) -> None:
    answer = ask(index, tables[DEFAULT_PRICING_TABLE], model=model, targets=[20.0, 50.0, 100.0])
    assert answer.assumptions.pricing_table == DEFAULT_PRICING_TABLE
    assert answer.assumptions.dataset_version == index.dataset_version
    assert [t.target_interactivity for t in answer.targets] == [20.0, 50.0, 100.0]
    for target in answer.targets:
        best = target.cheapest
        assert best is not None
        assert best.rank == 1 and best.ratio_to_cheapest == 1.0
        assert best.offer.source and best.offer.source_date
        op = best.operating_point
        assert op.knots and all(k.date and k.source for k in op.knots)
        if op.method != "clamped_low":
            assert op.interactivity >= target.target_interactivity
        costs = [o.usd_per_million_tokens for o in target.options]
        assert costs == sorted(costs)


def test_kimi_at_50_hand_checked_end_to_end(
    index: FrontierIndex, tables: dict[str, PricingTable]
) -> None:
    """B200 vLLM FP4 TP4 EP4 (blog gb200-nvl72-kimi-k2-5-vllm-wide-ep-3x-vs-b200, 2026-03-27):
    conc 16 -> 2286 tok/s/GPU at 66.3 tok/s/user, conc 32 -> 3108 at 45.0. At 50 tok/s/user:
    w = (50 - 45.0) / (66.3 - 45.0) = 0.234742; tput = 3108 + w x (2286 - 3108) = 2915.042.
    B200 in semianalysis-2026-09-hyperscaler: $1.73/GPU-h -> 1.73 x 1e6 / (3600 x 2915.042)
    = $0.164854 per million total tokens."""
    answer = ask(index, tables[DEFAULT_PRICING_TABLE])
    best = answer.targets[0].cheapest
    assert best is not None
    assert best.hardware == "b200"
    assert best.recipe.label == "vllm fp4 TP4 EP4 (4 GPUs)"
    op = best.operating_point
    assert op.method == "interpolated"
    assert [(k.interactivity, k.tput_per_gpu, k.conc) for k in op.knots] == [
        (45.0, 3108.0, 32),
        (66.3, 2286.0, 16),
    ]
    assert op.tput_per_gpu == pytest.approx(2915.042, abs=1e-3)
    assert best.offer.usd_per_gpu_hour == 1.73
    assert best.usd_per_million_tokens == pytest.approx(1.73e6 / (3600 * 2915.042), rel=1e-6)
    assert best.usd_per_million_tokens == pytest.approx(0.164854, abs=1e-6)
    # The blog publishes only total throughput, so per-request cost is absent, not estimated.
    assert best.usd_per_1k_requests is None


def test_price_override_replaces_a_hardware_and_ranks_again(
    index: FrontierIndex, tables: dict[str, PricingTable]
) -> None:
    cheap = ask(index, tables[DEFAULT_PRICING_TABLE], price_overrides={"mi355x": 0.05})
    best = cheap.targets[0].cheapest
    assert best is not None
    assert best.hardware == "mi355x"
    assert best.offer.kind == "override" and best.offer.usd_per_gpu_hour == 0.05
    assert all(
        o.offer.kind == "override" for o in cheap.targets[0].options if o.hardware == "mi355x"
    )
    with pytest.raises(InvalidRequest) as err:
        ask(index, tables[DEFAULT_PRICING_TABLE], price_overrides={"tpu9000": 1.0})
    assert err.value.field == "price_overrides"


def test_break_even_price_ties_the_winner(
    index: FrontierIndex, tables: dict[str, PricingTable]
) -> None:
    target = ask(index, tables["cloud-public-2026"], model="dsr1", targets=[50.0], top=10).targets[
        0
    ]
    best = target.cheapest
    assert best is not None
    for option in target.options[1:]:
        at_break_even = (
            option.usd_per_million_tokens
            * option.break_even_usd_per_gpu_hour
            / option.offer.usd_per_gpu_hour
        )
        assert at_break_even == pytest.approx(best.usd_per_million_tokens)
        assert option.ratio_to_cheapest >= 1.0
    hardware = [o.hardware for o in target.cheapest_per_hardware]
    assert len(hardware) == len(set(hardware)) >= 5


def test_unreachable_recipes_listed_with_their_max_interactivity(
    index: FrontierIndex, tables: dict[str, PricingTable]
) -> None:
    target = ask(index, tables[DEFAULT_PRICING_TABLE], targets=[100.0]).targets[0]
    assert target.unreachable_total >= 1
    assert all(u.max_interactivity < 100.0 for u in target.unreachable)
    mi355x = [
        u
        for u in target.unreachable
        if u.hardware == "mi355x" and u.label.startswith("vllm fp4 TP8")
    ]
    assert mi355x and mi355x[0].max_interactivity == 78.9


def test_filters_and_output_basis_exclusions(
    index: FrontierIndex, tables: dict[str, PricingTable]
) -> None:
    only = ask(
        index, tables[DEFAULT_PRICING_TABLE], model="dsr1", hardware=["h200"], top=20
    ).targets[0]
    assert only.options and {o.hardware for o in only.options} == {"h200"}
    no_disagg = ask(
        index, tables[DEFAULT_PRICING_TABLE], model="dsr1", disagg=False, top=20
    ).targets[0]
    assert all(not o.recipe.disagg for o in no_disagg.options)
    # Kimi's 8k/1k points come from blog tables (total throughput only): on an output-token
    # basis they are excluded with the reason, never estimated.
    output = ask(index, tables[DEFAULT_PRICING_TABLE], token_basis="output").targets[0]
    assert output.cheapest is None
    assert output.excluded_total >= 1
    assert all("output throughput not published" in e.reason for e in output.excluded)


def test_as_of_uses_the_curve_measured_by_then(
    index: FrontierIndex, tables: dict[str, PricingTable]
) -> None:
    """On 2026-03-10 only the vLLM 0.16 MI355X curve existed: 5.3 tok/s/user is inside it
    (5.0 @ 348.5 -> 5.6 @ 191.2: 348.5 - 0.5 x 157.3 = 269.85 tok/s/GPU)."""
    answer = ask(
        index,
        tables[DEFAULT_PRICING_TABLE],
        targets=[5.3],
        as_of=dt.date(2026, 3, 10),
        hardware=["mi355x"],
    )
    assert answer.assumptions.benchmark_as_of == dt.date(2026, 3, 1)
    best = answer.targets[0].cheapest
    assert best is not None
    assert best.operating_point.tput_per_gpu == pytest.approx(269.85)
    assert {k.date for k in best.operating_point.knots} == {dt.date(2026, 3, 1)}


def test_series_pooling_is_never_worse_than_the_best_recipe(
    index: FrontierIndex, tables: dict[str, PricingTable]
) -> None:
    per_recipe = ask(
        index, tables[DEFAULT_PRICING_TABLE], model="dsr1", targets=[30.0, 60.0]
    ).targets
    pooled = ask(
        index, tables[DEFAULT_PRICING_TABLE], model="dsr1", targets=[30.0, 60.0], pooling="series"
    ).targets
    for a, b in zip(per_recipe, pooled, strict=True):
        assert a.cheapest is not None and b.cheapest is not None
        assert b.cheapest.usd_per_million_tokens <= a.cheapest.usd_per_million_tokens + 1e-12
        assert b.cheapest.recipe.recipe_id.startswith("s-")


def test_unknown_workload_names_what_exists(
    index: FrontierIndex, tables: dict[str, PricingTable]
) -> None:
    with pytest.raises(InvalidRequest) as err:
        ask(index, tables[DEFAULT_PRICING_TABLE], isl=4096)
    assert err.value.field == "model"
    assert "8192/1024" in err.value.reason


def disagg_point(output_tput_per_gpu: float, **changes: object) -> Point:
    fields: dict[str, object] = {
        "model": "m", "isl": 1000, "osl": 100, "hardware": "gb200", "framework": "dynamo-trt", "precision": "fp4",
        "spec_method": "none", "disagg": True, "tp": 8, "prefill_tp": 4, "decode_tp": 8,
        "num_prefill_gpu": 2, "num_decode_gpu": 6, "conc": 64, "date": dt.date(2026, 1, 1), "source": "test",
        "tput_per_gpu": 800.0, "output_tput_per_gpu": output_tput_per_gpu, "input_tput_per_gpu": 2000.0,
        "interactivity": 40.0, "tpot_s": 0.025,
    }  # fmt: skip
    return Point(**{**fields, **changes})  # type: ignore[arg-type]


def gb200_table(usd_per_gpu_hour: float) -> PricingTable:
    offer = Offer(
        hardware="gb200",
        provider="p",
        kind="on_demand",
        usd_per_gpu_hour=usd_per_gpu_hour,
        source="s",
    )
    return PricingTable(name="t", version=1, description="", offers=(offer,))


def test_disagg_output_cost_charges_all_gpus() -> None:
    """Output 100 tok/s per DECODE GPU with 2 prefill + 6 decode GPUs is 100 x 6/8 = 75 tok/s per
    GPU of the deployment; at $2/GPU-h: 2e6 / (3600 x 75) = $7.4074 per M output tokens."""
    idx = FrontierIndex(points_frame([disagg_point(100.0)]), "t")
    table = gb200_table(2.0)
    answer = quote(
        idx, table, QuoteRequest(model="m", isl=1000, osl=100, targets=[10.0], token_basis="output")
    )
    best = answer.targets[0].cheapest
    assert best is not None
    assert best.operating_point.output_tput_per_gpu == 75.0
    assert best.usd_per_million_tokens == pytest.approx(2e6 / (3600 * 75))
    # Requests/s per GPU = 75 / 100 osl = 0.75; 1000 requests cost 2/3600/0.75 x 1000 = $0.7407.
    assert best.usd_per_1k_requests == pytest.approx(2 / 3600 / 0.75 * 1000)
    assert best.recipe.gpus_per_replica == 8


@given(
    price=st.floats(min_value=0.01, max_value=100),
    factor=st.floats(min_value=0.1, max_value=10),
    utilization=st.floats(min_value=0.05, max_value=1.0),
    tput=st.floats(min_value=1, max_value=1e5),
)
@settings(max_examples=200, deadline=None)
def test_cost_linear_in_price_and_inverse_in_utilization(
    price: float, factor: float, utilization: float, tput: float
) -> None:
    base = float(usd_per_million_tokens(price, tput, 1.0))
    assert float(usd_per_million_tokens(price * factor, tput, 1.0)) == pytest.approx(
        base * factor, rel=1e-9
    )
    assert float(usd_per_million_tokens(price, tput, utilization)) == pytest.approx(
        base / utilization, rel=1e-9
    )


@given(st.floats(min_value=0.05, max_value=1.0), st.floats(min_value=0.05, max_value=50))
@settings(max_examples=50, deadline=None)
def test_quote_cost_scales_with_override_and_utilization(utilization: float, price: float) -> None:
    idx = FrontierIndex(points_frame([disagg_point(100.0)]), "t")
    table = gb200_table(1.0)
    one = (
        quote(idx, table, QuoteRequest(model="m", isl=1000, osl=100, targets=[10.0]))
        .targets[0]
        .cheapest
    )
    scaled = (
        quote(
            idx,
            table,
            QuoteRequest(
                model="m",
                isl=1000,
                osl=100,
                targets=[10.0],
                utilization=utilization,
                price_overrides={"gb200": price},
            ),
        )
        .targets[0]
        .cheapest
    )
    assert one is not None and scaled is not None
    assert scaled.usd_per_million_tokens == pytest.approx(
        one.usd_per_million_tokens * price / utilization, rel=1e-9
    )


@pytest.mark.parametrize("price", [5e-324, 1e-320, 1e300, math.inf, math.nan])
def test_the_engine_holds_for_prices_the_decoder_would_refuse(
    index: FrontierIndex, tables: dict[str, PricingTable], price: float
) -> None:
    # A QuoteRequest built in Python skips msgspec's bounds: the engine must hold on its own,
    # with no cost of 0 (5e-324 underflows), inf or nan, and no division by zero.
    answer = ask(
        index,
        tables[DEFAULT_PRICING_TABLE],
        model="dsr1",
        targets=[20.0, 50.0, 100.0],
        price_overrides={"h100": price, "b200": 1e-6},
        demand=OutputTokensPerSecond(value=1e6),
    )
    options = [o for t in answer.targets for o in (*t.options, *t.cheapest_per_hardware)]
    assert options
    assert all(o.hardware != "h100" for o in options)  # a price out of bounds prices nothing
    for o in options:
        for value in (o.usd_per_million_tokens, o.ratio_to_cheapest, o.break_even_usd_per_gpu_hour):
            assert math.isfinite(value) and value > 0


@pytest.mark.parametrize("tput", [1e-300, 5e-324])
def test_a_throughput_no_price_can_divide_is_no_option(tput: float) -> None:
    """A point stored before ingest bounded throughputs: its cost is inf, never an option (nor
    a ratio_to_cheapest of nan); the measurable point beside it still quotes."""
    tiny = disagg_point(100.0, tput_per_gpu=tput, framework="sglang")  # a recipe of its own
    idx = FrontierIndex(points_frame([disagg_point(100.0), tiny]), "t")
    request = QuoteRequest(model="m", isl=1000, osl=100, targets=[10.0], extrapolate=True)
    for target in quote(idx, gb200_table(1000.0), request).targets:
        for o in (*target.options, *target.cheapest_per_hardware):
            for value in (o.usd_per_million_tokens, o.ratio_to_cheapest, o.break_even_usd_per_gpu_hour):  # fmt: skip
                assert math.isfinite(value) and value > 0


# ------------------------------------------------------------------ offer filters (issue #18)

TODAY = dt.date(2026, 12, 1)


def policy_table() -> PricingTable:
    """gb200 offers a buyer's policy tells apart (today = 2026-12-01)."""
    offers = (
        Offer(hardware="gb200", provider="Cheap", kind="spot", usd_per_gpu_hour=1.0, source="s", source_date="2026-11-20"),
        Offer(hardware="gb200", provider="P", kind="on_demand", usd_per_gpu_hour=2.0, region="eu-west-1", source="s", source_date="2026-11-15", status="published"),
        Offer(hardware="gb200", provider="P", kind="reserved_3y", usd_per_gpu_hour=1.5, source="s", source_date="2026-10-01", status="placeholder"),
        Offer(hardware="gb200", provider="Q", kind="on_demand", usd_per_gpu_hour=1.8, source="s", source_date="undated (2026)"),
        Offer(hardware="gb200", provider="R", kind="owned", usd_per_gpu_hour=1.2, source="s", source_date="2026-11"),
    )  # fmt: skip
    return PricingTable(name="policy", version=1, description="", offers=offers)


def policy_quote(**filters: object) -> QuoteResponse:
    idx = FrontierIndex(points_frame([disagg_point(100.0)]), "t")
    request = QuoteRequest(model="m", isl=1000, osl=100, targets=[10.0], **filters)  # type: ignore[arg-type]
    return quote(idx, policy_table(), request, today=TODAY)


def test_offer_filters_apply_before_ranking_and_count_exclusions_by_first_reason() -> None:
    """Unfiltered, spot at $1 wins: 1e6 / (3600 x 800 tok/s/GPU) = $0.3472/M. The policy
    "on-demand or 3-year, no placeholders, prices <= 180 days old" leaves P's on-demand $2:
    2e6 / (3600 x 800) = $0.6944/M; spot and owned fail the kind, the reserved offer is a
    placeholder, Q's is undated (never guessed)."""
    plain = policy_quote()
    assert plain.targets[0].cheapest is not None
    assert plain.targets[0].cheapest.offer.kind == "spot"
    assert plain.targets[0].cheapest.usd_per_million_tokens == pytest.approx(1e6 / (3600 * 800))
    assert plain.assumptions.offer_filters is None and plain.assumptions.excluded_offers == {}

    answer = policy_quote(
        offer_kinds=["on_demand", "reserved_3y"],
        max_price_age_days=180,
        exclude_placeholder_prices=True,
    )
    best = answer.targets[0].cheapest
    assert best is not None
    assert (best.offer.provider, best.offer.kind) == ("P", "on_demand")
    assert best.usd_per_million_tokens == pytest.approx(2e6 / (3600 * 800))
    assert [o.offer.provider for o in answer.targets[0].options] == ["P"]
    assert answer.assumptions.excluded_offers == {
        "offer_kind": 2,
        "placeholder_price": 1,
        "price_undated": 1,
    }
    assert answer.assumptions.offer_filters is not None
    assert answer.assumptions.offer_filters.offer_kinds == ["on_demand", "reserved_3y"]
    assert answer.assumptions.offer_filters.max_price_age_days == 180


def test_price_age_counts_days_to_the_quote_date() -> None:
    """P's price is dated 2026-11-15: 16 days before 2026-12-01. "2026-11" counts from the 1st
    (30 days); 2026-10-01 is 61 days old."""
    kept = policy_quote(max_price_age_days=16)
    assert kept.assumptions.excluded_offers == {
        "price_undated": 1,
        "price_age": 2,
    }  # Q; reserved, owned
    assert kept.targets[0].cheapest is not None
    assert kept.targets[0].cheapest.offer.kind == "spot"  # 11 days old
    gone = policy_quote(max_price_age_days=15, providers=["p", "q", "r"])
    assert gone.assumptions.excluded_offers == {"provider": 1, "price_undated": 1, "price_age": 3}
    assert gone.targets[0].cheapest is None
    assert gone.targets[0].excluded_total == 1  # the recipe: no offer passes the offer filters
    assert "passes the offer filters" in gone.targets[0].excluded[0].reason


def test_commitment_bounds_and_regions() -> None:
    """Terms: spot 0, on_demand 0, reserved_3y 36; owned without TCO inputs: unknown."""
    short = policy_quote(max_commitment_months=12)
    assert short.assumptions.excluded_offers == {"commitment_unknown": 1, "commitment_term": 1}
    long = policy_quote(min_commitment_months=12)
    assert long.assumptions.excluded_offers == {"commitment_unknown": 1, "commitment_term": 3}
    assert long.targets[0].cheapest is not None
    assert long.targets[0].cheapest.offer.kind == "reserved_3y"
    assert long.targets[0].cheapest.usd_per_million_tokens == pytest.approx(1.5e6 / (3600 * 800))
    eu = policy_quote(regions=["EU-West-1", "nowhere"])  # case-insensitive; unknown: no error
    assert eu.assumptions.excluded_offers == {"region": 4}
    nothing = policy_quote(min_commitment_months=13, max_commitment_months=12)  # no error
    assert nothing.assumptions.excluded_offers == {"commitment_unknown": 1, "commitment_term": 4}
    assert nothing.targets[0].cheapest is None


def test_price_overrides_pass_every_offer_filter() -> None:
    idx = FrontierIndex(points_frame([disagg_point(100.0)]), "t")
    request = QuoteRequest(
        model="m", isl=1000, osl=100, targets=[10.0], price_overrides={"gb200": 3.0},
        offer_kinds=["spot"], max_price_age_days=1,
    )  # fmt: skip
    best = quote(idx, policy_table(), request, today=TODAY).targets[0].cheapest
    assert best is not None and best.offer.kind == "override"
    assert best.usd_per_million_tokens == pytest.approx(3e6 / (3600 * 800))
