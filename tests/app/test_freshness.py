"""Freshness in every answer: run dates and price dates per option, stale warnings, and a
benchmark_as_of taken from the points the answer used. "Today" is injected (Service.clock)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from tco.api.app import create_app
from tco.api.auth import AuthSettings
from tco.app.live import service_from_store
from tco.app.service import Service, shipped_service
from tco.domain.freshness import StalePolicy, price_date
from tco.domain.quote import QuoteOption, QuoteRequest, QuoteResponse

KIMI = {"model": "kimi-k2.5", "isl": 8192, "osl": 1024}
DEC_4 = dt.date(2026, 12, 4)


def at(today: dt.date, policy: StalePolicy | None = None) -> Service:
    service = shipped_service()
    service.clock = lambda: today
    if policy is not None:
        service.stale_policy = policy
    return service


def options(answer: QuoteResponse) -> list[QuoteOption]:
    return [o for tq in answer.targets for o in (*tq.options, *tq.cheapest_per_hardware)]


def test_benchmark_as_of_is_the_newest_run_date_the_answer_used() -> None:
    """The Kimi workload's newest date (2026-05-20) is the stand-in date of 3 INT4 points no
    answer at 50 tok/s/user uses: the answer is as of its own points."""
    answer = at(DEC_4).quote(QuoteRequest(**KIMI, targets=[50]))
    used = {d for o in options(answer) for d in o.evidence.measured}  # type: ignore[union-attr]
    assert answer.assumptions.benchmark_as_of == max(used) == dt.date(2026, 4, 7)
    freshness = answer.assumptions.freshness
    assert freshness is not None
    assert freshness.workload_latest_date == dt.date(2026, 5, 20)
    assert freshness.judged_at == DEC_4


def test_every_option_states_its_run_and_price_dates_and_old_evidence_is_stale() -> None:
    answer = at(DEC_4).quote(QuoteRequest(**KIMI, targets=[50], hardware=["mi355x"]))
    best = answer.targets[0].cheapest
    assert best is not None and best.evidence is not None
    e = best.evidence
    knot_dates = sorted({k.date for k in best.operating_point.knots})
    assert e.measured == knot_dates == [dt.date(2026, 3, 26)]
    assert e.benchmark_age_days == (DEC_4 - dt.date(2026, 3, 26)).days == 253
    assert e.price_source_date == price_date(best.offer.source_date)
    assert e.stale and [(w.code, w.kind) for w in e.warnings] == [("stale", "benchmark")]
    assert "measured 2026-03-26, 253 days before 2026-12-04" in e.warnings[0].message
    assert answer.assumptions.freshness.stale_options >= 1  # type: ignore[union-attr]


def test_fresh_evidence_has_no_warning_and_as_of_sets_the_date() -> None:
    service = at(DEC_4)
    answer = service.quote(
        QuoteRequest(**KIMI, targets=[50], hardware=["mi355x"], as_of=dt.date(2026, 4, 10))
    )
    best = answer.targets[0].cheapest
    assert best is not None and best.evidence is not None
    assert (best.evidence.benchmark_age_days, best.evidence.warnings) == (15, [])
    assert answer.assumptions.freshness.judged_at == dt.date(2026, 4, 10)  # type: ignore[union-attr]


def test_thresholds_are_configurable_and_old_prices_warn() -> None:
    strict = at(dt.date(2026, 4, 10), StalePolicy(benchmark_days=10, price_days=10))
    answer = strict.quote(QuoteRequest(**KIMI, targets=[50], hardware=["mi355x"]))
    best = answer.targets[0].cheapest
    assert best is not None and best.evidence is not None
    kinds = [w.kind for w in best.evidence.warnings]
    assert "benchmark" in kinds
    price = best.evidence.price_source_date
    assert ("price" in kinds) == (price is not None and (dt.date(2026, 4, 10) - price).days > 10)


def test_a_newer_run_of_the_same_hardware_under_another_recipe_is_flagged() -> None:
    """GB200 Dynamo-TRT FP4 disaggregated on DeepSeek-R1 8k/1k: the TP48 recipe was last
    measured 2025-12-05; the same hardware, framework and precision was re-measured on
    2026-03-23 under another topology."""
    answer = at(DEC_4).quote(
        QuoteRequest(model="dsr1", isl=8192, osl=1024, targets=[20], hardware=["gb200"], top=20)
    )
    flagged = [
        (o.recipe.latest_date, w)
        for o in options(answer)
        for w in o.evidence.warnings  # type: ignore[union-attr]
        if w.kind == "newer_run"
    ]
    assert flagged
    latest, warning = flagged[0]
    assert warning.newer_date is not None and warning.newer_date > latest
    assert warning.code == "stale" and warning.newer_recipe_id is not None
    assert "a newer run exists on this hardware" in warning.message


def test_price_dates_are_read_from_the_source_date_text() -> None:
    assert price_date("2026-06-26") == dt.date(2026, 6, 26)
    assert price_date("2026-11-09 (retrieved)") == dt.date(2026, 11, 9)
    assert price_date("2024-08 (capex); 2025-02-26 (colocation)") == dt.date(2024, 8, 1)
    assert price_date("late 2024") is None
    assert price_date(None) is None


@pytest.fixture
def live() -> Iterator[Service]:
    service = service_from_store(":memory:")
    yield service
    service.tables.close()  # type: ignore[attr-defined]


def test_the_get_quote_cache_is_keyed_on_the_date(live: Service) -> None:
    query = {**KIMI, "targets": "50"}
    with TestClient(create_app(live, live.tables, auth=AuthSettings())) as client:  # type: ignore[arg-type]
        live.clock = lambda: dt.date(2026, 4, 10)
        early: dict[str, Any] = client.get("/v1/quotes", params=query).json()
        live.clock = lambda: DEC_4
        late: dict[str, Any] = client.get("/v1/quotes", params=query).json()
    assert early["assumptions"]["freshness"]["judged_at"] == "2026-04-10"
    assert late["assumptions"]["freshness"]["judged_at"] == "2026-12-04"
    assert late["assumptions"]["freshness"]["stale_options"] > 0
