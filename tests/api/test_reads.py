"""HTTP behaviour of the read endpoints, on the shipped data through the real app (in-process).

Values are checked against the benchmark data they come from (InferenceX Kimi K2.5 8k/1k on
MI355X, see shared/data/seed_article.md) and against each other (GET vs POST vs CLI vs CSV), so
no assertion depends on a price that a table edit may change.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from tco.api.app import MAX_BODY_BYTES
from tco.cli import main as cli_main
from tco.domain.pricing import DEFAULT_PRICING_TABLE
from tco.domain.quote_full import expanded
from tests.api.problems import problem

Client = TestClient[Any]
KIMI = {"model": "kimi-k2.5", "isl": 8192, "osl": 1024}
QUOTE_URL = "/v1/quotes?model=kimi-k2.5&isl=8192&osl=1024&targets=20,50&hardware=mi355x,b200"
CURVES_URL = "/v1/curves?model=kimi-k2.5&isl=8192&osl=1024&hardware=mi355x"
FRONTIERS_URL = "/v1/frontiers?model=kimi-k2.5&isl=8192&osl=1024&hardware=mi355x"
POINTS_URL = "/v1/points?model=kimi-k2.5&isl=8192&osl=1024&hardware=mi355x&limit=7"
TABLE_URL = f"/v1/pricing/tables/{DEFAULT_PRICING_TABLE}"


# ------------------------------------------------------------------------------ quotes


def test_get_and_post_quote_give_the_same_answer(client: Client) -> None:
    got = client.get(QUOTE_URL + "&top=3")
    posted = client.post(
        "/v1/quotes", json={**KIMI, "targets": [20, 50], "hardware": ["mi355x", "b200"], "top": 3}
    )
    assert got.status_code == posted.status_code == 200
    assert got.content == posted.content
    body = expanded(got.json())
    assert body["assumptions"]["pricing_table"] == DEFAULT_PRICING_TABLE
    assert [t["target_interactivity"] for t in body["targets"]] == [20.0, 50.0]
    for target in body["targets"]:
        assert 1 <= len(target["options"]) <= 3
        for option in target["options"]:
            assert option["hardware"] in {"mi355x", "b200"}
            op = option["operating_point"]
            assert op["interactivity"] >= target["target_interactivity"]
            # $/M tokens = $/GPU-h x 1e6 / (3600 x tok/s/GPU), utilization 1, total basis.
            usd = option["offer"]["usd_per_gpu_hour"] * 1e6 / (3600 * op["tput_per_gpu"])
            assert option["usd_per_million_tokens"] == pytest.approx(usd, rel=1e-12)


def test_post_quote_body_equals_the_cli_json(client: Client, capsysbinary: Any) -> None:
    args = ["--model", "kimi-k2.5", "--isl", "8192", "--osl", "1024", "--top", "4"]
    assert cli_main(["quote", *args, "--target", "20", "--target", "50", "--format", "json"]) == 0
    printed = capsysbinary.readouterr().out
    posted = client.post("/v1/quotes", json={**KIMI, "targets": [20, 50], "top": 4})
    assert posted.status_code == 200
    assert printed == posted.content + b"\n"


def test_mi355x_quote_reads_the_measured_frontier(client: Client) -> None:
    """TP=4 on Mar 26 measured 76.2 tok/s/user at 650 tok/s/GPU (seed_article.md): a 76.2
    target lands on that knot, measured, for the MI355X TP=4 vLLM recipe."""
    body = expanded(client.get(
        "/v1/quotes?model=kimi-k2.5&isl=8192&osl=1024&targets=76.2&hardware=mi355x&top=100"
    ).json())  # fmt: skip
    tp4 = [
        o
        for o in body["targets"][0]["options"]
        if o["recipe"]["framework"] == "vllm" and o["recipe"]["tp"] == 4
    ]
    assert tp4, body
    op = tp4[0]["operating_point"]
    assert (op["method"], op["interactivity"], op["tput_per_gpu"], op["conc"]) == (
        "measured",
        76.2,
        650.0,
        4.0,
    )
    assert {k["date"] for k in op["knots"]} == {"2026-03-26"}


# ------------------------------------------------------------------- caching, HEAD, CSV

CACHED_GETS = [
    QUOTE_URL,
    CURVES_URL,
    FRONTIERS_URL,
    "/v1/catalog",
    POINTS_URL,
    "/v1/pricing/tables",
    TABLE_URL,
    TABLE_URL + "?version=1",
    TABLE_URL + "/versions",
]


@pytest.mark.parametrize("url", CACHED_GETS)
def test_strong_etag_and_304_on_if_none_match(client: Client, url: str) -> None:
    first = client.get(url)
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[^"]+"', etag), "a strong validator (no W/ prefix)"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    listed = client.get(url, headers={"If-None-Match": f'"other", W/{etag}'})
    assert listed.status_code == 304, "If-None-Match compares weakly and takes a list"
    stale = client.get(url, headers={"If-None-Match": '"not-the-current-one"'})
    assert stale.status_code == 200
    assert stale.content == first.content


def test_quote_is_cdn_cacheable_for_a_short_time(client: Client) -> None:
    cache_control = client.get(QUOTE_URL).headers["cache-control"]
    assert "public" in cache_control
    assert re.search(r"max-age=([1-9][0-9]*)", cache_control)


def test_post_quote_ignores_if_none_match(client: Client) -> None:
    """Regression: a matching If-None-Match on POST gave a 304; 304 answers only GET/HEAD."""
    body = {**KIMI, "targets": [20]}
    etag = client.post("/v1/quotes", json=body).headers["etag"]
    again = client.post("/v1/quotes", json=body, headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert again.json()["targets"][0]["target_interactivity"] == 20.0


@pytest.mark.parametrize("url", [*CACHED_GETS, "/healthz", "/docs"])
def test_head_answers_get_headers_without_a_body(client: Client, url: str) -> None:
    got = client.get(url)
    head = client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "content-length", "etag"):
        assert head.headers.get(name) == got.headers.get(name), name


def test_every_api_get_route_takes_head(app: Litestar) -> None:
    """HEAD is implicit for a GET (RFC 9110), but litestar routes it only where declared."""
    routes = [r for r in app.routes if isinstance(r, HTTPRoute) and "GET" in r.methods]
    api = [r for r in routes if r.path.startswith(("/v1/", "/healthz", "/docs"))]
    assert len(api) >= 10
    assert [r.path for r in api if "HEAD" not in r.methods] == []


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.text)))


CSV_COLUMNS = {
    QUOTE_URL: {"target_tok_s_user", "usd_per_million_tokens", "interactivity_tok_s_user",
                "tput_tok_s_gpu", "usd_per_gpu_hour", "usd_per_1k_requests", "ttft_s"},
    CURVES_URL: {"interactivity_tok_s_user", "usd_per_million_tokens", "tput_tok_s_gpu",
                 "usd_per_gpu_hour"},
    FRONTIERS_URL: {"interactivity_tok_s_user", "tput_tok_s_gpu", "conc", "date"},
    POINTS_URL: {"interactivity_tok_s_user", "tput_per_gpu_tok_s", "output_tput_per_gpu_tok_s",
                 "tpot_s", "ttft_s"},
    TABLE_URL: {"hardware", "provider", "kind", "usd_per_gpu_hour"},
}  # fmt: skip


@pytest.mark.parametrize("url", CSV_COLUMNS)
def test_csv_on_accept_with_units_in_the_header(client: Client, url: str) -> None:
    rows = _csv(client.get(url, headers={"Accept": "text/csv"}))
    assert rows
    assert CSV_COLUMNS[url] <= set(rows[0])
    assert _csv(client.get(url + ("&" if "?" in url else "?") + "format=csv")) == rows


def test_points_csv_rows_are_the_json_points(client: Client) -> None:
    page = client.get(POINTS_URL).json()
    rows = _csv(client.get(POINTS_URL, headers={"Accept": "text/csv"}))
    # The article's 12 (Mar 1 TP8, Mar 26 TP8 and TP4) and 2 from InferenceX PR 1633 (May 20).
    assert page["total"] == 14
    tput = [p["tput_per_gpu"] for p in page["points"]]
    assert tput == [28.7, 55.0, 104.8, 191.2, 348.5, 337.0, 521.0]
    assert len(rows) == len(page["points"]) == 7
    for row, point in zip(rows, page["points"], strict=True):
        assert float(row["tput_per_gpu_tok_s"]) == point["tput_per_gpu"]
        assert float(row["interactivity_tok_s_user"]) == point["interactivity"]


def test_unknown_format_is_a_400_naming_it(client: Client) -> None:
    """Regression (schemathesis): ?format= is documented as json|csv; other values were ignored."""
    body = problem(client.get(QUOTE_URL + "&format=xml"), 400)
    assert body["field"] == "format"


# ------------------------------------------------------------------------ HTTP edges


def test_body_over_the_limit_is_a_413_problem(client: Client) -> None:
    body = b'{"model": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = client.post("/v1/quotes", content=body, headers={"Content-Type": "application/json"})
    problem(response, 413)


def test_cors_preflight_allows_gets_from_any_origin(client: Client) -> None:
    response = client.options(
        "/v1/quotes",
        headers={"Origin": "https://widget.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "GET" in response.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in response.headers


def test_cors_get_from_another_origin(client: Client) -> None:
    response = client.get("/v1/catalog", headers={"Origin": "https://widget.example"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert "etag" in response.headers["access-control-expose-headers"].lower()


def test_options_lists_every_method_of_the_path(client: Client) -> None:
    """Regression (schemathesis allow_header_conformance): litestar's automatic OPTIONS handler
    listed only the first handler registered on a path: "OPTIONS, POST" for /v1/quotes."""
    response = client.options("/v1/quotes")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert client.options("/v1/compare").headers["allow"] == "OPTIONS, POST"


def test_unknown_route_is_a_404_problem(client: Client) -> None:
    body = problem(client.get("/v1/nope"), 404)
    assert body["instance"] == "/v1/nope"


# --------------------------------------------------------------------- bad requests


def test_unknown_model_is_a_422_naming_model(client: Client) -> None:
    for response in (
        client.get("/v1/quotes?model=gpt-9&isl=8192&osl=1024&targets=20"),
        client.post("/v1/quotes", json={**KIMI, "model": "gpt-9", "targets": [20]}),
    ):
        body = problem(response, 422)
        assert body["field"] == "model"
        assert "kimi-k2.5" in body["detail"], "the known models are listed"


def test_get_quote_takes_a_demand_and_an_api_price_as_post_does(client: Client) -> None:
    """A link or widget can ask for the monthly bill and the API break-even too. DeepSeek-R1
    8k/1k: its InferenceX rows publish output throughput, which capacity needs."""
    url = "/v1/quotes?model=dsr1&isl=8192&osl=1024&targets=20,50&hardware=mi355x,b200&top=2"
    got = client.get(
        url + "&demand_kind=output_tokens_per_day&demand_value=2e9&api_price=dsr1/deepinfra"
    )
    posted = client.post("/v1/quotes", json={
        "model": "dsr1", "isl": 8192, "osl": 1024, "targets": [20, 50], "hardware": ["mi355x", "b200"], "top": 2,
        "demand": {"kind": "output_tokens_per_day", "value": 2e9}, "api_price": "dsr1/deepinfra",
    })  # fmt: skip
    assert got.status_code == posted.status_code == 200, got.text
    assert got.content == posted.content
    body = expanded(got.json())
    assert body["assumptions"]["demand"] == {"kind": "output_tokens_per_day", "value": 2e9}
    assert body["assumptions"]["api_price"]["id"] == "dsr1/deepinfra"
    best = body["targets"][0]["cheapest"]
    assert best["capacity"]["gpus"] >= 1
    assert best["capacity"]["usd_per_month"] == pytest.approx(
        best["capacity"]["gpus"] * best["offer"]["usd_per_gpu_hour"] * 730, rel=1e-9
    )
    assert best["api_comparison"] is not None
    assert body["targets"][0]["cheapest_for_demand"] is not None


@pytest.mark.parametrize(
    ("query", "status", "field", "detail"),
    [
        # A kind the document does not list breaks the parameter itself (400) ...
        ("&demand_kind=users&demand_value=3", 400, "demand_kind", ""),
        # ... the rules between the two (together; the value's range is its kind's), stated by
        # the document's ``demand`` group, are contradicting fields (422).
        ("&demand_kind=requests_per_s&demand_value=0", 422, "demand_value", ">= 1e-06"),
        ("&demand_kind=requests_per_s", 422, "demand_value", "required with demand_kind"),
        ("&demand_value=3", 422, "demand_kind", "required with demand_value"),
        ("&demand_kind=concurrent_users&demand_value=10.5", 422, "demand_value", "Expected `int`"),
        ("&demand_kind=output_tokens_per_day&demand_value=0.5", 422, "demand_value", ">= 1"),
        ("&api_price=nobody/nothing", 422, "api_price", "nobody/nothing"),
    ],
)
def test_get_quote_demand_and_api_price_errors_name_the_parameter(
    client: Client, query: str, status: int, field: str, detail: str
) -> None:
    body = problem(client.get(QUOTE_URL + query), status)
    assert body["field"] == field
    assert detail in body["detail"]


def test_validation_errors_name_the_field(client: Client) -> None:
    body = problem(client.post("/v1/quotes", json={**KIMI, "targets": [20, -1]}), 400)
    assert body["field"] == "targets[1]"
    body = problem(client.get("/v1/quotes?model=kimi-k2.5&isl=0&osl=1024&targets=20"), 400)
    assert body["field"] == "isl"


@pytest.mark.parametrize("targets", ["0", "20,abc", "20;50", "100001", "1e3", ",".join(["5"] * 51)])
def test_malformed_targets_are_a_400_in_words(client: Client, targets: str) -> None:
    """Regression (schemathesis): ``targets`` is documented with a pattern the server enforces
    exactly; before, "0" or "abc" passed the document's plain string type and the server
    answered a 400 the contract did not predict (or a regex dump)."""
    body = problem(client.get(f"/v1/quotes?model=kimi-k2.5&isl=8192&osl=1024&targets={targets}"), 400)  # fmt: skip
    assert body["field"] == "targets"
    assert "e.g. 20,50,100" in body["detail"]


def test_targets_take_every_documented_spelling(client: Client) -> None:
    """Regression (schemathesis): ".6" matches the documented pattern, but msgspec's string to
    float conversion refused it with a 400."""
    body = client.get("/v1/quotes?model=kimi-k2.5&isl=8192&osl=1024&targets=.6,100000,5.5").json()
    assert [t["target_interactivity"] for t in body["targets"]] == [0.6, 100000.0, 5.5]
    assert body["targets"][1]["options"] == [], "nothing reaches 100000 tok/s/user"


def test_empty_pricing_name_is_a_documented_400(client: Client) -> None:
    """Regression (schemathesis): ``pricing=`` passed the document (no minLength) and failed
    QuoteRequest's min_length=1 with a 400."""
    assert problem(client.get(QUOTE_URL + "&pricing="), 400)["field"] == "pricing"
    spec = client.get("/schema/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/v1/quotes"]["get"]["parameters"]}
    assert params["pricing"]["schema"]["minLength"] == 1


