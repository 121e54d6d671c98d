"""Every rule between fields that the server checks, the committed document states: for each
case, the document's verdict (jsonschema on openapi/openapi.json) is the server's own check's.

Found by schemathesis against a real server: capex per GPU and per server together, isl without
osl, a demand value outside its kind's range and owned inputs on a rented offer were all
schema-valid and refused (tests/contract/test_schemathesis_live.py runs that command).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import msgspec
import pytest

from tco.api.errors import ProblemException
from tco.api.pricing_body import OfferInput, _Invalid, _price
from tco.api.quote_query import demand_from_query
from tco.domain.owned import OwnedTcoInputs, owned_usd_per_gpu_hour

DOCUMENT = json.loads(
    (Path(__file__).resolve().parents[2] / "openapi" / "openapi.json").read_text()
)


def _valid(schema: dict[str, Any], value: object) -> bool:
    root = {"components": DOCUMENT["components"], **schema}
    return bool(jsonschema_rs.Draft202012Validator(root).is_valid(value))


def _component(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _group(path: str, name: str) -> dict[str, Any]:
    (parameter,) = [p for p in DOCUMENT["paths"][path]["get"]["parameters"] if p["name"] == name]
    assert (parameter["in"], parameter["style"], parameter["explode"]) == ("query", "form", True)
    return dict(parameter["schema"])


BASE = {"lifetime_years": 4, "all_in_kw_per_gpu": 1.4, "usd_per_kwh": 0.08}


@pytest.mark.parametrize(
    "capex",
    [
        {"capex_usd_per_gpu": 30_000},
        {"capex_usd_per_server": 310_000, "gpus_per_server": 8},
        {"capex_usd_per_gpu": 30_000, "gpus_per_server": 8},
        {"capex_usd_per_gpu": None, "capex_usd_per_server": 310_000, "gpus_per_server": 8},
        {"capex_usd_per_gpu": 30_000, "capex_usd_per_server": 310_000, "gpus_per_server": 8},
        {"capex_usd_per_server": 310_000},
        {"capex_usd_per_server": 310_000, "gpus_per_server": None},
        {},
        {"capex_usd_per_gpu": None},
    ],
)
def test_owned_inputs_capex_rule(capex: dict[str, Any]) -> None:
    body = {**BASE, **capex}
    inputs = msgspec.convert(body, OwnedTcoInputs)
    try:
        owned_usd_per_gpu_hour(inputs)
        accepted = True
    except ValueError:
        accepted = False
    assert _valid(_component("OwnedTcoInputs"), body) == accepted


OWNED = {**BASE, "capex_usd_per_gpu": 30_000}


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "on_demand", "usd_per_gpu_hour": 2.0},
        {"kind": "owned", "usd_per_gpu_hour": 2.0},
        {"kind": "owned", "owned_inputs": OWNED},
        {"kind": "owned", "owned_inputs": OWNED, "usd_per_gpu_hour": None},
        {"kind": "on_demand", "owned_inputs": OWNED},
        {"kind": "spot", "usd_per_gpu_hour": 2.0, "owned_inputs": OWNED},
        {"kind": "on_demand"},
        {"kind": "owned"},
        {"kind": "owned", "owned_inputs": None, "usd_per_gpu_hour": 1.0},
    ],
)
def test_offer_price_or_owned_inputs_rule(fields: dict[str, Any]) -> None:
    body = {"hardware": "h100", "provider": "p", "source": "s", **fields}
    try:
        _price(msgspec.convert(body, OfferInput))
        accepted = True
    except _Invalid:
        accepted = False
    assert _valid(_component("OfferInput"), body) == accepted


def _demand_cases() -> list[tuple[str, float]]:
    cases = []
    for kind, low, high in [("output_tokens_per_s", 0.001, 1e10), ("output_tokens_per_day", 1, 1e15),
                            ("requests_per_s", 1e-6, 1e8), ("concurrent_users", 1, 1e10)]:  # fmt: skip
        cases += [(kind, low), (kind, high), (kind, low / 2), (kind, high * 2)]
    return [*cases, ("concurrent_users", 2.5), ("concurrent_users", 3.0)]


@pytest.mark.parametrize(("kind", "value"), _demand_cases())
def test_get_quote_demand_group(kind: str, value: float) -> None:
    try:
        demand_from_query(kind, value)
        accepted = True
    except ProblemException:
        accepted = False
    assert (
        _valid(_group("/v1/quotes", "demand"), {"demand_kind": kind, "demand_value": value})
        == accepted
    )


@pytest.mark.parametrize("present", [("demand_kind",), ("demand_value",)])
def test_get_quote_demand_is_both_or_neither(present: tuple[str, ...]) -> None:
    values = {"demand_kind": "requests_per_s", "demand_value": 3.0}
    assert not _valid(_group("/v1/quotes", "demand"), {k: values[k] for k in present})
    with pytest.raises(ProblemException):
        demand_from_query(values.get(present[0]) if present == ("demand_kind",) else None,
                      values["demand_value"] if present == ("demand_value",) else None)  # fmt: skip


@pytest.mark.parametrize(
    ("workload", "valid"),
    [({"isl": 8192, "osl": 1024}, True), ({"isl": 8192}, False), ({"osl": 1024}, False)],
)
def test_api_prices_isl_and_osl_go_together(workload: dict[str, int], valid: bool) -> None:
    assert _valid(_group("/v1/api-prices", "workload"), workload) == valid


def test_if_match_is_required_on_writes() -> None:
    for method in ("put", "delete"):
        parameters = DOCUMENT["paths"]["/v1/pricing/tables/{name}"][method]["parameters"]
        (if_match,) = [p for p in parameters if p["name"] == "If-Match"]
        assert if_match["required"] is True
