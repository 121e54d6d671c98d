"""The cost widget in a real browser (Debian's Chromium), against a real ``tco serve``, embedded
in host pages served from other origins."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page

from tco.domain.quote_full import expanded
from tests.e2e.harness import OUTPUT, REPO, HostServer, screenshot

pytestmark = pytest.mark.e2e

QUERY = {"model": "dsr1", "isl": "8192", "osl": "1024"}
WIDGET_STATE = """([selector, state]) => {
  const card = document.querySelector(selector)?.shadowRoot?.querySelector(".card");
  return card?.dataset.state === state && card.getAttribute("aria-busy") === "false";
}"""


def api_quote(tco: str, target: float, **extra: str) -> dict[str, Any]:
    """The answer in the nested shape (tco.domain.quote_full.expanded): what the widget draws
    and what its tco:quote event carries, expanded in the browser by its own expandQuote."""
    response = httpx.get(
        f"{tco}/v1/quotes", params={**QUERY, "targets": str(target), **extra}, timeout=30
    )
    return expanded(response.json())


def host_page(tco: str, body: str, head: str = "") -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>host</title>'
        f'{head}<script type="module" src="{tco}/widget.js"></script></head>'
        f"<body>{body}</body></html>"
    )


def element(target: str = "50", model: str = "dsr1", extra: str = "") -> str:
    return f'<tco-cost-widget id="w" model="{model}" isl="8192" osl="1024" target="{target}"{extra}></tco-cost-widget>'


def wait_ready(page: Page, selector: str = "#w", state: str = "ready") -> None:
    page.wait_for_function(WIDGET_STATE, arg=[selector, state])


def assert_usd(shown: str, value: float) -> None:
    """The displayed price is the API's value to the displayed precision (3 significant digits)."""
    match = re.fullmatch(r"\$([0-9.,]+)", shown)
    assert match, shown
    digits = match.group(1).replace(",", "")
    assert len(digits.replace(".", "").lstrip("0")) == 3, shown
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    half_unit = Decimal(5) * Decimal(10) ** -(decimals + 1)
    assert abs(Decimal(digits) - Decimal(repr(value))) <= half_unit, (shown, value)


def assert_renders_answer(page: Page, answer: dict[str, Any], selector: str = "#w") -> None:
    tq = answer["targets"][0]
    cheapest = tq["cheapest"]
    assert cheapest is not None
    assert page.locator(f"{selector} .hw").inner_text() == cheapest["hardware"].upper()
    assert_usd(page.locator(f"{selector} .usd").inner_text(), cheapest["usd_per_million_tokens"])
    assert page.locator(f"{selector} .recipe").inner_text() == cheapest["recipe"]["label"]
    offer = page.locator(f"{selector} .offer").inner_text()
    assert cheapest["offer"]["provider"] in offer
    assert cheapest["offer"]["source_date"] in offer
    measured = page.locator(f"{selector} .measured").inner_text()
    for knot in cheapest["operating_point"]["knots"]:
        assert knot["date"] in measured
    assert answer["assumptions"]["benchmark_as_of"] in measured
    others = [o for o in tq["cheapest_per_hardware"] if o["hardware"] != cheapest["hardware"]][:4]
    rows = page.locator(f"{selector} .next li").all_inner_texts()
    assert [r.split()[0] for r in rows] == [o["hardware"].upper() for o in others]
    for row, option in zip(rows, others, strict=True):
        assert_usd(row.split()[1], option["usd_per_million_tokens"])
    status = page.locator(f"{selector} [role=status]").inner_text()
    assert f"{tq['target_interactivity']:g} tok/s/user" in status
    assert cheapest["hardware"].upper() in status


def test_cheapest_option_equals_the_api_answer(
    page: Page, tco_origin: str, host: HostServer
) -> None:
    page.context.add_cookies([{"name": "session", "value": "secret", "url": tco_origin}])
    requests = []
    page.on("request", lambda r: requests.append(r) if r.url.startswith(tco_origin) else None)
    page.goto(host.add("/basic.html", host_page(tco_origin, element())))
    wait_ready(page)
    page.wait_for_function(
        "() => document.querySelector('#w').shadowRoot.querySelectorAll('path.curve').length > 0"
    )
    screenshot(page, "cheapest_equals_api")

    answer = api_quote(tco_origin, 50)
    assert_renders_answer(page, answer)
    # The host page gets the very same answer through the bubbling, composed event.
    events = page.evaluate("window.__events")
    assert [e["type"] for e in events] == ["tco:quote"]
    assert events[0]["detail"]["response"] == answer
    assert events[0]["detail"]["cheapest"] == answer["targets"][0]["cheapest"]
    # The chart: one curve per hardware of /v1/curves, the winner's drawn bold, the target marked.
    curves = httpx.get(f"{tco_origin}/v1/curves", params=QUERY, timeout=30).json()["curves"]
    assert page.locator("#w path.curve").count() == len(curves)
    assert page.locator("#w path.curve.win").count() == 1
    assert page.locator("#w line.target").count() == 1
    assert (
        page.locator("#w .legend li").all_inner_texts()[0].startswith(curves[0]["hardware"].upper())
    )
    # No credentials: the tco cookie in this browser never goes out with the widget's requests.
    api_calls = [r for r in requests if "/v1/" in r.url]
    assert {r.url.split("?")[0].removeprefix(tco_origin) for r in api_calls} == {
        "/v1/quotes",
        "/v1/curves",
    }
    assert all("cookie" not in r.all_headers() for r in api_calls)