def test_zero_max_ttft_is_rejected_and_documented(client: Client) -> None:
    """Regression (schemathesis): litestar dropped the 0 bound of ``gt=0`` from the document."""
    problem(client.get(QUOTE_URL + "&max_ttft_s=0"), 400)
    spec = client.get("/schema/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/v1/quotes"]["get"]["parameters"]}
    assert params["max_ttft_s"]["schema"]["exclusiveMinimum"] == 0
    targets = spec["components"]["schemas"]["QuoteRequest"]["properties"]["targets"]["items"]
    assert targets["exclusiveMinimum"] == 0


def test_huge_pricing_version_is_a_400_not_a_500(client: Client) -> None:
    """Regression: a version beyond SQLite's integer range reached the store."""
    problem(client.get(QUOTE_URL + "&pricing_version=100000000000000000000"), 400)
    body = {**KIMI, "targets": [20], "pricing_version": 10**20}
    problem(client.post("/v1/quotes", json=body), 400)


def test_compare_selector_matching_several_recipes_lists_them(client: Client) -> None:
    response = client.post(
        "/v1/compare",
        json={
            **KIMI,
            "baseline": {"hardware": "mi355x", "date": "2026-03-26"},
            "candidate": {"hardware": "mi355x", "tp": 8, "date": "2026-03-26"},
        },
    )
    body = problem(response, 422)
    assert body["field"] == "baseline"
    assert "matches 2 recipes" in body["detail"]
    assert "TP4" in body["detail"] and "TP8" in body["detail"]


