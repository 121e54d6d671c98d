"""The committed contract (openapi/openapi.json) is exactly what the app serves.

Generated clients and the schemathesis run are built from the committed file, so any change to
a handler, a struct or a constraint must land together with the regenerated document.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from tco.api.app import openapi_json

COMMITTED = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


def test_committed_openapi_matches_the_app() -> None:
    generated = openapi_json().decode()
    committed = COMMITTED.read_text(encoding="utf-8")
    if generated != committed:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    generated.splitlines(keepends=True),
                    "openapi/openapi.json (committed)",
                    "tco.api.app.openapi_json() (the app)",
                    n=2,
                )
            )[:80]
        )
        raise AssertionError(
            f"openapi/openapi.json is out of date: run `make openapi` and commit it.\n{diff}"
        )


def test_every_operation_is_named_summarised_and_declares_problems() -> None:
    doc = json.loads(COMMITTED.read_text(encoding="utf-8"))
    operation_ids = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            operation_ids.append(op.get("operationId"))
            assert op.get("operationId"), f"{where}: no operationId"
            assert op.get("summary"), f"{where}: no summary"
            errors = {s for s in op["responses"] if s[0] in "45"}
            expected = {"400", "500"}
            if "requestBody" in op:
                expected.add("413")  # the body size limit
            if op.get("security"):
                expected |= {"401", "403"}
            assert expected <= errors, f"{where}: {sorted(expected - errors)} not declared"
            for status in sorted(errors):
                content = op["responses"][status].get("content", {})
                assert content.get("application/problem+json", {}).get("schema") == {
                    "$ref": "#/components/schemas/Problem"
                }, f"{where}: {status} is not declared as problem+json"
            success = min(s for s in op["responses"] if s.startswith("2"))
            html = "text/html" in op["responses"][success].get("content", {})  # a page: no struct
            if success != "204" and not html:  # generated clients parse the body into the struct
                body = op["responses"][success].get("content", {}).get("application/json", {})
                schema = body.get("schema", {})
                ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
                if "oneOf" in schema:  # one struct per view, told apart by a required tag
                    refs = [m.get("$ref", "") for m in schema["oneOf"]]
                    names = [r.rsplit("/", 1)[-1] for r in refs]
                    tags = [
                        doc["components"]["schemas"][n]["properties"]["view"]["enum"] for n in names
                    ]
                    assert all(refs) and len({t[0] for t in tags}) == len(tags) == len(names), where
                    ref = refs[0]
                assert ref, f"{where}: the {success} response has no struct schema"
    assert len(operation_ids) == len(set(operation_ids)), "operationIds must be unique"
