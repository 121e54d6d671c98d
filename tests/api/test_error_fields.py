"""Every 400 names the field at fault, including the cases litestar words without a key."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

BODY = {"model": "dsr1", "isl": 8192, "osl": 1024, "targets": [50]}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/v1/quotes",
            {**BODY, "utilisation": 0.5},
            "utilisation",
        ),  # a misspelt option is refused, not ignored
        (
            "/v1/quotes",
            {**BODY, "demand": {"kind": "concurrent_users", "value": 5, "x": 1}},
            "demand.x",
        ),
        ("/v1/quotes", [1], "body"),
        (
            "/v1/compare",
            {
                "model": "kimi-k2.5",
                "isl": 8192,
                "osl": 1024,
                "baseline": {"date": "2026-03-01", "tpp": 8},
                "candidate": {"date": "2026-03-26"},
            },
            "baseline.tpp",
        ),
    ],
)
def test_body_errors_name_the_field(
    client: TestClient[Any], path: str, body: object, field: str
) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field


def test_missing_query_parameter_is_named(client: TestClient[Any]) -> None:
    response = client.get("/v1/quotes", params={"model": "dsr1", "osl": 1024, "targets": "50"})
    assert response.status_code == 400
    assert response.json()["field"] == "isl"
    assert response.json()["detail"] == "isl: required parameter is missing"
