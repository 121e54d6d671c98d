"""Every operation and parameter of the committed OpenAPI document says what it is: a
description on each, the default stated in the words where the schema has one, and the allowed
values of the enum-valued options (what /docs shows people and generated clients put in their
docstrings)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DOCUMENT = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
METHODS = ("get", "put", "post", "delete", "patch")


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    doc = json.loads(DOCUMENT.read_text())
    return [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def _schema_values(schema: dict[str, Any]) -> tuple[Any, list[Any]]:
    enum = [v for v in schema.get("enum", []) if v is not None]
    for member in schema.get("oneOf", []) + schema.get("anyOf", []):
        enum = enum or [v for v in member.get("enum", []) if v is not None]
    return schema.get("default"), enum


def test_every_operation_has_a_summary_and_a_description() -> None:
    missing = [
        f"{m} {p}" for m, p, op in _operations() if not (op.get("description") or "").strip()
    ]
    assert missing == []
    assert [f"{m} {p}" for m, p, op in _operations() if not op.get("summary")] == []


def test_every_parameter_has_a_description() -> None:
    missing = [
        f"{op['operationId']}: {param['name']}"
        for _, _, op in _operations()
        for param in op.get("parameters", [])
        if not (param.get("description") or "").strip()
    ]
    assert missing == []


def test_defaults_and_allowed_values_are_in_the_words() -> None:
    wrong = []
    for _, _, op in _operations():
        for param in op.get("parameters", []):
            text = param["description"].lower()
            default, enum = _schema_values(param.get("schema", {}))
            if default is not None and "default" not in text:
                wrong.append(f"{op['operationId']}: {param['name']} (default {default})")
            for value in enum:
                if str(value).lower() not in text:
                    wrong.append(f"{op['operationId']}: {param['name']} ({value})")
    assert wrong == []


def test_the_quote_options_show_their_allowed_values() -> None:
    quote = next(op for m, p, op in _operations() if m == "GET" and p == "/v1/quotes")
    params = {p["name"]: p for p in quote["parameters"]}
    expected = {
        "token_basis": ["total", "output", "input"],
        "interpolation": ["linear", "monotone", "measured"],
        "pooling": ["recipe", "series"],
    }
    for name, values in expected.items():
        assert params[name]["schema"]["enum"] == values, name
        assert f"Allowed: {', '.join(values)}." in params[name]["description"], name
        assert "Default: " in params[name]["description"], name
