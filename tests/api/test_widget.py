"""The widget's routes: the script (cacheable, small), the framable embed page, the demo page,
and the framing policy on every other response."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import TestClient

WIDGET_JS = Path(__file__).resolve().parents[2] / "tco" / "widget" / "widget.js"
WIDGET_MAX_BYTES = 30 * 1024


def test_widget_script_is_small_and_has_no_imports() -> None:
    source = WIDGET_JS.read_text()
    assert len(source.encode()) < WIDGET_MAX_BYTES
    # No dependencies, fonts or remote resources: the only URL it builds is tco's API.
    assert "import " not in source.replace("import.meta", "")
    assert "@import" not in source and "url(" not in source
    assert "innerHTML" not in source  # so it also runs under Trusted Types


def test_widget_script_is_cacheable_and_loadable_cross_origin(client: TestClient[Any]) -> None:
    response = client.get("/widget.js", headers={"Origin": "https://wiki.example"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.content == WIDGET_JS.read_bytes()
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert response.headers["cache-control"].startswith("public, max-age=")
    etag = response.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')

    again = client.get("/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert client.get("/widget.js", headers={"If-None-Match": '"stale"'}).status_code == 200


def test_embed_may_be_framed_by_any_origin(client: TestClient[Any]) -> None:
    response = client.get(
        "/embed", params={"model": "dsr1", "isl": "8192", "osl": "1024", "target": "50"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors *" in csp
    assert "x-frame-options" not in response.headers
    # Strict otherwise: no inline code except the page's own blocks, by hash.
    assert "'unsafe-inline'" not in csp
    assert "default-src 'none'" in csp
    assert csp.count("'sha256-") == 2
    assert (
        '<tco-cost-widget model="dsr1" isl="8192" osl="1024" target="50"></tco-cost-widget>'
        in response.text
    )


def test_embed_escapes_its_attributes(client: TestClient[Any]) -> None:
    response = client.get("/embed", params={"model": 'dsr1"><script>alert(1)</script>'})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text
    assert 'model="dsr1&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in response.text


def test_embed_passes_a_demand_to_the_element(client: TestClient[Any]) -> None:
    params = {"model": "dsr1", "demand_kind": "concurrent_users", "demand_value": "500"}
    response = client.get("/embed", params=params)
    assert response.status_code == 200
    assert (
        '<tco-cost-widget model="dsr1" demand-kind="concurrent_users" demand-value="500">'
        in response.text
    )


def test_embed_needs_a_model(client: TestClient[Any]) -> None:
    response = client.get("/embed")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "model"
    assert response.json()["detail"] == "model: required parameter is missing"


def test_demo_page_is_served_and_not_framable(client: TestClient[Any]) -> None:
    response = client.get("/widget")
    assert response.status_code == 200
    assert "<tco-cost-widget" in response.text
    assert '<script type="module" src="widget.js"></script>' in response.text
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "frame-src 'self'" in csp  # it shows the iframe variant of itself
    assert response.headers["x-frame-options"] == "DENY"


def test_every_other_response_refuses_framing(client: TestClient[Any]) -> None:
    for path in ("/healthz", "/v1/catalog", "/widget.js", "/no-such-page"):
        response = client.get(path)
        assert response.headers["x-frame-options"] == "DENY", path
        csp = response.headers["content-security-policy"]
        # /docs has its own page policy (tests/api/test_security_headers.py); the rest load nothing.
        assert csp.endswith("frame-ancestors 'none'"), path
        if path != "/docs":
            assert csp == "default-src 'none'; frame-ancestors 'none'", path
    error = client.get("/v1/quotes", params={"model": "x", "isl": 1, "osl": 1, "targets": "50"})
    assert error.status_code == 422
    assert error.headers["x-frame-options"] == "DENY"
