"""Offer filters in the widget and the explorer (issue #18), in Chromium against a real
``tco serve``: the filters given as embed attributes or explorer controls reach GET /v1/quotes
and /v1/curves, what is shown is the API's answer for the same filters, and the offers the
filters left out are counted by reason as the answer's ``excluded_offers`` says.

On the shipped cloud-public-2026 table (on-demand, spot, reserved offers of many providers,
some undated): on-demand or 1-year reserved only, prices at most 200 days old."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import Page, Request

from tco.domain.quote_full import expanded
from tests.e2e.explorer_support import Server, open_view, tco_server, wait_ready
from tests.e2e.harness import HostServer, screenshot

pytestmark = pytest.mark.e2e

WORKLOAD = {"model": "dsr1", "isl": "8192", "osl": "1024"}
FILTERS = {
    "pricing": "cloud-public-2026", "offer_kinds": "on_demand,reserved_1y",
    "max_price_age_days": "200", "exclude_placeholder_prices": "true",
}  # fmt: skip
WIDGET_READY = """() => {
  const card = document.querySelector("#w")?.shadowRoot?.querySelector(".card");
  return card?.dataset.state === "ready" && card.getAttribute("aria-busy") === "false";
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with tco_server(tmp_path_factory.mktemp("filters-e2e")) as running:
        yield running


def excluded_total(answer: dict[str, Any]) -> int:
    where = answer.get("assumptions", answer)
    return sum(where["excluded_offers"].values())


def test_widget_takes_the_offer_filters_and_shows_what_they_excluded(
    page: Page, server: Server, host: HostServer
) -> None:
    answer = expanded(server.get("/v1/quotes", **WORKLOAD, targets="50", **FILTERS))
    reasons = answer["assumptions"]["excluded_offers"]
    assert set(reasons) >= {"offer_kind", "price_undated"} and excluded_total(answer) > 10
    cheapest = answer["targets"][0]["cheapest"]
    assert cheapest["offer"]["kind"] in ("on_demand", "reserved_1y")
    unfiltered = expanded(
        server.get("/v1/quotes", **WORKLOAD, targets="50", pricing=FILTERS["pricing"])
    )
    assert unfiltered["targets"][0]["cheapest"]["offer"]["kind"] not in ("on_demand", "reserved_1y")

    requests: list[Request] = []
    page.on("request", lambda r: requests.append(r) if "/v1/" in r.url else None)
    body = (
        '<tco-cost-widget id="w" model="dsr1" isl="8192" osl="1024" target="50" '
        'pricing="cloud-public-2026" offer-kinds="on_demand,reserved_1y" '
        'max-price-age-days="200" exclude-placeholder-prices></tco-cost-widget>'
    )
    page.goto(host.add("/filtered.html", (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>host</title>'
        f'<script type="module" src="{server.origin}/widget.js"></script></head><body>{body}</body></html>'
    )))  # fmt: skip
    page.wait_for_function(WIDGET_READY)
    for request in requests:  # the quote and the curves are both filtered
        query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        assert {k: query.get(k) for k in FILTERS} == FILTERS, request.url
    assert {urlparse(r.url).path for r in requests} == {"/v1/quotes", "/v1/curves"}
    assert page.locator("#w .hw").inner_text() == cheapest["hardware"].upper()
    assert cheapest["offer"]["provider"] in page.locator("#w .offer").inner_text()
    note = page.locator("#w .excluded")
    assert note.get_attribute("data-excluded-total") == str(excluded_total(answer))
    text = note.inner_text()
    assert f"left out {excluded_total(answer)} offers" in text
    assert f"{reasons['offer_kind']} kind not allowed" in text
    assert f"{reasons['price_undated']} price undated" in text
    screenshot(page, "widget-offer-filters")

    # Without filters the widget says nothing about exclusions.
    page.evaluate("""() => { const w = document.querySelector("#w");
      for (const a of ["offer-kinds", "max-price-age-days", "exclude-placeholder-prices"]) w.removeAttribute(a); }""")
    page.wait_for_function(
        """() => document.querySelector("#w").shadowRoot.querySelector(".excluded") === null"""
    )
    page.wait_for_function(WIDGET_READY)
    kind = unfiltered["targets"][0]["cheapest"]["offer"]["provider"]
    assert kind in page.locator("#w .offer").inner_text()


def test_explorer_filters_reach_every_cost_view_and_the_permalink(
    page: Page, server: Server
) -> None:
    open_view(
        page,
        server.origin,
        "view=cheapest&model=dsr1&workload=8192%2F1024&targets=20,50&pricing=cloud-public-2026",
    )
    assert page.locator(".offers-excluded").count() == 0  # no filter, no note
    for kind in FILTERS["offer_kinds"].split(","):
        page.locator(f"#f-offer-kinds input[value={kind}]").check()
        wait_ready(page)
    page.fill("#f-max-price-age", "200")
    page.locator("#f-max-price-age").dispatch_event("change")
    wait_ready(page)
    page.locator("#f-exclude-placeholder").check()
    wait_ready(page)
    params = {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}
    assert {k: params.get(k) for k in FILTERS} == FILTERS  # the view is a permalink

    answer = expanded(server.get("/v1/quotes", **WORKLOAD, targets="20,50", top=5, **FILTERS))
    rows = page.locator("table[data-table=cheapest] tr[data-row]")
    options = [o for t in answer["targets"] for o in t["options"]]
    assert rows.count() == len(options) > 0
    for i, option in enumerate(options):
        cells = rows.nth(i).locator("td").all_inner_texts()
        assert cells[1] == option["hardware"].upper()
        assert option["offer"]["provider"] in cells[3]
        assert option["offer"]["kind"] in ("on_demand", "reserved_1y")
    note = page.locator("#view-cheapest .offers-excluded")
    assert note.get_attribute("data-excluded-total") == str(excluded_total(answer))
    reasons = answer["assumptions"]["excluded_offers"]
    assert f"{reasons['offer_kind']} kind not allowed" in note.inner_text()
    screenshot(page, "explorer-offer-filters")

    # The $/M tokens view prices the same filtered offers: its note is the curves answer's.
    page.locator("#tab-cost").click()
    wait_ready(page)
    curves = httpx.get(
        f"{server.origin}/v1/curves", params={**WORKLOAD, **FILTERS}, timeout=30
    ).json()
    note = page.locator("#view-cost .offers-excluded")
    assert note.get_attribute("data-excluded-total") == str(excluded_total(curves)) != "0"
    providers = {p["offer_provider"] for c in curves["curves"] for p in c["points"]}
    assert page.locator("figure[data-chart=cost] svg g[data-series]").count() == len(
        curves["curves"]
    )
    assert providers  # every point priced by an allowed offer
    # A link with the filters restores them in the controls.
    open_view(page, server.origin, urlparse(page.url).query)
    assert page.locator("#f-max-price-age").input_value() == "200"
    assert page.locator("#f-exclude-placeholder").is_checked()
    assert page.locator("#f-offer-kinds input[value=on_demand]").is_checked()
    assert not page.locator("#f-offer-kinds input[value=spot]").is_checked()
    assert page.evaluate("window.__violations") == []


def test_embed_passes_the_offer_filters_to_its_widget(page: Page, server: Server) -> None:
    answer = expanded(server.get("/v1/quotes", **WORKLOAD, targets="50", **FILTERS))
    query = "&".join(f"{k}={v}" for k, v in {**WORKLOAD, "target": "50", **FILTERS}.items())
    page.goto(f"{server.origin}/embed?{query}")
    page.wait_for_function(WIDGET_READY.replace("#w", "tco-cost-widget"))
    widget = page.locator("tco-cost-widget")
    assert widget.get_attribute("offer-kinds") == FILTERS["offer_kinds"]
    cheapest = answer["targets"][0]["cheapest"]
    assert widget.locator(".hw").inner_text() == cheapest["hardware"].upper()
    note = widget.locator(".excluded")
    assert note.get_attribute("data-excluded-total") == str(excluded_total(answer))
    assert page.evaluate("window.__violations") == []
