"""``/docs``: Swagger UI from the installed package, under a CSP with no inline code."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient


def test_docs_page_loads_only_same_origin_files(client: TestClient[Any]) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "style-src 'self';" in csp
    assert "unsafe" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert "<style" not in page.text
    assert re.findall(r"<script>", page.text) == []  # every script has a src
    for url in re.findall(r'(?:src|href)="(/docs/assets/[^"]+)"', page.text):
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert asset.headers["etag"]
        again = client.get(url, headers={"If-None-Match": asset.headers["etag"]})
        assert again.status_code == 304, url


def test_docs_assets_are_swagger_ui_and_ours(client: TestClient[Any]) -> None:
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.headers["content-type"] == "text/javascript; charset=utf-8"
    assert b"SwaggerUIBundle" in bundle.content
    init = client.get("/docs/assets/docs.js")
    assert b"/schema/openapi.json" in init.content
    assert client.get("/docs/assets/swagger-ui.css").headers["content-type"].startswith("text/css")


def test_unknown_docs_asset_is_a_404_problem(client: TestClient[Any]) -> None:
    for name in ("nope.js", "..%2F..%2Fpyproject.toml", "swagger-ui-bundle.js.map"):
        response = client.get(f"/docs/assets/{name}")
        assert response.status_code == 404, name
        assert response.headers["content-type"] == "application/problem+json"


def test_the_document_says_try_it_out_calls_this_server(client: TestClient[Any]) -> None:
    doc = client.get("/schema/openapi.json").json()
    assert doc["servers"] == [{"url": "/"}]