def test_compare_selector_matching_nothing_lists_the_dates(client: Client) -> None:
    response = client.post(
        "/v1/compare",
        json={
            **KIMI,
            "baseline": {"hardware": "mi355x", "tp": 8, "date": "2026-03-02"},
            "candidate": {"hardware": "mi355x", "tp": 8, "date": "2026-03-26"},
        },
    )
    body = problem(response, 422)
    assert body["field"] == "baseline"
    assert "2026-03-01" in body["detail"] and "2026-03-26" in body["detail"]


@pytest.mark.parametrize(
    "name", ["token_basis", "utilization", "interpolation", "pooling", "extrapolate", "top"]
)
def test_quote_options_document_the_engine_default_and_refuse_null(
    client: Client, name: str
) -> None:
    """A query string cannot send null: the options are documented as plain values with the
    engine's default, and the text "null" is a 400 naming the parameter, not "use the default"."""
    from tco.domain.quote import QuoteRequest

    spec = client.get("/schema/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/v1/quotes"]["get"]["parameters"]}
    default = next(f.default for f in msgspec.structs.fields(QuoteRequest) if f.name == name)
    assert params[name]["schema"]["default"] == default
    assert "null" not in json.dumps(params[name]["schema"])
    assert problem(client.get(QUOTE_URL + f"&{name}=null"), 400)["field"] == name


