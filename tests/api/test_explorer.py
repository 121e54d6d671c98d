"""The explorer at ``/``: one page and an allowlist of modules, no inline code, strict CSP."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from tco.api.explorer import EXPLORER_FILES


def test_explorer_page_has_no_inline_code_and_a_strict_csp(client: TestClient[Any]) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    assert "unsafe" not in csp
    assert "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert "<style" not in page.text and " style=" not in page.text
    assert re.findall(r"<script(?![^>]*\bsrc=)", page.text) == []
    assert client.head("/").status_code == 200


def test_every_module_is_served_and_imports_only_served_files(client: TestClient[Any]) -> None:
    assert {"main.js", "chart.js", "explorer.css"} <= set(EXPLORER_FILES)
    for name in EXPLORER_FILES:
        response = client.get(f"/explorer/{name}")
        assert response.status_code == 200, name
        assert response.headers["x-content-type-options"] == "nosniff"
        if name.endswith(".js"):
            assert response.headers["content-type"] == "text/javascript; charset=utf-8"
            for imported in re.findall(r'from "([^"]+)"', response.text):
                target = f"/explorer/{imported[2:]}" if imported.startswith("./") else imported
                assert client.get(target).status_code == 200, (name, imported)
    assert client.get("/explorer/nope.js").status_code == 404
    assert client.get("/explorer/index.html").status_code == 404  # only at /


def test_js_modules_stay_small() -> None:
    for name, path in EXPLORER_FILES.items():
        assert len(path.read_text().splitlines()) <= 500, name
