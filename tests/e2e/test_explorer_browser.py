"""The explorer at ``/`` in Chromium against a real ``tco serve``: each chart draws as many
series and points as the API answers, the permalink restores the view, the compare view shows
the reference case, exports download, and two edits from the same pricing table version end in
one save and one conflict. Screenshots: test-output/e2e/explorer-*.png."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page

from tco.domain.quote_full import expanded
from tests.e2e.explorer_support import Server, open_view, series_counts, tco_server, wait_ready
from tests.e2e.harness import OUTPUT, RECORDER, screenshot

pytestmark = pytest.mark.e2e

KIMI = "model=kimi-k2.5&workload=8192%2F1024"
WORKLOAD = {"model": "kimi-k2.5", "isl": 8192, "osl": 1024}
REFERENCE = (
    f"view=compare&{KIMI}&base=r-04d3ad9e4ef5%402026-03-01&cand=r-04d3ad9e4ef5%402026-03-26"
    "&at_tput=337%2C380&extrapolate=1"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with tco_server(tmp_path_factory.mktemp("explorer-e2e")) as running:
        yield running


def no_violations(page: Page) -> None:
    assert page.evaluate("window.__violations") == []


def test_frontier_chart_draws_every_recipe_and_its_measured_points(
    page: Page, server: Server
) -> None:
    answer = server.get("/v1/frontiers", **WORKLOAD)
    open_view(page, server.origin, KIMI)
    counts = series_counts(page, "frontiers")
    assert counts == [len(f["knots"]) for f in answer["frontiers"]]
    assert len(counts) == len(answer["frontiers"]) > 1
    dot = page.locator("figure[data-chart=frontiers] circle.pt").first
    dot.hover()
    tip = page.locator("figure[data-chart=frontiers] .tip")
    knot = answer["frontiers"][0]["knots"][0]
    assert knot["date"] in tip.inner_text()
    assert "source:" in tip.inner_text()
    screenshot(page, "explorer-frontiers")
    # keyboard: one tab stop per chart, arrow keys walk the points
    assert page.locator("figure[data-chart=frontiers] circle.pt[tabindex='0']").count() == 1
    dot.focus()
    page.keyboard.press("ArrowRight")
    second = answer["frontiers"][0]["knots"][1]
    assert f"concurrency {second['conc']}" in tip.inner_text()
    # DeepSeek-R1 8k/1k: every measured point of the as-of view is drawn, the dominated ones
    # as one more (hollow) series
    answer = server.get("/v1/frontiers", model="dsr1", isl=8192, osl=1024)
    open_view(page, server.origin, "model=dsr1&workload=8192%2F1024")
    counts = series_counts(page, "frontiers")
    assert counts[:-1] == [len(f["knots"]) for f in answer["frontiers"]]
    assert counts[-1] == sum(f["dominated"] for f in answer["frontiers"]) > 0
    assert sum(counts) == sum(f["points"] for f in answer["frontiers"])
    no_violations(page)


def test_cost_chart_is_the_curves_answer(page: Page, server: Server) -> None:
    answer = server.get("/v1/curves", **WORKLOAD)
    open_view(page, server.origin, f"view=cost&{KIMI}&targets=50")
    assert series_counts(page, "cost") == [len(c["points"]) for c in answer["curves"]]
    legend = page.locator("figure[data-chart=cost] .legend li").all_inner_texts()
    assert legend == [c["hardware"].upper() for c in answer["curves"]]
    screenshot(page, "explorer-cost")
    no_violations(page)


def test_cheapest_table_lists_the_ranked_options_with_capacity(page: Page, server: Server) -> None:
    query = "targets=20,50&demand_kind=output_tokens_per_s&demand_value=10000"
    open_view(page, server.origin, f"view=cheapest&model=dsr1&workload=8192%2F1024&{query}")
    # the nested shape the explorer draws from (it expands the sent answer the same way)
    answer = expanded(server.get(
        "/v1/quotes", model="dsr1", isl=8192, osl=1024, targets="20,50", top=5,
        demand_kind="output_tokens_per_s", demand_value=10000,
    ))  # fmt: skip
    rows = page.locator("table[data-table=cheapest] tr[data-row]")
    options = [o for t in answer["targets"] for o in t["options"]]
    assert rows.count() == len(options)
    first = rows.first.locator("td").all_inner_texts()
    assert first[1] == options[0]["hardware"].upper()
    assert first[2] == options[0]["recipe"]["label"]
    assert "$/month" in page.locator("table[data-table=cheapest] thead").inner_text()
    low = answer["targets"][0]["cheapest_for_demand"]
    bill = page.locator("[data-lowest-bill='20']").inner_text()
    assert low["hardware"].upper() in bill and f"${low['capacity']['usd_per_month']:,.0f}" in bill
    with page.expect_download() as download:
        page.locator("#view-cheapest [data-export=csv]").click()
    text = download.value.path().read_text()
    records = list(csv.DictReader(io.StringIO(text)))
    assert len(records) == len(options)
    assert float(records[0]["usd_per_million_tokens"]) == options[0]["usd_per_million_tokens"]
    assert records[0]["target_tok_s_user"] == "20"
    screenshot(page, "explorer-cheapest")
    no_violations(page)


def test_permalink_restores_the_view(browser: Browser, page: Page, server: Server) -> None:
    open_view(page, server.origin, "")
    page.select_option("#f-model", "dsr1")
    wait_ready(page)
    page.select_option("#f-workload", "1024/1024")
    wait_ready(page)
    page.select_option("#f-token-basis", "output")
    page.fill("#f-targets", "30,60")
    page.locator("#f-targets").dispatch_event("change")
    page.locator("#f-hardware input[value=b200]").check()
    page.locator("#f-hardware input[value=mi355x]").check()
    page.locator("#tab-cost").focus()
    page.keyboard.press("ArrowRight")  # keyboard: to the next tab, "Cheapest per target"
    wait_ready(page)
    assert page.evaluate("document.body.dataset.view") == "cheapest"
    link = page.url
    params = {k: v[0] for k, v in parse_qs(urlparse(link).query).items()}
    assert params == {
        "view": "cheapest", "model": "dsr1", "workload": "1024/1024", "token_basis": "output",
        "targets": "30,60", "hardware": "b200,mi355x",
        # the table the view was priced with is pinned, so the link answers the same later
        "pricing": server.get("/v1/catalog")["default_pricing_table"],
    }  # fmt: skip
    table = page.locator("table[data-table=cheapest]").inner_text()
    context = browser.new_context(viewport={"width": 900, "height": 1000})
    context.add_init_script(RECORDER)
    other = context.new_page()
    open_view(other, server.origin, urlparse(link).query)
    assert other.locator("#f-model").input_value() == "dsr1"
    assert other.locator("#f-workload").input_value() == "1024/1024"
    assert other.locator("#f-token-basis").input_value() == "output"
    assert other.locator("#f-targets").input_value() == "30,60"
    checked = other.eval_on_selector_all(
        "#f-hardware input:checked", "boxes => boxes.map(b => b.value)"
    )
    assert checked == ["b200", "mi355x"]
    assert other.locator("#tab-cheapest").get_attribute("aria-selected") == "true"
    assert other.locator("table[data-table=cheapest]").inner_text() == table
    hardware = {h.split()[0] for h in re.findall(r"(?m)^\d+\t(\S+)", table)}
    assert hardware <= {"B200", "MI355X"}
    assert other.evaluate("window.__violations") == []
    context.close()


def test_history_chart_per_hardware(page: Page, server: Server) -> None:
    answer = server.get("/v1/history", **WORKLOAD, target=20)
    open_view(page, server.origin, f"view=history&{KIMI}&targets=20")
    assert series_counts(page, "history") == [len(h["points"]) for h in answer["hardware"]]
    screenshot(page, "explorer-history")
    no_violations(page)


def test_compare_shows_the_reference_case(page: Page, server: Server) -> None:
    open_view(page, server.origin, REFERENCE)
    assert series_counts(page, "compare") == [5, 5]
    header = page.locator("#compare-header").inner_text()
    assert "2026-03-01" in header and "2026-03-26" in header and "MI355X" in header
    matched = page.locator("table[data-table=compare-matched-concurrency] tr[data-row]")
    assert matched.count() == 5
    assert matched.first.locator("td").all_inner_texts()[:4] == [
        "4", "6.6 (measured)", "78.9 (measured)", "×11.95",
    ]  # fmt: skip
    iso = page.locator("table[data-table=compare-iso-throughput] tr[data-row]")
    assert iso.nth(0).locator("td").all_inner_texts() == [
        "337", "5.04 (interpolated)", "78.9 (measured)", "×15.64",
    ]  # fmt: skip
    assert iso.nth(1).locator("td").all_inner_texts()[1] == "4.88 (extrapolated)"
    screenshot(page, "explorer-compare")
    no_violations(page)


def test_chart_exports_svg_and_png(page: Page, server: Server) -> None:
    open_view(page, server.origin, KIMI)
    with page.expect_download() as svg_download:
        page.locator("figure[data-chart=frontiers] [data-export=svg]").click()
    svg = svg_download.value.path().read_text()
    assert svg_download.value.suggested_filename == "frontiers.svg"
    assert svg.startswith("<svg") and svg.count("<circle") == sum(series_counts(page, "frontiers"))
    with page.expect_download() as png_download:
        page.locator("figure[data-chart=frontiers] [data-export=png]").click()
    assert png_download.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    no_violations(page)


def test_two_edits_from_one_version_save_one_and_show_the_other_as_a_conflict(
    browser: Browser, server: Server
) -> None:
    pages = []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1100, "height": 1000})
        context.add_init_script(RECORDER)
        page = context.new_page()
        open_view(page, server.origin, "view=pricing&table=cloud-public-2026")
        page.fill("#editor-key", server.editor_key)
        page.click("#edit-offers")
        pages.append(page)
    first, second = pages
    first.fill("input[data-field=usd_per_gpu_hour][data-row='0']", "2.11")
    second.fill("input[data-field=usd_per_gpu_hour][data-row='0']", "2.22")
    first.click("#save-offers")
    first.locator("#editor-message.saved").wait_for()
    assert "version 2" in first.locator("#editor-message").inner_text()
    second.click("#save-offers")
    second.locator("#editor-message.conflict").wait_for()
    message = second.locator("#editor-message").inner_text()
    assert "Conflict" in message and "version 1" in message and "now version 2" in message
    # the losing edit is still in the form, not lost
    assert (
        second.locator("input[data-field=usd_per_gpu_hour][data-row='0']").input_value() == "2.22"
    )
    screenshot(second, "explorer-pricing-conflict")
    table = server.get("/v1/pricing/tables/cloud-public-2026")
    assert table["version"] == 2 and table["offers"][0]["usd_per_gpu_hour"] == 2.11
    # browse: version 2 is listed with what it changed
    second.click("#open-latest")
    wait_ready(second)
    assert second.locator("[data-version='2']").count() == 1
    diff = second.locator(".version-diff").inner_text()
    assert "1 changed" in diff and "$2.35 → $2.11/GPU-hour" in diff
    screenshot(second, "explorer-pricing")
    for page in pages:
        assert page.evaluate("window.__violations") == []
        page.context.close()


def test_readable_on_a_phone(browser: Browser, server: Server) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    context.add_init_script(RECORDER)
    page = context.new_page()
    open_view(page, server.origin, f"view=cost&{KIMI}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # nothing sticks out of the screen (wide tables scroll inside their own box)
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('#controls *, #tabs *, figure svg')]"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= page.evaluate("window.innerWidth") + 1
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "explorer-phone.png"))  # the first screen a phone shows
    page.locator("#tab-cheapest").click()
    wait_ready(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()
