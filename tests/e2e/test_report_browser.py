"""GET /v1/quotes/report in Chromium against a real ``tco serve`` (issue #18): the page renders
under its own CSP with no violation and no request but itself, prints to a PDF, and every
number on it is the JSON answer's for the same query (each ``<data value>`` is the exact JSON
value, its text that value rounded to 4 significant digits). Screenshot:
test-output/e2e/quote-report.png, and the printed test-output/e2e/quote-report.pdf."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page

from tco.domain.quote_full import expanded
from tests.e2e.explorer_support import Server, tco_server
from tests.e2e.harness import OUTPUT, screenshot

pytestmark = pytest.mark.e2e

# DeepSeek R1 8k/1k with a demand and an API price: capacity, monthly bills, break-even, and an
# inconsistent GB200 row among the options (its capacity is refused, with the reason).
QUERY = {
    "model": "dsr1", "isl": 8192, "osl": 1024, "targets": "20,50", "top": 8,
    "demand_kind": "output_tokens_per_s", "demand_value": 50000, "api_price": "dsr1/deepinfra",
}  # fmt: skip
QUERY_STRING = "&".join(f"{k}={v}" for k, v in QUERY.items())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with tco_server(tmp_path_factory.mktemp("report-e2e")) as running:
        yield running


def shown(where: Locator) -> list[tuple[float, str]]:
    """(exact value, displayed text) of every ``<data>`` in ``where``."""
    pairs = where.locator("data").evaluate_all("ds => ds.map(d => [d.value, d.textContent])")
    return [(float(v), t) for v, t in pairs]


def same_number(exact: float, text: str) -> None:
    """``text`` is ``exact`` rounded to 4 significant digits (thousands separators allowed)."""
    value = float(text.replace(",", ""))
    assert value == pytest.approx(exact, rel=5e-4, abs=1e-12), (exact, text)
    assert value == float(f"{exact:.4g}"), (exact, text)


def test_report_renders_prints_and_shows_the_json_numbers(page: Page, server: Server) -> None:
    answer: dict[str, Any] = expanded(server.get("/v1/quotes", **QUERY))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    response = page.goto(f"{server.origin}/v1/quotes/report?{QUERY_STRING}")
    assert response is not None and response.status == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert requests == [f"{server.origin}/v1/quotes/report?{QUERY_STRING}"]  # nothing else loads
    assert page.evaluate("window.__violations") == []
    assert page.title() == "Inference cost quote: dsr1, 8192 in / 1024 out tokens"

    # The question and the assumptions, in words
    question = page.locator("#question").inner_text()
    assert "20.00, 50.00 tok/s per user" in question
    assert "50,000 output tokens per s" in question and "dsr1/deepinfra" in question
    assumptions = page.locator("#assumptions").inner_text()
    a = answer["assumptions"]
    for name in a:  # every assumption of the JSON answer is on the page
        assert name in assumptions, name
    assert a["dataset_version"] in assumptions and a["pricing_table"] in assumptions

    # Per target: the options in the JSON's order, each number the JSON's
    tables = page.locator("table.options")
    assert tables.count() == len(answer["targets"]) == 2
    for i, target in enumerate(answer["targets"]):
        rows = tables.nth(i).locator("tbody tr")
        assert rows.count() == len(target["options"]) > 2
        for j, option in enumerate(target["options"]):
            row = rows.nth(j)
            assert row.get_attribute("data-rank") == str(option["rank"])
            text = row.inner_text()
            assert option["hardware"] in text and option["offer"]["provider"] in text
            [(usd_m, usd_m_text)] = shown(row.locator("td.usd-m"))
            assert usd_m == option["usd_per_million_tokens"]  # exact, as in the JSON
            same_number(usd_m, usd_m_text)
            [(price, _)] = shown(row.locator("td.usd-gpu-h"))
            assert price == option["offer"]["usd_per_gpu_hour"]
            # capacity, monthly bill and break-even: the second table, same order
            row = page.locator("table.procurement").nth(i).locator("tbody tr").nth(j)
            assert row.get_attribute("data-rank") == str(option["rank"])
            capacity = option["capacity"]
            if capacity is None:
                assert option["capacity_unavailable"] in row.inner_text()
            else:
                [(bill, bill_text)] = shown(row.locator("td.usd-month"))
                assert bill == capacity["usd_per_month"]
                same_number(bill, bill_text)
            api = option["api_comparison"]
            exact = {value for value, _ in shown(row)}
            assert api["api_usd_per_1k_requests"] in exact
            if api["break_even_utilization"] is not None:
                assert api["break_even_utilization"] * 100 in exact
                assert api["saving_usd_per_month"] in exact
        # the chart: one bar per option, longest for the dearest
        bars = page.locator("figure.chart").nth(i).locator("rect")
        assert bars.count() == len(target["options"])
        widths = [float(bars.nth(k).get_attribute("width") or 0) for k in range(bars.count())]
        assert widths == sorted(widths) and widths[-1] == pytest.approx(420.0)
    # at least one capacity refused for an inconsistent source row, and said so
    assert any(o["capacity"] is None for t in answer["targets"] for o in t["options"])
    assert "inconsistent source row" in page.locator("table.procurement").first.inner_text()

    # Provenance: every option's runs and price source with its date
    provenance = page.locator("#provenance").inner_text()
    for target in answer["targets"]:
        for option in target["options"]:
            assert option["recipe"]["recipe_id"] in provenance
            assert option["offer"]["source"] in provenance
            for knot in option["operating_point"]["knots"]:
                assert knot["date"] in provenance and knot["source"] in provenance
            for caveat in option["caveats"]:
                assert caveat in provenance
    assert a["api_price"]["source"] in provenance and a["api_price"]["source_date"] in provenance

    screenshot(page, "quote-report")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 10_000
    (OUTPUT / "quote-report.pdf").write_bytes(pdf)


def test_report_bad_input_is_the_quotes_problem(page: Page, server: Server) -> None:
    response = page.goto(f"{server.origin}/v1/quotes/report?model=dsr1&isl=8192&osl=1024&targets=0")
    assert response is not None and response.status == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == "targets"