# ------------------------------------------------------------------ offer filters (issue #18)

POLICY = {
    "pricing": "cloud-public-2026",
    "offer_kinds": ["on_demand", "reserved_1y"],
    "max_price_age_days": 180,
}
POLICY_QUERY = "&pricing=cloud-public-2026&offer_kinds=on_demand,reserved_1y&max_price_age_days=180"
DSR1 = {"model": "dsr1", "isl": 8192, "osl": 1024}


def test_offer_filters_on_get_and_post_quotes_are_byte_identical_and_counted(
    client: Client, service: Any
) -> None:
    """cloud-public-2026 has 65 offers; judged at 2026-12-01: 17 are neither on-demand nor
    1-year reserved, of the rest 8 name no date and 13 are dated more than 180 days before."""
    service.clock = lambda: dt.date(2026, 12, 1)
    got = client.get("/v1/quotes?model=dsr1&isl=8192&osl=1024&targets=20,50&top=3" + POLICY_QUERY)
    posted = client.post("/v1/quotes", json={**DSR1, "targets": [20, 50], "top": 3, **POLICY})
    assert got.status_code == posted.status_code == 200, got.text
    assert got.content == posted.content
    a = got.json()["assumptions"]
    assert a["excluded_offers"] == {"offer_kind": 17, "price_undated": 8, "price_age": 13}
    assert a["offer_filters"] == {
        "offer_kinds": ["on_demand", "reserved_1y"], "providers": None, "regions": None,
        "max_price_age_days": 180, "exclude_placeholder_prices": False,
        "min_commitment_months": None, "max_commitment_months": None,
    }  # fmt: skip
    nested = expanded(got.json())
    listed = [o for t in nested["targets"] for o in t["options"] + t["cheapest_per_hardware"]]
    assert listed
    for option in listed:
        offer = option["offer"]
        assert offer["kind"] in {"on_demand", "reserved_1y"}
        age = dt.date(2026, 12, 1) - dt.date.fromisoformat(offer["source_date"][:10])
        assert age.days <= 180
    unfiltered = client.post(
        "/v1/quotes", json={**DSR1, "targets": [20, 50], "pricing": "cloud-public-2026"}
    )
    assert unfiltered.json()["assumptions"]["excluded_offers"] == {}
    kinds = {
        o["offer"]["kind"]
        for t in expanded(unfiltered.json())["targets"]
        for o in t["cheapest_per_hardware"]
    }
    assert kinds - {"on_demand", "reserved_1y"}  # the filter changed what is ranked


