"""Requests no route should ever see: JSON with stray bytes after it, JSON nested too deeply to
decode, a body over its route's size limit (each a 4xx problem naming the body, on every route
that takes a JSON body, never a 500); a URL or headers over their limits, a refused CORS
preflight (problems too, not text/plain). tests/server/test_limits.py holds the real server to
the same."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tco.api.limits import MAX_HEADER_BYTES, MAX_HEADER_COUNT, MAX_URL_BYTES
from tco.json_depth import MAX_JSON_DEPTH, json_depth
from tests.api.problems import problem

Client = TestClient[Any]
# Every route that takes a JSON body, and the field its malformed-JSON problem names.
JSON_ROUTES = [
    ("POST", "/v1/quotes", "body"),
    ("POST", "/v1/compare", "body"),
    ("POST", "/v1/tco/gpu-hour", "body"),
    ("POST", "/v1/pricing/tables", "body"),
    ("PUT", "/v1/pricing/tables/semianalysis-2026-09-hyperscaler", "body"),
    ("POST", "/v1/runs", "payload"),  # the runs route calls its body the payload throughout
]
IDS = [f"{method} {path}" for method, path, _ in JSON_ROUTES]


def send(client: Client, key: str, method: str, path: str, body: bytes) -> Any:
    headers = {"X-API-Key": key, "Content-Type": "application/json", "If-Match": '"x-v1"'}
    return client.request(method, path, content=body, headers=headers)


@pytest.mark.parametrize("trailing", [b"{}x", b"[]]", b'{"name": "t", "offers": []} {}'])
@pytest.mark.parametrize(("method", "path", "field"), JSON_ROUTES, ids=IDS)
def test_stray_bytes_after_the_json_are_a_400_naming_the_body(
    client: Client, admin_key: str, method: str, path: str, field: str, trailing: bytes
) -> None:
    body = problem(send(client, admin_key, method, path, trailing), 400)
    assert body["field"] == field
    assert "malformed" in body["detail"] or "not a JSON object or array" in body["detail"]
    assert "trailing characters" in body["detail"]


DEEP_ARRAYS = b"[" * 1000 + b"]" * 1000
DEEP_OBJECTS = b'{"a":' * 1000 + b"1" + b"}" * 1000


@pytest.mark.parametrize("deep", [DEEP_ARRAYS, DEEP_OBJECTS], ids=["arrays", "objects"])
@pytest.mark.parametrize(("method", "path", "field"), JSON_ROUTES, ids=IDS)
def test_json_nested_1000_deep_is_a_400_not_a_recursion_error(
    client: Client, admin_key: str, method: str, path: str, field: str, deep: bytes
) -> None:
    assert len(deep) <= 8 * 1024  # small: the size limit is no defence
    body = problem(send(client, admin_key, method, path, deep), 400)
    assert body["field"] == "body"
    assert body["detail"] == f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels (arrays and objects)"  # fmt: skip


def test_a_body_as_deep_as_the_limit_reaches_the_route(client: Client) -> None:
    # 64 levels is allowed: the route decodes it and answers for what it is (not a quote)
    deepest = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    body = problem(client.post("/v1/quotes", content=deepest, headers={"Content-Type": "application/json"}), 400)  # fmt: skip
    assert "nested" not in body["detail"]


def test_a_run_upload_without_content_type_is_depth_checked_too(client: Client, editor_key: str) -> None:  # fmt: skip
    response = client.post("/v1/runs", content=DEEP_ARRAYS, headers={"X-API-Key": editor_key})
    assert problem(response, 400)["field"] == "body"


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"1", 0),
        (b"[]", 1),
        (b'{"a": [{"b": "[[[[{{{{"}]}', 3),  # brackets in strings do not nest
        (b'["\\"[[[", [[]]]', 3),  # nor after an escaped quote
        (b'["\\\\", [[]]]', 3),  # an escaped backslash does not escape the quote after it
        (b'["unterminated [[[[', 1),
        (b"]]]", 0),
    ],
)
def test_json_depth_reads_strings_and_escapes_as_a_decoder_does(text: bytes, depth: int) -> None:
    assert json_depth(text) == depth


@pytest.mark.parametrize(
    ("path", "limit"), [("/v1/quotes", 10 * 1024 * 1024), ("/v1/tco/gpu-hour", 10 * 1024 * 1024)]
)
def test_a_body_over_the_limit_is_a_413_naming_the_body_and_the_limit(
    client: Client, path: str, limit: int
) -> None:
    big = b"[" + b" " * limit + b"]"
    response = client.post(path, content=big, headers={"Content-Type": "application/json"})
    body = problem(response, 413)
    assert body["field"] == "body"
    assert body["detail"] == f"body: over the {limit}-byte limit of this operation"


# --------------------------------------------------------------- request head and CORS


def test_a_refused_cors_preflight_is_a_problem_naming_the_request_header(client: Client) -> None:
    preflight = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "DELETE"}
    body = problem(client.options("/v1/quotes", headers=preflight), 400)
    assert body["field"] == "Access-Control-Request-Method"
    assert body["detail"] == (
        "CORS preflight refused: Access-Control-Request-Method: 'DELETE' is not allowed "
        "(allowed: GET, HEAD, OPTIONS)"
    )
    allowed = client.options("/v1/quotes", headers={**preflight, "Access-Control-Request-Method": "GET"})  # fmt: skip
    assert allowed.status_code == 204


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({f"X-H{i}": "1" for i in range(MAX_HEADER_COUNT)}, "headers: more than 100 header fields"),
        ({"X-Big": "a" * MAX_HEADER_BYTES}, "headers: over the 65536-byte limit in all"),
        ({f"X-H{i}": "a" * 1000 for i in range(70)}, "headers: over the 65536-byte limit in all"),
    ],
    ids=["count", "one-large", "many-medium"],
)
def test_headers_over_the_limits_are_a_431_problem(
    client: Client, headers: dict[str, str], detail: str
) -> None:
    body = problem(client.get("/healthz", headers=headers), 431)
    assert (body["field"], body["detail"]) == ("headers", detail)


def test_headers_within_the_limits_are_served(client: Client) -> None:
    # the test client adds its own few (host, accept, user-agent...): 90 of ours stay under 100
    assert client.get("/healthz", headers={f"X-H{i}": "a" * 600 for i in range(90)}).status_code == 200  # fmt: skip


def test_a_url_over_the_limit_is_a_414_problem(client: Client) -> None:
    body = problem(client.get("/healthz", params={"x": "a" * MAX_URL_BYTES}), 414)
    assert (body["field"], body["detail"]) == ("URL", "URL: over the 16384-byte limit")
    assert client.get("/healthz", params={"x": "a" * 8000}).status_code == 200
