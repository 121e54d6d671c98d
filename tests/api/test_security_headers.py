"""Headers every response carries (nosniff, Referrer-Policy, a CSP), the CSP of each HTML page,
and the caching of answers given to a key: never `public` when reads need a key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tco.api.auth import AuthSettings
from tests.api.pricing_support import Api, make_api

QUOTE = {"model": "dsr1", "isl": 8192, "osl": 1024, "targets": "20,50"}
KEYED_READS = [
    ("/v1/quotes", QUOTE),
    ("/v1/curves", {"model": "dsr1", "isl": 8192, "osl": 1024}),
    ("/v1/history", {"model": "dsr1", "isl": 8192, "osl": 1024, "target": 50}),
]


def _assert_everyday_headers(response: Any, what: str) -> None:
    assert response.headers["x-content-type-options"] == "nosniff", what
    assert response.headers["referrer-policy"] == "no-referrer", what
    assert "content-security-policy" in response.headers, what


def test_every_response_says_nosniff_and_no_referrer(client: TestClient[Any]) -> None:
    responses = {
        "json": client.get("/v1/catalog"),
        "csv": client.get("/v1/quotes", params={**QUOTE, "format": "csv"}),
        "head": client.head("/healthz"),
        "options": client.options("/v1/quotes"),
        "problem 400": client.get("/v1/quotes", params={"model": "dsr1"}),
        "problem 404": client.get("/no-such-page"),
        "framework html 404": client.get("/schema/no-such-page"),
        "write 401": client.post("/v1/pricing/tables", json={}),
        "schema": client.get("/schema/openapi.json"),
        "docs": client.get("/docs"),
        "widget.js": client.get("/widget.js"),
        "demo": client.get("/widget"),
        "embed": client.get("/embed", params={"model": "dsr1"}),
    }
    for what, response in responses.items():
        _assert_everyday_headers(response, what)
    # Not a page: loads nothing, framed by no one.
    for what in ("json", "csv", "problem 404", "framework html 404", "schema", "widget.js"):
        csp = responses[what].headers["content-security-policy"]
        assert csp == "default-src 'none'; frame-ancestors 'none'", what


def _directives(csp: str) -> dict[str, set[str]]:
    return {d.split()[0]: set(d.split()[1:]) for d in csp.split("; ")}


def test_the_docs_page_has_a_strict_csp_with_no_inline_code(client: TestClient[Any]) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    policy = _directives(response.headers["content-security-policy"])
    assert "unsafe" not in response.headers["content-security-policy"]
    assert policy["default-src"] == {"'none'"}
    # Swagger UI and its start-up script are files of this origin: no inline block to allow.
    assert policy["script-src"] == {"'self'"}
    assert policy["style-src"] == {"'self'"}
    assert policy["connect-src"] == {"'self'"}  # it fetches /schema/openapi.json, "try it"
    assert policy["img-src"] == {"'self'", "data:"}  # Swagger UI's icons are data: URIs
    assert policy["frame-ancestors"] == {"'none'"}
    assert response.headers["x-frame-options"] == "DENY"
    head = client.head("/docs")
    assert head.headers["content-security-policy"] == response.headers["content-security-policy"]


@pytest.fixture
def keyed(tmp_path: Path) -> Iterator[Api]:
    with make_api(tmp_path, shipped_data=True, auth=AuthSettings(reads_require_key=True)) as api:
        yield api


@pytest.fixture
def open_reads(tmp_path: Path) -> Iterator[Api]:
    with make_api(tmp_path, shipped_data=True) as api:
        yield api


@pytest.mark.parametrize(("path", "params"), KEYED_READS)
def test_a_read_that_needs_a_key_is_private_and_varies_on_the_key(
    keyed: Api, path: str, params: dict[str, object]
) -> None:
    response = keyed.client.get(path, params=params, headers=keyed.headers(keyed.viewer))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, max-age=60, stale-while-revalidate=30"
    assert response.headers["vary"] == "Accept, Accept-Encoding, X-API-Key"
    again = keyed.client.get(
        path,
        params=params,
        headers=keyed.headers(keyed.viewer, **{"If-None-Match": response.headers["etag"]}),
    )
    assert again.status_code == 304
    assert again.headers["cache-control"].startswith("private, ")
    assert "X-API-Key" in again.headers["vary"]
    # The pricing table reads too, and the CSV form.
    table = keyed.client.get(
        "/v1/pricing/tables/cloud-public-2026",
        headers=keyed.headers(keyed.viewer, Accept="text/csv"),
    )
    assert table.status_code == 200
    assert table.headers["cache-control"] == "private, max-age=0, must-revalidate"
    assert table.headers["vary"] == "Accept, X-API-Key"


@pytest.mark.parametrize(("path", "params"), KEYED_READS)
def test_an_open_read_stays_cacheable_by_a_cdn(
    open_reads: Api, path: str, params: dict[str, object]
) -> None:
    # A key sent to an open read changes nothing: the answer is everyone's.
    for headers in ({}, open_reads.headers(open_reads.viewer)):
        response = open_reads.client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "public, max-age=60, stale-while-revalidate=30"
        assert response.headers["vary"] == "Accept, Accept-Encoding"


def test_a_keyed_write_answer_is_private(open_reads: Api) -> None:
    api = open_reads
    table = api.client.get("/v1/pricing/tables/cloud-public-2026").json()
    put = api.client.put(
        "/v1/pricing/tables/cloud-public-2026",
        json={"offers": table["offers"]},
        headers=api.headers(api.editor, **{"If-Match": '"cloud-public-2026-v1"'}),
    )
    assert put.status_code == 200, put.text
    assert put.headers["cache-control"] == "private, max-age=0, must-revalidate"
    assert put.headers["vary"] == "Accept, X-API-Key"