def test_offer_filter_values_are_checked_by_the_schema(client: Client) -> None:
    base = "/v1/quotes?model=dsr1&isl=8192&osl=1024&targets=20"
    assert (
        problem(client.get(base + "&offer_kinds=on_demand,rental"), 400)["field"] == "offer_kinds"
    )
    body = problem(
        client.post("/v1/quotes", json={**DSR1, "targets": [20], "offer_kinds": ["rental"]}), 400
    )
    assert "offer_kinds" in body["detail"]
    problem(client.get(base + "&max_price_age_days=0"), 400)
    problem(
        client.post("/v1/quotes", json={**DSR1, "targets": [20], "max_price_age_days": 36501}), 400
    )
    problem(client.get(base + "&min_commitment_months=-1"), 400)
    # A provider nobody sells is no error: it matches nothing.
    nobody = client.get(base + "&providers=nobody&pricing=cloud-public-2026")
    assert nobody.status_code == 200
    assert nobody.json()["assumptions"]["excluded_offers"] == {"provider": 65}
    assert nobody.json()["targets"][0]["options"] == []  # nothing priced: no cheapest


def test_curves_and_history_take_the_offer_filters(client: Client, service: Any) -> None:
    service.clock = lambda: dt.date(2026, 12, 1)
    curves = client.get("/v1/curves?model=dsr1&isl=8192&osl=1024" + POLICY_QUERY)
    assert curves.status_code == 200, curves.text
    assert curves.json()["excluded_offers"] == {
        "offer_kind": 17,
        "price_undated": 8,
        "price_age": 13,
    }
    spot = client.get(
        "/v1/curves?model=dsr1&isl=8192&osl=1024&pricing=cloud-public-2026&offer_kinds=spot"
    )
    providers = {p["offer_provider"] for c in spot.json()["curves"] for p in c["points"]}
    everything = client.get("/v1/curves?model=dsr1&isl=8192&osl=1024&pricing=cloud-public-2026")
    assert providers and providers != {
        p["offer_provider"] for c in everything.json()["curves"] for p in c["points"]
    }
    history = client.get("/v1/history?model=dsr1&isl=8192&osl=1024&target=20" + POLICY_QUERY)
    assert history.status_code == 200, history.text
    body = history.json()
    assert body["excluded_offers"] == {"offer_kind": 17, "price_undated": 8, "price_age": 13}
    kinds = {p["offer_kind"] for h in body["hardware"] for p in h["points"]}
    assert kinds and kinds <= {"on_demand", "reserved_1y"}


