"""Caveats of the data, in the answers: placeholder prices carry their status next to the price,
stand-in dates are marked in the point and in every answer using it, and the inconsistent GB200
rows never feed capacity (tests/api/test_procurement.py checks the worked example)."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tco.domain.quote_full import expanded
from tco.ingest.shipped import load_shipped_point_list


def quote(client: TestClient[Any], **params: Any) -> Any:
    response = client.get("/v1/quotes", params=params)
    assert response.status_code == 200, response.text
    return expanded(response.json())


def test_placeholder_prices_say_so_next_to_the_price(client: TestClient[Any]) -> None:
    answer = quote(
        client, model="dsr1", isl=8192, osl=1024, targets="20", hardware="b300,gb300",
        pricing="semianalysis-2025-08-hyperscaler",
    )  # fmt: skip
    options = answer["targets"][0]["options"]
    assert options and {o["hardware"] for o in options} <= {"b300", "gb300"}
    for o in options:
        assert o["offer"]["status"] == "placeholder"
        assert any(
            c.startswith("placeholder: price is an upstream placeholder") for c in o["caveats"]
        )
        assert any("1.2x" in c for c in o["caveats"])
    # the default (2026-09) table publishes them: no caveat
    default = quote(client, model="dsr1", isl=8192, osl=1024, targets="20", hardware="b300")
    for o in default["targets"][0]["options"]:
        assert o["offer"]["status"] == "published" and o["caveats"] == []


def test_csv_answers_carry_status_and_caveats(client: TestClient[Any]) -> None:
    response = client.get(
        "/v1/quotes",
        params={"model": "dsr1", "isl": 8192, "osl": 1024, "targets": "20", "hardware": "b300",
                "pricing": "semianalysis-2025-08-neocloud", "format": "csv"},
    )  # fmt: skip
    header, first = response.text.splitlines()[:2]
    assert "offer_status" in header and "caveats" in header
    assert "placeholder" in first


def test_stand_in_dates_are_marked_in_points_and_answers(client: TestClient[Any]) -> None:
    runner = [p for p in load_shipped_point_list() if "pull/1633" in p.source]
    assert len(runner) == 3 and all(p.date_stand_in for p in runner)
    answer = quote(
        client, model="kimi-k2.5", isl=8192, osl=1024, targets="3.5", hardware="mi355x", top=50,
    )  # fmt: skip
    marked = [
        o for o in answer["targets"][0]["options"]
        if any(k["date_stand_in"] for k in o["operating_point"]["knots"])
    ]  # fmt: skip
    assert marked
    for o in marked:
        assert any(c.startswith("stand-in date: 2026-05-20") for c in o["caveats"])


def test_an_editor_sets_an_offer_status_and_it_round_trips(
    client: TestClient[Any], editor_key: str
) -> None:
    offer = {"hardware": "h200", "provider": "Acme", "kind": "on_demand", "usd_per_gpu_hour": 3.1,
             "source": "sales quote Q-1", "source_date": "2026-11-01", "status": "approximate"}  # fmt: skip
    created = client.post(
        "/v1/pricing/tables",
        json={"name": "acme", "offers": [offer]},
        headers={"X-API-Key": editor_key},
    )
    assert created.status_code == 201, created.text
    table = client.get("/v1/pricing/tables/acme").json()
    assert table["offers"][0]["status"] == "approximate"
    csv_text = client.get("/v1/pricing/tables/acme", headers={"Accept": "text/csv"}).text
    assert "status" in csv_text.splitlines()[0] and "approximate" in csv_text
    replaced = client.put(
        "/v1/pricing/tables/acme",
        content=csv_text.encode(),
        headers={"X-API-Key": editor_key, "If-Match": '"acme-v1"', "Content-Type": "text/csv"},
    )
    assert replaced.status_code == 200, replaced.text
    assert client.get("/v1/pricing/tables/acme").json()["offers"][0]["status"] == "approximate"
    answer = quote(client, model="dsr1", isl=8192, osl=1024, targets="20", hardware="h200",
                   pricing="acme")  # fmt: skip
    option = answer["targets"][0]["options"][0]
    assert option["offer"]["status"] == "approximate"
    assert option["caveats"][0].startswith("approximate:")
