"""GET /v1/quotes serves encoded answers from a cache keyed on the dataset version and the
pricing table version: repeated requests are cheap, and an edit is never served stale."""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from litestar.testing import TestClient

from tco.domain.quote_full import expanded
from tco.store import Store

QUERY = {"model": "dsr1", "isl": 8192, "osl": 1024, "targets": "50", "pricing": "cloud-public-2026"}


def test_price_edit_changes_the_cached_get_answer(
    client: TestClient[Any], store: Store, editor_key: str
) -> None:
    first = client.get("/v1/quotes", params=QUERY)
    assert first.status_code == 200
    best = expanded(first.json())["targets"][0]["cheapest"]
    hardware, price = best["hardware"], best["offer"]["usd_per_gpu_hour"]
    assert client.get("/v1/quotes", params=QUERY).content == first.content  # served again

    table = store.get_table("cloud-public-2026")
    cheaper = client.get("/v1/pricing/tables/cloud-public-2026").json()
    for offer in cheaper["offers"]:
        if offer["hardware"] == hardware and offer["usd_per_gpu_hour"] == price:
            offer["usd_per_gpu_hour"] = price / 2
    put = client.put(
        "/v1/pricing/tables/cloud-public-2026",
        json={"description": cheaper["description"], "offers": cheaper["offers"]},
        headers={"X-API-Key": editor_key, "If-Match": f'"cloud-public-2026-v{table.version}"'},
    )
    assert put.status_code == 200, put.text

    after = client.get("/v1/quotes", params=QUERY)
    assert after.json()["assumptions"]["pricing_version"] == table.version + 1
    new_best = expanded(after.json())["targets"][0]["cheapest"]
    assert new_best["offer"]["usd_per_gpu_hour"] == price / 2
    assert new_best["usd_per_million_tokens"] * 2 == best["usd_per_million_tokens"]
    assert after.headers["etag"] != first.headers["etag"]
    # The old version is still quotable, and answers as before.
    pinned = client.get("/v1/quotes", params={**QUERY, "pricing_version": table.version})
    assert pinned.json()["targets"] == first.json()["targets"]


def test_gzip_variant_has_its_own_etag_and_revalidates(client: TestClient[Any]) -> None:
    plain = client.get("/v1/quotes", params=QUERY, headers={"Accept-Encoding": "identity"})
    zipped = client.get("/v1/quotes", params=QUERY, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert zipped.content == plain.content  # the client decodes the gzip body
    assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    assert "Accept-Encoding" in zipped.headers["vary"]
    again = client.get(
        "/v1/quotes",
        params=QUERY,
        headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["etag"]},
    )
    assert again.status_code == 304
    # The identity ETag does not validate the gzip bytes.
    other = client.get(
        "/v1/quotes",
        params=QUERY,
        headers={"Accept-Encoding": "gzip", "If-None-Match": plain.headers["etag"]},
    )
    assert other.status_code == 200
    assert len(gzip.compress(plain.content)) < len(plain.content) / 5


def test_the_cache_key_is_the_query_string_and_never_holds_an_error(
    client: TestClient[Any],
) -> None:
    """Two spellings of one query are two entries with the same bytes; a query that fails is
    answered with its problem every time, never from the cache."""
    base = "/v1/quotes?model=dsr1&isl=8192&osl=1024&targets=50&pricing=cloud-public-2026"
    one = client.get(base + "&top=2")
    other = client.get(base.replace("targets=50&", "") + "&top=2&targets=50.0")
    assert one.status_code == other.status_code == 200
    assert one.content == other.content
    assert one.headers["etag"] == other.headers["etag"]
    bad = base + "&hardware=no-such-gpu"
    for _ in range(2):
        response = client.get(bad)
        assert response.status_code == 422
        assert response.json()["field"] == "hardware"
    # The same query as CSV is its own representation.
    as_csv = client.get(base + "&top=2", headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["etag"] != one.headers["etag"]


CHART = {"model": "dsr1", "isl": 8192, "osl": 1024, "pricing": "cloud-public-2026"}


def _halve_prices(client: TestClient[Any], store: Store, editor_key: str) -> None:
    table = store.get_table("cloud-public-2026")
    cheaper = client.get("/v1/pricing/tables/cloud-public-2026").json()
    for offer in cheaper["offers"]:
        offer["usd_per_gpu_hour"] = offer["usd_per_gpu_hour"] / 2
    put = client.put(
        "/v1/pricing/tables/cloud-public-2026",
        json={"description": cheaper["description"], "offers": cheaper["offers"]},
        headers={"X-API-Key": editor_key, "If-Match": f'"cloud-public-2026-v{table.version}"'},
    )
    assert put.status_code == 200, put.text


def test_curves_and_history_are_cached_and_a_price_edit_is_never_served_stale(
    client: TestClient[Any], store: Store, editor_key: str
) -> None:
    from tco.api.reads import CHART_REPRESENTATIONS

    reads = {"/v1/curves": CHART, "/v1/history": {**CHART, "target": 50}}
    first = {path: client.get(path, params=params) for path, params in reads.items()}
    for path, params in reads.items():
        assert first[path].status_code == 200, first[path].text
        held = len(CHART_REPRESENTATIONS)
        again = client.get(path, params=params)
        assert again.content == first[path].content
        assert again.headers["etag"] == first[path].headers["etag"]
        assert len(CHART_REPRESENTATIONS) == held  # served from the cache, nothing added

    _halve_prices(client, store, editor_key)

    curve = client.get("/v1/curves", params=CHART).json()["curves"][0]["points"][0]
    old_curve = first["/v1/curves"].json()["curves"][0]["points"][0]
    assert curve["usd_per_million_tokens"] * 2 == pytest.approx(old_curve["usd_per_million_tokens"])
    point = client.get("/v1/history", params=reads["/v1/history"]).json()["hardware"][0]["points"][
        0
    ]
    old_point = first["/v1/history"].json()["hardware"][0]["points"][0]
    assert point["usd_per_million_tokens"] * 2 == pytest.approx(old_point["usd_per_million_tokens"])