def test_changing_the_target_rerenders_with_the_new_answer(
    page: Page, tco_origin: str, host: HostServer
) -> None:
    page.goto(host.add("/target.html", host_page(tco_origin, element())))
    wait_ready(page)
    before = page.locator("#w .usd").inner_text()

    page.evaluate("document.querySelector('#w').setAttribute('target', '100')")
    page.wait_for_function(
        "() => document.querySelector('#w').shadowRoot.querySelector('[role=status]').textContent.includes('at 100 tok/s/user')"
    )
    wait_ready(page)
    assert_renders_answer(page, api_quote(tco_origin, 100))
    assert page.locator("#w .usd").inner_text() != before
    screenshot(page, "target_attribute_100")

    # The number field sets the attribute, which fetches again.
    page.locator("#w input[type=number]").fill("20")
    page.locator("#w input[type=number]").press("Enter")
    page.wait_for_function("() => document.querySelector('#w').getAttribute('target') === '20'")
    page.wait_for_function(
        "() => document.querySelector('#w').shadowRoot.querySelector('[role=status]').textContent.includes('at 20 tok/s/user')"
    )
    wait_ready(page)
    assert_renders_answer(page, api_quote(tco_origin, 20))

    # The slider, by keyboard: a few steps right raise the target, after a short debounce.
    for _ in range(5):
        page.locator("#w input[type=range]").press("ArrowRight")
    page.wait_for_function("() => Number(document.querySelector('#w').getAttribute('target')) > 20")
    wait_ready(page)
    target = float(page.evaluate("document.querySelector('#w').getAttribute('target')"))
    page.wait_for_function(
        "t => document.querySelector('#w').shadowRoot.querySelector('[role=status]').textContent.includes(`at ${t} tok/s/user`)",
        arg=page.evaluate("document.querySelector('#w').getAttribute('target')"),
    )
    assert_renders_answer(page, api_quote(tco_origin, target))

    # Faster than any recipe: the widget says so, and names the fastest one.
    page.evaluate("document.querySelector('#w').target = 1000")
    page.wait_for_function(
        "() => document.querySelector('#w').shadowRoot.querySelector('[role=status]').textContent.startsWith('No priced option reaches 1,000 tok/s/user')"
    )
    wait_ready(page)
    unreachable = api_quote(tco_origin, 1000)["targets"][0]
    assert unreachable["cheapest"] is None
    fastest = unreachable["unreachable"][0]
    notice = page.locator("#w .notice").inner_text()
    assert fastest["label"] in notice
    assert f"reaches {round(fastest['max_interactivity'])} tok/s/user" in notice
    assert page.locator("#w .usd").count() == 0
    screenshot(page, "target_unreachable")

    quotes = [e for e in page.evaluate("window.__events") if e["type"] == "tco:quote"]
    assert [q["detail"]["request"]["target"] for q in quotes] == [50, 100, 20, target, 1000]


def test_a_demand_adds_the_monthly_bill(page: Page, tco_origin: str, host: HostServer) -> None:
    """demand-kind + demand-value: the cheapest option's capacity and monthly bill, and the
    lowest bill once whole replicas are counted, as the API answers them."""
    demand = {"demand_kind": "output_tokens_per_day", "demand_value": "2e9"}
    extra = ' demand-kind="output_tokens_per_day" demand-value="2e9"'
    page.goto(host.add("/demand.html", host_page(tco_origin, element(extra=extra))))
    wait_ready(page)
    screenshot(page, "demand_monthly_bill")
    answer = api_quote(tco_origin, 50, **demand)
    assert_renders_answer(page, answer)
    tq = answer["targets"][0]
    cap = tq["cheapest"]["capacity"]
    bill = page.locator("#w .bill")
    assert float(bill.get_attribute("data-usd-per-month") or "nan") == cap["usd_per_month"]
    text = bill.inner_text()
    assert f"${round(cap['usd_per_month']):,} a month" in text
    assert "2B output tokens per day" in text
    assert f"{cap['gpus']:,} GPUs ({cap['replicas']:,} × {cap['gpus_per_replica']})" in text
    lowest = tq["cheapest_for_demand"]
    if lowest["recipe"]["recipe_id"] != tq["cheapest"]["recipe"]["recipe_id"]:
        shown = page.locator("#w .bill-lowest")
        assert (
            float(shown.get_attribute("data-usd-per-month") or "nan")
            == lowest["capacity"]["usd_per_month"]
        )
        assert lowest["recipe"]["label"] in shown.inner_text()
    else:
        assert page.locator("#w .bill-lowest").count() == 0
    (event,) = [e for e in page.evaluate("window.__events") if e["type"] == "tco:quote"]
    assert event["detail"]["response"] == answer
    assert {k: event["detail"]["request"][k] for k in demand} == demand

    # One attribute without the other is the API's problem, shown in words.
    page.evaluate("document.querySelector('#w').removeAttribute('demand-value')")
    wait_ready(page, state="error")
    assert "demand_value" in page.locator("#w .error .detail").inner_text()


