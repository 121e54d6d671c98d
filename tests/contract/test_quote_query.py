"""The query of the quote-shaped reads (tco.api.quote_query) states the rules of the POST body:
every GET parameter that fills a QuoteRequest field has that field's bounds in the committed
document, on each route that takes it, so a bound changed in the domain changes the GET routes
too (no second copy to forget)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DOCUMENT = json.loads(
    (Path(__file__).resolve().parents[2] / "openapi" / "openapi.json").read_text()
)
BODY = DOCUMENT["components"]["schemas"]["QuoteRequest"]["properties"]
BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength")
# parameters that carry a QuoteRequest field as it is (lists and targets are comma-separated
# text on a GET, so their rules are the text's)
FIELDS = ("model", "isl", "osl", "pricing", "pricing_version", "utilization", "max_ttft_s",
          "top", "api_price", "max_price_age_days", "min_commitment_months",
          "max_commitment_months")  # fmt: skip


def _bounds(schema: dict[str, Any]) -> dict[str, Any]:
    """The bounds of a schema, or of its one non-null member (``X | None``)."""
    members = schema.get("anyOf") or [schema]
    found = [{k: m[k] for k in BOUNDS if k in m} for m in members if m.get("type") != "null"]
    merged = {k: v for part in found for k, v in part.items()}
    return merged | {k: schema[k] for k in BOUNDS if k in schema}


def _parameters(path: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p["schema"] for p in DOCUMENT["paths"][path]["get"]["parameters"]}


@pytest.mark.parametrize("path", ["/v1/quotes", "/v1/curves", "/v1/history"])
def test_get_parameters_have_the_body_fields_bounds(path: str) -> None:
    parameters = _parameters(path)
    checked = [name for name in FIELDS if name in parameters]
    assert {"model", "isl", "osl", "pricing", "utilization"} <= set(checked)
    for name in checked:
        assert _bounds(parameters[name]) == _bounds(BODY[name]), name
        assert _bounds(parameters[name]), f"{name}: no bound stated"


def test_every_route_documents_the_same_words_for_a_shared_parameter() -> None:
    quotes, curves = _parameters("/v1/quotes"), _parameters("/v1/curves")
    for name in curves.keys() & quotes.keys():
        assert curves[name] == quotes[name], name