# ------------------------------------------------------------------ view=summary (issue #18)


def test_summary_view_is_small_and_its_cheapest_options_are_the_full_answers(
    client: Client,
) -> None:
    """dsr1 8192/1024 at 20, 50, 100: under 8 KB; each cheapest option the one of the full
    answer (there its recipe, offer, knots and evidence are references: expanded, the same
    values); unreachable and excluded as counts. The full answer itself lists each recipe,
    offer, knot and evidence entry once: 64.7 KB when written, 109.7 KB nested."""
    body = {**DSR1, "targets": [20, 50, 100]}
    full = client.post("/v1/quotes", json=body)
    summary = client.post("/v1/quotes", json={**body, "view": "summary"})
    got = client.get("/v1/quotes?model=dsr1&isl=8192&osl=1024&targets=20,50,100&view=summary")
    assert full.status_code == summary.status_code == got.status_code == 200
    assert got.content == summary.content
    assert len(summary.content) < 8 * 1024 < len(full.content) < 68_000
    compact, whole = (
        msgspec.json.decode(summary.content),
        expanded(msgspec.json.decode(full.content)),
    )
    assert compact["view"] == "summary" and whole["view"] == "full"
    assert compact["assumptions"] == whole["assumptions"]
    assert set(compact["targets"][0]) == {
        "target_interactivity",
        "cheapest",
        "unreachable_total",
        "excluded_total",
    }
    for small, big in zip(compact["targets"], whole["targets"], strict=True):
        assert small["cheapest"] == big["cheapest"]
        assert small["cheapest"] is not None
        assert small["unreachable_total"] == big["unreachable_total"]
        assert small["excluded_total"] == big["excluded_total"]
    # Raw bytes: the cheapest option's recipe is encoded once in the full answer.
    recipe = msgspec.json.encode(whole["targets"][2]["cheapest"]["recipe"])
    assert recipe in summary.content and full.content.count(recipe) == 1
    # 20, 50, 100 tok/s/user: 10, 38, 83 of the measured recipes cannot reach them.
    assert [t["unreachable_total"] for t in compact["targets"]] == [10, 38, 83]