def test_unknown_model_shows_the_problem_detail(
    page: Page, tco_origin: str, host: HostServer
) -> None:
    problem = httpx.get(
        f"{tco_origin}/v1/quotes",
        params={**QUERY, "model": "no-such-model", "targets": "50"},
        timeout=30,
    )
    assert problem.status_code == 422
    detail = problem.json()["detail"]
    assert "no-such-model" in detail

    page.goto(host.add("/unknown.html", host_page(tco_origin, element(model="no-such-model"))))
    wait_ready(page, state="error")
    screenshot(page, "unknown_model_error")
    assert page.locator("#w .error .detail").inner_text() == detail
    assert detail in page.locator("#w [role=status]").inner_text()
    assert page.locator("#w svg").count() == 0
    events = page.evaluate("window.__events")
    assert events == [{"type": "tco:error", "detail": {"detail": detail}}]


def test_renders_styled_under_a_strict_host_csp(
    page: Page, tco_origin: str, host: HostServer
) -> None:
    csp = (
        f"default-src 'self'; script-src 'self' {tco_origin}; style-src 'self'; "
        f"connect-src {tco_origin}; require-trusted-types-for 'script'"
    )
    host.add(
        "/host.css",
        "tco-cost-widget{--tco-accent:rgb(200, 0, 100);--tco-radius:3px;--tco-font:monospace}",
        "text/css",
    )
    # The inline <style> is the control: the policy blocks it, so it really is in force.
    page_html = host_page(
        tco_origin,
        element(),
        head='<link rel="stylesheet" href="/host.css"><style>body{color:rgb(1, 2, 3)}</style>',
    )
    page.goto(host.add("/strict.html", page_html, headers={"Content-Security-Policy": csp}))
    wait_ready(page)
    page.wait_for_function(
        "() => document.querySelector('#w').shadowRoot.querySelectorAll('path.curve').length > 0"
    )
    screenshot(page, "strict_csp_host")

    assert page.evaluate("getComputedStyle(document.body).color") != "rgb(1, 2, 3)"
    violations = page.evaluate("window.__violations")
    assert violations, "the control inline style was not blocked: the CSP is not in force"
    assert all(v["directive"] == "style-src-elem" for v in violations), violations
    assert all(not v["blocked"].startswith(tco_origin) for v in violations), violations

    style = page.evaluate(
        """() => {
        const root = document.querySelector('#w').shadowRoot;
        const card = getComputedStyle(root.querySelector('.card'));
        const usd = getComputedStyle(root.querySelector('.usd'));
        return {radius: card.borderTopLeftRadius, border: card.borderTopStyle, usdColor: usd.color,
                usdWeight: usd.fontWeight, font: card.fontFamily, sheets: root.adoptedStyleSheets.length};
    }"""
    )
    assert style == {
        "radius": "3px",
        "border": "solid",
        "usdColor": "rgb(200, 0, 100)",
        "usdWeight": "700",
        "font": "monospace",
        "sheets": 1,
    }
    assert_renders_answer(page, api_quote(tco_origin, 50))


def test_api_base_points_a_copy_served_elsewhere_at_tco(
    page: Page, tco_origin: str, host: HostServer
) -> None:
    host.add(
        "/vendor/widget.js",
        (REPO / "tco" / "widget" / "widget.js").read_bytes(),
        "text/javascript",
    )
    body = element(extra=f' api-base="{tco_origin}"')
    page_html = f'<!doctype html><meta charset="utf-8"><script type="module" src="/vendor/widget.js"></script>{body}'
    page.goto(host.add("/api-base.html", page_html))
    wait_ready(page)
    assert_renders_answer(page, api_quote(tco_origin, 50))
    screenshot(page, "api_base")


