"""Procurement over HTTP: the owned-TCO builder, API prices, quotes with demand and api_price,
and the worked example of the README, identical from the CLI and the API."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from tco.cli import main as cli_main
from tco.domain.quote_full import expanded
from tco.shipped_pricing import load_api_prices

HGX_H100 = {
    "capex_usd_per_server": 310_000,
    "gpus_per_server": 8,
    "lifetime_years": 4,
    "all_in_kw_per_gpu": 1.37,
    "pue": 1.58,
    "usd_per_kwh": 0.0806,
    "colocation_usd_per_kw_month": 184.06,
}


def gpu_hour(client: TestClient[Any], body: dict[str, object]) -> dict[str, Any]:
    response = client.post("/v1/tco/gpu-hour", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_gpu_hour_shipped_example_by_hand(client: TestClient[Any]) -> None:
    """$310,000 / 8 = $38,750 per GPU, 4 years, r = 0: 38,750 / 4 / 8760 = 1.1058790 $/h;
    power 1.37 x 1.58 x 0.0806 = 0.1744668; colocation 184.06 x 1.37 x 12 / 8760 = 0.3454277;
    total 1.6257734 $/GPU-h."""
    answer = gpu_hour(client, HGX_H100)
    b = answer["breakdown"]
    assert b["capex_usd_per_gpu"] == 38_750
    assert b["capital_recovery_factor"] == 0.25
    assert b["capital_usd_per_gpu_hour"] == pytest.approx(1.1058790, abs=1e-7)
    assert b["power_usd_per_gpu_hour"] == pytest.approx(0.1744668, abs=1e-7)
    assert b["colocation_usd_per_gpu_hour"] == pytest.approx(0.3454277, abs=1e-7)
    assert b["opex_usd_per_gpu_hour"] == 0
    assert b["total_usd_per_gpu_hour"] == pytest.approx(1.6257734, abs=1e-7)
    assert answer["inputs"]["capex_usd_per_server"] == 310_000
    # JSON Schema integers include 8.0: accepted as 8 GPUs per server.
    assert gpu_hour(client, {**HGX_H100, "gpus_per_server": 8.0})["breakdown"] == b


def test_gpu_hour_crf_with_cost_of_capital_by_hand(client: TestClient[Any]) -> None:
    """$17,520 per GPU over 2 years, no power: at r = 0 the CRF is 1/2: 8,760 $/yr = $1.00/h.
    At r = 10 %: CRF = 0.1 x 1.1^2 / (1.1^2 - 1) = 0.121 / 0.21 = 0.5761905; 17,520 x 0.5761905
    = 10,094.857 $/yr = $1.1523810/h. With a 25 % residual at 10 %: (17,520 - 4,380 / 1.21)
    x 0.5761905 = (17,520 - 3,619.835) x 0.5761905 = 8,009.143 $/yr = $0.9142857/h."""
    base = {
        "capex_usd_per_gpu": 17_520,
        "lifetime_years": 2,
        "all_in_kw_per_gpu": 0,
        "usd_per_kwh": 0,
    }
    assert gpu_hour(client, base)["breakdown"]["total_usd_per_gpu_hour"] == pytest.approx(1.0)
    at_10 = gpu_hour(client, {**base, "cost_of_capital": 0.1})["breakdown"]
    assert at_10["capital_recovery_factor"] == pytest.approx(0.121 / 0.21, rel=1e-12)
    assert at_10["capital_usd_per_gpu_hour"] == pytest.approx(1.1523810, abs=1e-7)
    residual = gpu_hour(client, {**base, "cost_of_capital": 0.1, "residual_fraction": 0.25})
    assert residual["breakdown"]["capital_usd_per_gpu_hour"] == pytest.approx(0.9142857, abs=1e-7)


def test_gpu_hour_pue_scales_power_not_colocation(client: TestClient[Any]) -> None:
    """1 kW, $0.10/kWh: power 1 x 1.0 x 0.10 = $0.10/h at PUE 1, $0.15/h at PUE 1.5.
    Colocation $146/kW-month x 1 kW x 12 / 8760 = $0.20/h at either PUE (priced per IT kW).
    Other opex $876/yr = $0.10/h."""
    base = {
        "capex_usd_per_gpu": 8_760, "lifetime_years": 1, "all_in_kw_per_gpu": 1.0, "usd_per_kwh": 0.10,
        "colocation_usd_per_kw_month": 146.0, "other_opex_usd_per_gpu_year": 876.0,
    }  # fmt: skip
    for pue, power in ((1.0, 0.10), (1.5, 0.15)):
        b = gpu_hour(client, {**base, "pue": pue})["breakdown"]
        assert b["power_usd_per_gpu_hour"] == pytest.approx(power)
        assert b["colocation_usd_per_gpu_hour"] == pytest.approx(0.20)
        assert b["opex_usd_per_gpu_hour"] == pytest.approx(0.10)
        assert b["total_usd_per_gpu_hour"] == pytest.approx(1.0 + power + 0.30)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capex_usd_per_gpu": 40_000}, "capex_usd_per_server"),  # both given
        ({"gpus_per_server": None}, "gpus_per_server"),
        ({"capex_usd_per_server": None, "gpus_per_server": None}, "capex_usd_per_gpu"),
    ],
)
def test_gpu_hour_capex_rules_are_422_naming_the_field(
    client: TestClient[Any], changes: dict[str, object], field: str
) -> None:
    """Capex per GPU, or per server with GPUs per server: a body that matches the schema but
    breaks this rule is unprocessable (422), never a 400 the schema would not predict."""
    body = {k: v for k, v in {**HGX_H100, **changes}.items() if v is not None}
    response = client.post("/v1/tco/gpu-hour", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field
    assert response.json()["detail"].startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lifetime_years": 0}, "lifetime_years"),
        ({"lifetime_years": 0.1}, "lifetime_years"),
        ({"residual_fraction": 1}, "residual_fraction"),
        ({"pue": 0.9}, "pue"),
        ({"usd_per_kwh": -0.01}, "usd_per_kwh"),
        ({"cost_of_capital": 2}, "cost_of_capital"),
        ({"capex_usd_per_server": 1e12}, "capex_usd_per_server"),
        ({"pue_ratio": 1.2}, "pue_ratio"),  # a misspelt input is refused, not defaulted to PUE 1
        ({"all_in_kw_per_gpu": "1.37"}, "all_in_kw_per_gpu"),  # strict: a string is no number
    ],
)
def test_gpu_hour_bad_inputs_are_400_naming_the_field(
    client: TestClient[Any], changes: dict[str, object], field: str
) -> None:
    body = {k: v for k, v in {**HGX_H100, **changes}.items() if v is not None}
    response = client.post("/v1/tco/gpu-hour", json=body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["field"] == field
    assert problem["detail"].startswith(f"{field}: ")


def test_api_prices_list_filter_rank_and_csv(client: TestClient[Any]) -> None:
    everything = client.get("/v1/api-prices")
    assert everything.status_code == 200
    assert [e["id"] for e in everything.json()] == [p.id for p in load_api_prices()]
    ranked = client.get("/v1/api-prices", params={"model": "dsr1", "isl": 8192, "osl": 1024})
    entries = ranked.json()
    assert {e["model"] for e in entries} == {"dsr1"} and len(entries) == 10
    # DeepInfra $0.50 in / $2.15 out: (8192 x 0.50 + 1024 x 2.15) / 1e6 x 1000 = $6.2976.
    assert (entries[0]["id"], entries[0]["usd_per_1k_requests"]) == ("dsr1/deepinfra", 6.2976)
    costs = [e["usd_per_1k_requests"] for e in entries]
    assert costs == sorted(costs)
    assert all(e["source"] for e in entries)
    csv = client.get(
        "/v1/api-prices",
        params={"model": "dsr1", "isl": 8192, "osl": 1024},
        headers={"Accept": "text/csv"},
    )
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0].startswith("id,model,model_name,provider,input_usd_per_m,output_usd_per_m")
    assert lines[1].startswith("dsr1/deepinfra,dsr1,") and lines[1].endswith(",6.2976")
    again = client.get("/v1/api-prices", headers={"If-None-Match": everything.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"model": "deepseek-r1"}, 422, "model"),
        ({"isl": 8192}, 422, "osl"),
        ({"osl": 0}, 400, "osl"),
    ],
)
def test_api_prices_bad_queries(
    client: TestClient[Any], params: dict[str, object], status: int, field: str
) -> None:
    response = client.get("/v1/api-prices", params=params)
    assert response.status_code == status, response.text
    assert field in response.json()["detail"]


QUOTE = {"model": "dsr1", "isl": 8192, "osl": 1024, "targets": [50]}


@pytest.mark.parametrize(
    ("extra", "status", "field"),
    [
        ({"demand": {"value": 1e9}}, 400, "demand"),
        ({"demand": {"kind": "gpus", "value": 8}}, 400, "demand.kind"),
        ({"demand": {"kind": "output_tokens_per_day", "value": 0}}, 400, "demand.value"),
        ({"demand": {"kind": "concurrent_users", "value": 1.5}}, 400, "demand.value"),
        ({"api_price": {"input_usd_per_m": 1}}, 400, "api_price"),
        ({"api_price": {"input_usd_per_m": 1, "output_usd_per_m": 0}}, 400, "api_price.output_usd_per_m"),
        ({"api_price": "dsr1/nobody"}, 422, "api_price"),
        ({"api_price": "gpt-oss-120b/groq"}, 422, "api_price"),
    ],
)  # fmt: skip
def test_quote_bad_demand_or_api_price(
    client: TestClient[Any], extra: dict[str, object], status: int, field: str
) -> None:
    response = client.post("/v1/quotes", json={**QUOTE, **extra})
    assert response.status_code == status, response.text
    assert response.json()["field"] == field


def test_owned_table_quote_over_http(client: TestClient[Any]) -> None:
    response = client.post(
        "/v1/quotes", json={**QUOTE, "targets": [20], "pricing": "owned-example-hgx-h100"}
    )
    assert response.status_code == 200, response.text
    best = expanded(response.json())["targets"][0]["cheapest"]
    assert best["hardware"] == "h100"
    assert best["offer"]["owned_tco"]["total_usd_per_gpu_hour"] == pytest.approx(
        1.6257734, abs=1e-7
    )


# The README / the README worked example: serve 2 billion output tokens per day of
# DeepSeek-R1 8k/1k at 50 tok/s/user; build vs buy against the cheapest shipped DeepSeek-R1 API
# price at 8k/1k (dsr1/deepinfra, ranked first by GET /v1/api-prices above).
WORKED_CLI = [
    "quote", "--model", "dsr1", "--isl", "8192", "--osl", "1024", "--target", "50",
    "--demand-output-tokens-per-day", "2e9", "--api-price", "dsr1/deepinfra", "--top", "3",
    "--format", "json",
]  # fmt: skip
WORKED_BODY = {
    **QUOTE,
    "top": 3,
    "demand": {"kind": "output_tokens_per_day", "value": 2e9},
    "api_price": "dsr1/deepinfra",
}


def test_worked_example_cli_and_api_identical(
    client: TestClient[Any], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """The numbers printed in the README. Top three at 50 tok/s/user (SemiAnalysis
    2026-09 owning tier), each needing ONE replica for 23,148 output tok/s:
    GB300 42 GPUs (11 trays, 1 NVL72 rack) x 730 h x $2.31 = $70,824.60/month;
    B200 36 GPUs (5 nodes) x 730 x $1.73 = $45,464.40; GB200 96 GPUs (24 trays, 2 racks) x 730
    x $1.86 = $130,348.80. API: 2e9 / 1024 requests/day x 730/24 days x $0.0062976 = $374,125
    per month; break-even utilization = self-hosted $/1k requests at 100 % / $6.2976."""
    assert cli_main(WORKED_CLI) == 0
    cli_bytes = capsysbinary.readouterr().out
    response = client.post("/v1/quotes", json=WORKED_BODY)
    assert response.status_code == 200, response.text
    assert cli_bytes == response.content + b"\n"

    answer = expanded(msgspec.json.decode(response.content))
    target = answer["targets"][0]
    got = [
        (o["hardware"], o["capacity"]["gpus"], o["capacity"]["nodes"], o["capacity"]["racks"],
         round(o["capacity"]["usd_per_month"], 2), round(o["api_comparison"]["break_even_utilization"], 4))
        for o in target["options"][:2]
    ]  # fmt: skip
    assert got == [
        ("gb300", 42, 11, 1, 70_824.60, 0.0645),
        ("b200", 36, 5, None, 45_464.40, 0.0740),
    ]
    # #3 is a GB200 row that repeats the deployment's 96 GPUs in both pools (InferenceX API,
    # 2025-12-05): accepted with a warning, but never used for capacity or per-pool rates
    third = target["options"][2]
    assert third["hardware"] == "gb200" and third["capacity"] is None
    assert third["capacity_unavailable"].startswith("inconsistent source row")
    assert any("disagg_gpus" in c for c in third["caveats"])
    assert third["api_comparison"]["break_even_utilization"] is None
    assert target["options"][0]["capacity"]["gpus_needed"] == pytest.approx(14.3154, abs=1e-4)
    for o in target["options"]:
        assert o["api_comparison"]["api_usd_per_month"] == pytest.approx(374_125)
    low = target["cheapest_for_demand"]
    assert (low["hardware"], low["capacity"]["gpus"]) == ("b200", 36)
