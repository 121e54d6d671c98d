"""``/docs`` in Chromium: Swagger UI renders every operation of the document from tco's own
files (every request to another origin is refused, as on a machine with no network), under the
page's CSP, and "Try it out" calls the running server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route

from tests.e2e.harness import OUTPUT

pytestmark = pytest.mark.e2e


def offline(page: Page, origin: str) -> list[str]:
    """Refuse every request that leaves ``origin``; return the list of those attempted."""
    outside: list[str] = []

    def handle(route: Route) -> None:
        if route.request.url.startswith(origin) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    return outside


def test_docs_render_every_operation_offline_and_try_it_out(page: Page, tco_origin: str) -> None:
    doc: dict[str, Any] = httpx.get(f"{tco_origin}/schema/openapi.json", timeout=30).json()
    operations = [op for item in doc["paths"].values() for op in item.values()]
    outside = offline(page, tco_origin)
    page.goto(f"{tco_origin}/docs")
    page.wait_for_selector(".opblock-summary")
    assert page.locator(".opblock").count() == len(operations)
    # Enum values, defaults and the problem+json errors are on the page.
    page.locator("#operations-quotes-getQuote .opblock-summary").click()
    block = page.locator("#operations-quotes-getQuote")
    block.locator(".parameters").wait_for()
    text = block.inner_text()
    for word in ("token_basis", "monotone", "series", "Default", "application/problem+json"):
        assert word in text, word
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "docs.png"))  # the first screen
    block.screenshot(path=str(OUTPUT / "docs-get-quote.png"))  # one operation, expanded
    # Try it out against the running server.
    page.locator("#operations-ops-getHealth .opblock-summary").click()
    health = page.locator("#operations-ops-getHealth")
    health.locator("button.try-out__btn").click()
    health.locator("button.execute").click()
    status = health.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("200")
    assert (
        '"status": "ok"' in health.locator(".live-responses-table .microlight").first.inner_text()
    )
    assert outside == []
    assert page.evaluate("window.__violations") == []