def iframe_snippet() -> str:
    """The host snippet exactly as the README documents it."""
    docs = (REPO / "README.md").read_text()
    match = re.search(r"<!-- iframe host snippet.*?-->\n```html\n(.*?)```", docs, re.DOTALL)
    assert match, "README.md lost its iframe host snippet"
    return match.group(1)


def test_iframe_resizes_and_ignores_other_origins(
    page: Page, tco_origin: str, host: HostServer, other_origin: HostServer
) -> None:
    snippet = iframe_snippet().replace("https://tco.example", tco_origin)
    recorder = "<script>window.seen = []; addEventListener('message', (e) => window.seen.push(e.origin));</script>"
    page.goto(host.add("/iframe.html", host_page(tco_origin, recorder + snippet)))
    frame_el = page.locator("#tco-cost")
    page.wait_for_function("() => document.getElementById('tco-cost').height !== '480'")
    embed = next(f for f in page.frames if "/embed" in f.url)
    embed.wait_for_function(WIDGET_STATE, arg=["tco-cost-widget", "ready"])
    embed.wait_for_function(
        "() => document.querySelector('tco-cost-widget').shadowRoot.querySelectorAll('path.curve').length > 0"
    )
    content_px = embed.evaluate(
        "Math.ceil(document.documentElement.getBoundingClientRect().height)"
    )
    page.wait_for_function(
        "px => document.getElementById('tco-cost').height === String(px)", arg=content_px
    )
    assert content_px > 480  # the chart makes the widget taller than the frame's initial height
    assert frame_el.bounding_box()["height"] == content_px
    assert embed.evaluate("document.documentElement.scrollHeight <= innerHeight")  # no scrollbar
    assert_renders_answer(embed, api_quote(tco_origin, 50), selector="tco-cost-widget")

    # A frame from another origin posts a well-formed height message; so does the host itself.
    evil = other_origin.add(
        "/evil.html",
        "<script>parent.postMessage({type: 'tco:height', height: 1234}, '*')</script>",
    )
    page.evaluate(
        "src => { const f = document.createElement('iframe'); f.src = src; document.body.append(f); }",
        evil,
    )
    page.evaluate("postMessage({type: 'tco:height', height: 1234}, '*')")
    page.wait_for_function(
        "([a, b]) => window.seen.includes(a) && window.seen.includes(b)",
        arg=[other_origin.origin, host.origin],
    )
    assert page.evaluate("document.getElementById('tco-cost').height") == str(content_px)
    screenshot(page, "iframe_host")

    # Only /embed may be framed: the demo page refuses, like every other tco page.
    page.evaluate(
        """src => new Promise((done) => {
        const f = document.createElement('iframe'); f.id = 'refused'; f.onload = done; f.src = src;
        document.body.append(f);
    })""",
        f"{tco_origin}/widget",
    )
    refused = page.locator("#refused").element_handle().content_frame()
    assert refused is not None
    assert refused.url.startswith("chrome-error://"), refused.url


def test_demo_page_renders_and_reports_first_render_time(page: Page, tco_origin: str) -> None:
    page.goto(f"{tco_origin}/widget")
    widgets = page.locator("tco-cost-widget")
    assert widgets.count() == 2
    page.wait_for_function(
        "() => [...document.querySelectorAll('tco-cost-widget')].every(w => w.shadowRoot.querySelector('.card').dataset.state === 'ready' && w.shadowRoot.querySelectorAll('path.curve').length)"
    )
    embed = next(f for f in page.frames if "/embed" in f.url)
    embed.wait_for_function(WIDGET_STATE, arg=["tco-cost-widget", "ready"])
    page.wait_for_function("() => document.getElementById('tco-cost').height !== '480'")
    page.wait_for_function(
        "() => performance.getEntriesByName('tco:chart-render:painted').length === 2"
    )
    assert page.evaluate("window.__violations") == []
    assert "tco:quote event: dsr1" in page.locator("#events").inner_text()
    assert page.locator(".origin").first.inner_text() == tco_origin
    screenshot(page, "demo_page")

    measures = page.evaluate(
        """() => performance.getEntriesByType('measure').filter(m => m.name.startsWith('tco:'))
             .map(m => ({name: m.name, ms: m.duration, model: m.detail?.model}))"""
    )
    rows = [f"| {m['name']} | {m['ms']:.1f} |" for m in sorted(measures, key=lambda m: m["name"])]
    report = "\n".join(
        [
            "Widget render times on the demo page (two widgets), after the API answered:",
            "",
            "| measure | ms |",
            "|---|---|",
            *rows,
        ]
    )
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "first-render.md").write_text(report + "\n")
    print("\n" + report)
    assert {m["name"] for m in measures} == {
        "tco:first-render",
        "tco:first-render:painted",
        "tco:chart-render",
        "tco:chart-render:painted",
    }