def test_summary_view_as_csv_and_from_the_cli(client: Client, capsysbinary: Any) -> None:
    url = "/v1/quotes?model=dsr1&isl=8192&osl=1024&targets=20,50&view=summary"
    rows = list(csv.DictReader(io.StringIO(client.get(url, headers={"Accept": "text/csv"}).text)))
    assert [(r["target_tok_s_user"], r["rank"]) for r in rows] == [("20.0", "1"), ("50.0", "1")]
    assert cli_main(["quote", "--model", "dsr1", "--isl", "8192", "--osl", "1024", "--target", "20",
                     "--target", "50", "--view", "summary", "--format", "json"]) == 0  # fmt: skip
    printed = capsysbinary.readouterr().out
    assert printed == client.get(url).content + b"\n"


def test_an_unknown_view_is_a_400(client: Client) -> None:
    problem(client.get("/v1/quotes?model=dsr1&isl=8192&osl=1024&targets=20&view=tiny"), 400)
    problem(client.post("/v1/quotes", json={**DSR1, "targets": [20], "view": "tiny"}), 400)


def test_curves_and_history_take_the_framework_filter(client: TestClient[Any]) -> None:
    """The explorer's framework filter narrows every view: curves and history take it too."""
    workload = {"model": "dsr1", "isl": 8192, "osl": 1024}

    def frameworks(answer: dict[str, Any], series: str) -> set[str]:
        return {p["recipe_label"].split()[0] for s in answer[series] for p in s["points"]}

    every = client.get("/v1/curves", params=workload).json()
    sglang = client.get("/v1/curves", params={**workload, "frameworks": "sglang"}).json()
    assert frameworks(every, "curves") == {
        "atom", "dynamo-sglang", "dynamo-trt", "mori-sglang", "sglang", "trt",
    }  # fmt: skip
    assert frameworks(sglang, "curves") == {"sglang"}
    assert len(sglang["curves"]) == 6 < len(every["curves"]) == 9
    history = client.get("/v1/history", params={**workload, "target": 20, "frameworks": "sglang"})
    assert history.status_code == 200, history.text
    assert frameworks(history.json(), "hardware") == {"sglang"}
    unfiltered = client.get("/v1/history", params={**workload, "target": 20}).json()
    assert frameworks(unfiltered, "hardware") > {"sglang"}
