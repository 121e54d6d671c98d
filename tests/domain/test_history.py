"""tco.domain.history: the cheapest $/M tokens per hardware as of each benchmark date."""

import datetime as dt

import msgspec
import pytest

from tco.domain.errors import InvalidRequest
from tco.domain.history import history
from tco.domain.index import FrontierIndex
from tco.domain.points import Point, points_frame
from tco.domain.pricing import Offer, PricingTable
from tco.domain.quote import QuoteRequest, quote

JAN_10, JAN_20, FEB_10 = dt.date(2026, 1, 10), dt.date(2026, 1, 20), dt.date(2026, 2, 10)
H200_USD_PER_GPU_HOUR, B200_USD_PER_GPU_HOUR = 3.0, 5.0
TABLE = PricingTable(
    name="test",
    version=1,
    description="two offers",
    offers=(
        Offer(hardware="h200", provider="cloud-a", kind="on_demand", usd_per_gpu_hour=H200_USD_PER_GPU_HOUR, source="test"),
        Offer(hardware="b200", provider="cloud-b", kind="on_demand", usd_per_gpu_hour=B200_USD_PER_GPU_HOUR, source="test"),
    ),
)  # fmt: skip
# (interactivity tok/s/user, tok/s/GPU) per concurrency: one TP8 recipe's curve
CURVE = {4: (80.0, 400.0), 16: (50.0, 1000.0), 64: (25.0, 2000.0)}


def run(hardware: str, date: dt.date, speedup: float) -> list[Point]:
    """A run of one recipe: the same concurrencies, throughput scaled by ``speedup``."""
    return [
        Point(
            model="dsr1", isl=8192, osl=1024, hardware=hardware, framework="trt", precision="fp8",
            spec_method="none", disagg=False, tp=8, conc=conc, date=date, source=f"run {date}",
            tput_per_gpu=tput * speedup, interactivity=interactivity, tpot_s=1 / interactivity,
        )
        for conc, (interactivity, tput) in CURVE.items()
    ]  # fmt: skip


@pytest.fixture(scope="module")
def index() -> FrontierIndex:
    points = run("h200", JAN_10, 1.0) + run("b200", JAN_20, 2.0) + run("h200", FEB_10, 1.5)
    return FrontierIndex(points_frame(points), "ds-test")


def request(target: float, **fields: object) -> QuoteRequest:
    return QuoteRequest(model="dsr1", isl=8192, osl=1024, targets=[target], **fields)  # type: ignore[arg-type]


def usd_per_million(usd_per_gpu_hour: float, tput_per_gpu: float) -> float:
    return usd_per_gpu_hour * 1e6 / (3600 * tput_per_gpu)


def test_each_hardware_gets_its_cheapest_cost_as_of_each_benchmark_date(
    index: FrontierIndex,
) -> None:
    answer = history(index, TABLE, request(50.0))
    assert answer.dates == [JAN_10, JAN_20, FEB_10]
    assert (answer.dataset_version, answer.pricing_table, answer.target_interactivity) == (
        "ds-test",
        "test",
        50.0,
    )
    by_hw = {h.hardware: h.points for h in answer.hardware}
    h200 = [(p.benchmark_date, p.usd_per_million_tokens, p.method) for p in by_hw["h200"]]
    assert h200 == [
        (JAN_10, pytest.approx(usd_per_million(3.0, 1000.0)), "measured"),  # $0.8333/M
        (JAN_20, pytest.approx(usd_per_million(3.0, 1000.0)), "measured"),  # still January's run
        (FEB_10, pytest.approx(usd_per_million(3.0, 1500.0)), "measured"),  # the 1.5x re-run
    ]
    assert [p.measured_dates for p in by_hw["h200"]] == [[JAN_10], [JAN_10], [FEB_10]]
    # b200 was first measured on January 20: no value before it
    b200 = [(p.benchmark_date, p.usd_per_million_tokens) for p in by_hw["b200"]]
    assert b200 == [
        (JAN_20, pytest.approx(usd_per_million(5.0, 2000.0))),
        (FEB_10, pytest.approx(usd_per_million(5.0, 2000.0))),
    ]
    assert by_hw["b200"][0].offer_provider == "cloud-b"


def test_every_value_is_what_a_quote_as_of_that_date_answers(index: FrontierIndex) -> None:
    answer = history(index, TABLE, request(40.0, interpolation="monotone"))
    for hw in answer.hardware:
        for point in hw.points:
            quoted = quote(
                index, TABLE, request(40.0, interpolation="monotone", as_of=point.benchmark_date)
            )
            (same,) = [
                o for o in quoted.targets[0].cheapest_per_hardware if o.hardware == hw.hardware
            ]
            assert point.usd_per_million_tokens == same.usd_per_million_tokens
            assert point.recipe_id == same.recipe.recipe_id
    # linear between the knots at 50 (1000) and 25 (2000) tok/s/user: 1400 tok/s/GPU at 40
    linear = history(index, TABLE, request(40.0))
    first = linear.hardware[1].points[0]
    assert (linear.hardware[1].hardware, first.method) == ("h200", "interpolated")
    assert first.tput_per_gpu == pytest.approx(1400.0)


def test_as_of_drops_later_dates_and_unreachable_targets_leave_gaps(index: FrontierIndex) -> None:
    early = history(index, TABLE, request(50.0, as_of=dt.date(2026, 1, 15)))
    assert early.dates == [JAN_10]
    assert [h.hardware for h in early.hardware] == ["h200"]
    # 90 tok/s/user is above every measured point: no hardware reaches it on any date
    assert history(index, TABLE, request(90.0)).hardware == []


def test_history_needs_one_target_and_a_known_workload(index: FrontierIndex) -> None:
    two = msgspec.structs.replace(request(50.0), targets=[20.0, 50.0])
    with pytest.raises(InvalidRequest) as caught:
        history(index, TABLE, two)
    assert caught.value.field == "targets"
    with pytest.raises(InvalidRequest) as unknown:
        history(index, TABLE, msgspec.structs.replace(request(50.0), isl=1024))
    assert unknown.value.field == "model"
    assert "measured workloads: 8192/1024" in unknown.value.reason
    with pytest.raises(InvalidRequest):  # nothing measured on or before the as-of date
        history(index, TABLE, request(50.0, as_of=dt.date(2025, 12, 31)))
