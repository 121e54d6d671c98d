"""Prices and throughputs at the edges of what a float holds: refused where they enter
(JSON, CSV, runs), declared in the OpenAPI document, and never a 500 or a cost of 0 or inf in an
answer, even for an offer stored before the bounds existed."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tco.domain.pricing import MAX_USD_PER_GPU_HOUR, MIN_USD_PER_GPU_HOUR, Offer
from tco.store import Store
from tests.api.problems import problem

Client = TestClient[Any]
ROOT = Path(__file__).resolve().parents[2]
QUOTE = {"model": "dsr1", "isl": 8192, "osl": 1024, "targets": [20, 50, 100]}
READS = {"model": "dsr1", "isl": 8192, "osl": 1024, "pricing": "legacy"}


@pytest.mark.parametrize(
    ("price", "reason"),
    [
        (5e-324, "Expected `float` >= 1e-06"),
        (9.9e-7, "Expected `float` >= 1e-06"),
        (1000.01, "Expected `float` <= 1000.0"),
    ],
)
def test_a_price_override_outside_the_bounds_is_a_400(client: Client, price: float, reason: str) -> None:  # fmt: skip
    response = client.post("/v1/quotes", json={**QUOTE, "price_overrides": {"h100": price}})
    body = problem(response, 400)
    assert body["field"].startswith("price_overrides")
    assert body["errors"][0]["reason"] == reason


@pytest.mark.parametrize("price", [MIN_USD_PER_GPU_HOUR, MAX_USD_PER_GPU_HOUR])
def test_prices_at_the_bounds_are_quoted_with_finite_positive_numbers(client: Client, price: float) -> None:  # fmt: skip
    response = client.post("/v1/quotes", json={**QUOTE, "price_overrides": {"h100": price, "b200": 3.0}})  # fmt: skip
    assert response.status_code == 200, response.text
    assert_finite_positive_costs(response.json())
    option = response.json()["targets"][0]["options"][0]
    assert option["ratio_to_cheapest"] == 1.0


def test_the_schema_declares_the_price_bounds_once_for_every_entry(client: Client) -> None:
    schema = client.get("/schema/openapi.json").json()["components"]["schemas"]
    override = schema["QuoteRequest"]["properties"]["price_overrides"]["additionalProperties"]
    offers = schema["OfferInput"]["properties"]["usd_per_gpu_hour"]["anyOf"][0]
    for declared in (override, offers):
        assert (declared["minimum"], declared["maximum"]) == (1e-06, 1000.0)


def walk(value: object, path: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from walk(item, f"{path}[{i}]")
    else:
        yield path, value


def assert_finite_positive_costs(answer: object) -> None:
    costs = [(p, v) for p, v in walk(answer) if "usd" in p.rsplit(".", 1)[-1] and v is not None]
    assert costs
    bad = [(p, v) for p, v in costs if not (isinstance(v, float | int) and math.isfinite(v) and v > 0)]  # fmt: skip
    assert bad == []


@pytest.fixture
def legacy_table(store: Store) -> None:
    """A table written before the bounds: a denormal price, an absurd one, and a real one."""
    offers = [
        Offer(hardware=hw, provider="AWS", kind="on_demand", usd_per_gpu_hour=p, source="x")
        for hw, p in [("h100", 5e-324), ("h200", 1e300), ("b200", 3.0)]
    ]
    store.create_table("legacy", "", offers, actor="tests", request_id=None)


@pytest.mark.usefixtures("legacy_table")
@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("POST", "/v1/quotes", None),
        ("GET", "/v1/quotes", {**READS, "targets": "50"}),
        ("GET", "/v1/curves", READS),
        ("GET", "/v1/history", {**READS, "target": "50"}),
    ],
)
def test_a_stored_offer_outside_the_bounds_prices_nothing(
    client: Client, method: str, path: str, params: dict[str, str] | None
) -> None:
    body = {**QUOTE, "pricing": "legacy", "demand": {"kind": "concurrent_users", "value": 100}}
    response = client.request(method, path, params=params, json=body if method == "POST" else None)
    assert response.status_code == 200, response.text
    assert_finite_positive_costs(response.json())
    hardware = {v for p, v in walk(response.json()) if p.endswith(".hardware") and isinstance(v, str)}  # fmt: skip
    assert "b200" in hardware


def native(**changes: Any) -> bytes:
    point = json.loads((ROOT / "tests" / "fixtures" / "ingest" / "native_points.json").read_bytes())["points"][0]  # fmt: skip
    return json.dumps({"source": "test", "points": [point | changes]}).encode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tput_per_gpu", 1e-300),
        ("tput_per_gpu", 1e300),
        ("output_tput_per_gpu", 1e-300),
        ("input_tput_per_gpu", 1e9),
        ("interactivity", 1e-300),
    ],
)
def test_a_run_with_a_throughput_no_price_can_divide_is_refused(
    client: Client, editor_key: str, field: str, value: float
) -> None:
    response = client.post(
        "/v1/runs",
        content=native(**{field: value}),
        params={"strict": "false"},
        headers={"X-API-Key": editor_key, "Content-Type": "application/json"},
    )
    body = problem(response, 422)
    error = next(e for e in body["errors"] if e["field"] == field)
    assert error["index"] == 0
    assert error["reason"].startswith("must be within [")
