"""As-of reads and GET /v1/history through the real app: two dated runs of one recipe are
ingested; quotes, frontiers, catalog and points as of each date answer from that date's run,
and the history shows both."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from tco.api.app import create_app
from tco.app.live import LiveService, service_from_store
from tco.domain.quote_full import expanded
from tco.store import Role

Client = TestClient[Any]
WORKLOAD = {"model": "dsr1", "isl": 8192, "osl": 1024}
JAN_10, FEB_10 = "2026-01-10", "2026-02-10"
# one h200 TP8 recipe: (conc, tok/s/user, tok/s/GPU) in January; February's re-run is 1.5x
CURVE = [(4, 80.0, 400.0), (16, 50.0, 1000.0), (64, 25.0, 2000.0)]


def run(date: str, speedup: float) -> bytes:
    points = [
        {
            "model": "dsr1", "isl": 8192, "osl": 1024, "hardware": "h200", "framework": "trt",
            "precision": "fp8", "spec_method": "none", "disagg": False, "tp": 8, "conc": conc,
            "date": date, "tput_per_gpu": tput * speedup, "interactivity": interactivity,
            "tpot_s": 1 / interactivity, "source": f"acme lab run {date}",
        }
        for conc, interactivity, tput in CURVE
    ]  # fmt: skip
    return json.dumps({"source": f"acme lab {date}", "points": points}).encode()


@pytest.fixture
def client() -> Iterator[Client]:
    """``--no-shipped-data`` with the two runs ingested over HTTP."""
    service: LiveService = service_from_store(":memory:", shipped_data=False)
    key = service.store.create_key("editor", Role.EDITOR, actor="tests")
    try:
        with TestClient(create_app(service, service.store)) as client:
            for body in (run(JAN_10, 1.0), run(FEB_10, 1.5)):
                answer = client.post("/v1/runs", content=body, headers={"X-API-Key": key})
                assert answer.status_code == 201, answer.text
            yield client
    finally:
        service.store.close()


def h200_at_50(client: Client, as_of: str) -> dict[str, Any]:
    answer = client.get("/v1/quotes", params={**WORKLOAD, "targets": "50", "as_of": as_of})
    assert answer.status_code == 200, answer.text
    body = expanded(answer.json())
    (option,) = body["targets"][0]["cheapest_per_hardware"]
    return {"benchmark_as_of": body["assumptions"]["benchmark_as_of"]} | option


def test_quotes_as_of_each_date_use_that_dates_run(client: Client) -> None:
    january, february = h200_at_50(client, "2026-01-31"), h200_at_50(client, "2026-02-28")
    assert (january["benchmark_as_of"], february["benchmark_as_of"]) == (JAN_10, FEB_10)
    for option, tput, date in ((january, 1000.0, JAN_10), (february, 1500.0, FEB_10)):
        op = option["operating_point"]
        assert (op["method"], op["tput_per_gpu"]) == ("measured", tput)
        assert {k["date"] for k in op["knots"]} == {date}
        usd = option["offer"]["usd_per_gpu_hour"] * 1e6 / (3600 * tput)
        assert option["usd_per_million_tokens"] == pytest.approx(usd, rel=1e-12)
    assert february["usd_per_million_tokens"] == pytest.approx(january["usd_per_million_tokens"] / 1.5)  # fmt: skip
    latest = expanded(client.get("/v1/quotes", params={**WORKLOAD, "targets": "50"}).json())
    assert latest["targets"][0]["cheapest"]["operating_point"]["tput_per_gpu"] == 1500.0
    before = client.get("/v1/quotes", params={**WORKLOAD, "targets": "50", "as_of": "2026-01-09"})
    assert before.status_code == 422
    assert before.json()["field"] == "model"


def test_frontiers_as_of_each_date_are_that_dates_curve(client: Client) -> None:
    for as_of, speedup, date in (("2026-01-10", 1.0, JAN_10), ("2026-02-10", 1.5, FEB_10)):
        answer = client.get("/v1/frontiers", params={**WORKLOAD, "as_of": as_of}).json()
        (frontier,) = answer["frontiers"]
        knots = [(k["interactivity"], k["tput_per_gpu"], k["date"]) for k in frontier["knots"]]
        assert knots == [(25.0, 2000.0 * speedup, date), (50.0, 1000.0 * speedup, date), (80.0, 400.0 * speedup, date)]  # fmt: skip
        assert (answer["benchmark_as_of"], frontier["points"]) == (date, 3)


def test_catalog_and_points_take_as_of(client: Client) -> None:
    everything = client.get("/v1/catalog").json()
    january = client.get("/v1/catalog", params={"as_of": "2026-01-31"}).json()
    assert (everything["points"], everything["benchmark_as_of"]) == (6, FEB_10)
    assert (january["points"], january["benchmark_as_of"]) == (3, JAN_10)
    assert january["models"][0]["latest_date"] == JAN_10
    assert client.get("/v1/catalog", params={"as_of": "2025-12-31"}).json()["points"] == 0
    all_points = client.get("/v1/points", params=WORKLOAD).json()
    assert all_points["total"] == 6  # every measurement, superseded ones included
    for as_of, date, tputs in (("2026-01-31", JAN_10, [400.0, 1000.0, 2000.0]), ("2026-03-01", FEB_10, [600.0, 1500.0, 3000.0])):  # fmt: skip
        view = client.get("/v1/points", params={**WORKLOAD, "as_of": as_of}).json()
        assert [(p["date"], p["tput_per_gpu"]) for p in view["points"]] == [(date, t) for t in tputs]  # fmt: skip


def test_history_shows_both_dates(client: Client) -> None:
    answer = client.get("/v1/history", params={**WORKLOAD, "target": 50})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["dates"] == [JAN_10, FEB_10]
    (h200,) = body["hardware"]
    assert h200["hardware"] == "h200"
    january, february = h200_at_50(client, JAN_10), h200_at_50(client, FEB_10)
    assert [
        (p["benchmark_date"], p["usd_per_million_tokens"], p["tput_per_gpu"], p["measured_dates"])
        for p in h200["points"]
    ] == [
        (JAN_10, january["usd_per_million_tokens"], 1000.0, [JAN_10]),
        (FEB_10, february["usd_per_million_tokens"], 1500.0, [FEB_10]),
    ]
    assert h200["points"][0]["recipe_label"] == "trt fp8 TP8 (8 GPUs)"
    assert body["dataset_version"] == client.get("/healthz").json()["dataset_version"]
    bounded = client.get("/v1/history", params={**WORKLOAD, "target": 50, "as_of": "2026-02-01"})
    assert [p["benchmark_date"] for p in bounded.json()["hardware"][0]["points"]] == [JAN_10]


def test_history_as_csv_and_revalidation(client: Client) -> None:
    answer = client.get("/v1/history", params={**WORKLOAD, "target": 50}, headers={"accept": "text/csv"})  # fmt: skip
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(r["hardware"], r["benchmark_date"], r["tput_tok_s_gpu"]) for r in rows] == [
        ("h200", JAN_10, "1000.0"),
        ("h200", FEB_10, "1500.0"),
    ]
    # the CSV rounds to 4 significant digits (its rounding column says so)
    assert float(rows[0]["usd_per_million_tokens"]) == pytest.approx(
        float(rows[0]["usd_per_gpu_hour"]) * 1e6 / (3600 * 1000.0), rel=5e-4
    )
    first = client.get("/v1/history", params={**WORKLOAD, "target": 50})
    again = client.get("/v1/history", params={**WORKLOAD, "target": 50}, headers={"if-none-match": first.headers["etag"]})  # fmt: skip
    assert (again.status_code, again.content) == (304, b"")


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"target": "0"}, 400, "target"),
        ({"target": "fast"}, 400, "target"),
        ({"target": "50", "model": "gpt-9"}, 422, "model"),
        ({"target": "50", "hardware": "tpu9"}, 422, "hardware"),
        ({"target": "50", "pricing": "no-such-table"}, 404, "pricing"),
        ({"target": "50", "as_of": "2025-12-31"}, 422, "model"),
    ],
)
def test_history_bad_parameters(
    client: Client, params: dict[str, str], status: int, field: str
) -> None:
    answer = client.get("/v1/history", params={**WORKLOAD} | params)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body.get("field") == field or body["errors"][0]["field"] == field


def test_an_ingest_changes_cached_curves_and_history() -> None:
    """Both answers are cached (keyed on the dataset version): a run ingested after them is in
    the next answer, never an old entry."""
    service: LiveService = service_from_store(":memory:", shipped_data=False)
    key = {"X-API-Key": service.store.create_key("editor", Role.EDITOR, actor="tests")}
    history_params = {**WORKLOAD, "target": 50}
    try:
        with TestClient(create_app(service, service.store)) as client:
            for body in (run(JAN_10, 1.0), run(FEB_10, 1.5)):
                assert client.post("/v1/runs", content=body, headers=key).status_code == 201
            before = client.get("/v1/history", params=history_params)
            curves_before = client.get("/v1/curves", params=WORKLOAD)
            assert client.get("/v1/history", params=history_params).content == before.content
            assert client.get("/v1/curves", params=WORKLOAD).content == curves_before.content
            march = client.post("/v1/runs", content=run("2026-03-10", 3.0), headers=key)
            assert march.status_code == 201, march.text
            after = client.get("/v1/history", params=history_params).json()
            assert after["dates"] == [JAN_10, FEB_10, "2026-03-10"]
            assert after["dataset_version"] != before.json()["dataset_version"]
            curves_after = client.get("/v1/curves", params=WORKLOAD)
            assert curves_after.json()["dataset_version"] != curves_before.json()["dataset_version"]
            assert curves_after.headers["etag"] != curves_before.headers["etag"]
    finally:
        service.store.close()
