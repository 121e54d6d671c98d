"""GET /v1/quotes/report over HTTP (in-process): same validation as GET /v1/quotes, a strict
CSP with no script, everything from the query escaped. Chromium checks the page itself
(tests/e2e/test_report_browser.py)."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.api.problems import problem

Client = TestClient[Any]
BASE = "/v1/quotes/report?model=dsr1&isl=8192&osl=1024&targets=20"


def test_report_is_html_with_a_strict_policy(client: Client) -> None:
    response = client.get(BASE)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    csp = response.headers["content-security-policy"]
    assert csp.startswith("default-src 'none'; style-src 'sha256-") and "script-src" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "<script" not in response.text and "http://" not in response.text.split("<body>")[0]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert client.head(BASE).status_code == 200


def test_report_escapes_what_the_query_says(client: Client) -> None:
    response = client.get(BASE + "&providers=%3Cscript%3Ealert(1)%3C/script%3E")
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "No option reaches this target with a priced offer." in response.text


def test_report_refuses_what_get_quotes_refuses(client: Client) -> None:
    for query, status, field in [
        ("model=dsr1&isl=8192&osl=1024&targets=0", 400, "targets"),
        ("model=dsr1&isl=0&osl=1024&targets=20", 400, "isl"),
        ("model=nope&isl=8192&osl=1024&targets=20", 422, "model"),
        ("model=dsr1&isl=8192&osl=1024&targets=20&demand_kind=requests_per_s", 422, "demand_value"),
        ("model=dsr1&isl=8192&osl=1024&targets=20&api_price=nope/x", 422, "api_price"),
    ]:
        answer = client.get(f"/v1/quotes/report?{query}")
        quote = client.get(f"/v1/quotes?{query}")
        body = problem(answer, status)
        assert body["field"] == field, body
        assert {k: v for k, v in body.items() if k != "instance"} == {
            k: v for k, v in quote.json().items() if k != "instance"
        }
