"""Pricing table writes over HTTP: create, replace (JSON and CSV) with If-Match, delete, old
versions, history summaries, owned-TCO offers, and quotes pinned to an old version."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tco.domain.owned import owned_usd_per_gpu_hour
from tco.domain.quote_full import expanded
from tco.shipped_pricing import load_owned_example, load_shipped_tables
from tests.api.pricing_support import (
    AWS_H100,
    NEBIUS_H200,
    RUNPOD_B200,
    TABLE,
    Api,
    make_api,
    snapshot,
)
from tests.api.problems import problem

URL = f"/v1/pricing/tables/{TABLE}"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with make_api(tmp_path) as api:
        yield api


def test_create_answers_201_with_etag_location_and_the_table(api: Api) -> None:
    body = {"name": TABLE, "description": "Acme Q4", "offers": [AWS_H100, NEBIUS_H200]}
    response = api.client.post(
        "/v1/pricing/tables",
        json=body,
        headers=api.headers(api.editor, **{"X-Request-ID": "req-create-1"}),
    )
    assert response.status_code == 201
    assert response.headers["etag"] == f'"{TABLE}-v1"'
    assert response.headers["location"] == URL
    assert response.headers["x-request-id"] == "req-create-1"
    table = response.json()
    assert (table["name"], table["version"], table["created_by"]) == (TABLE, 1, "editor-key")
    assert [o["usd_per_gpu_hour"] for o in table["offers"]] == [6.88, 4.5]
    assert table["offers"][0]["region"] == "us-east-1"
    assert table["offers"][1]["region"] is None
    # GET answers the same representation with the same ETag.
    read = api.client.get(URL)
    assert read.headers["etag"] == f'"{TABLE}-v1"'
    assert read.json() == table
    audit = api.store.list_audit(limit=1)[0]
    assert (audit.actor, audit.request_id, audit.action) == (
        "editor-key",
        "req-create-1",
        "pricing.create",
    )
    assert audit.summary == {"version": 1, "offer_count": 2, "added": 2, "removed": 0, "changed": 0}


def test_replace_with_the_current_etag_makes_version_2_and_keeps_version_1(api: Api) -> None:
    etag = api.create()
    cheaper = {**AWS_H100, "usd_per_gpu_hour": 5.5}
    response = api.client.put(
        URL,
        json={"offers": [cheaper, NEBIUS_H200]},
        headers=api.headers(api.editor, **{"If-Match": etag, "X-Request-ID": "req-put"}),
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == f'"{TABLE}-v2"'
    assert response.json()["version"] == 2
    assert response.json()["description"] == "Acme Q4"  # omitted: kept
    latest = api.client.get(URL)
    assert latest.headers["etag"] == f'"{TABLE}-v2"'
    assert latest.json()["offers"][0]["usd_per_gpu_hour"] == 5.5
    old = api.client.get(URL, params={"version": 1})
    assert old.status_code == 200
    assert old.headers["etag"] == f'"{TABLE}-v1"'
    assert old.json()["offers"][0]["usd_per_gpu_hour"] == 6.88
    audit = api.store.list_audit(limit=1)[0]
    assert (audit.actor, audit.request_id, audit.action, audit.target) == (
        "editor-key",
        "req-put",
        "pricing.replace",
        f"pricing_table:{TABLE}@2",
    )
    assert audit.summary == {"version": 2, "offer_count": 2, "added": 0, "removed": 0, "changed": 1}


def test_replace_with_a_stale_etag_is_412_and_changes_nothing(api: Api) -> None:
    first = api.create()
    ok = api.client.put(
        URL, json={"offers": [RUNPOD_B200]}, headers=api.headers(api.editor, **{"If-Match": first})
    )
    assert ok.status_code == 200
    before = api.store.list_versions(TABLE)
    stale = api.client.put(
        URL, json={"offers": [AWS_H100]}, headers=api.headers(api.editor, **{"If-Match": first})
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith("application/problem+json")
    problem = stale.json()
    assert problem["field"] == "If-Match"
    assert "at version 2, not the expected version 1" in problem["detail"]
    assert api.store.list_versions(TABLE) == before
    assert api.client.get(URL).json()["offers"][0]["hardware"] == "b200"


def test_a_table_read_as_json_edited_and_put_back_makes_the_next_version(api: Api) -> None:
    api.create()
    read = api.client.get(URL)
    body = read.json()
    assert set(body) == {"name", "version", "description", "offers", "created_at", "created_by"}
    body["offers"][0]["usd_per_gpu_hour"] = 6.2
    put = api.client.put(
        URL, json=body, headers=api.headers(api.editor, **{"If-Match": read.headers["etag"]})
    )
    assert put.status_code == 200, put.text
    assert put.headers["etag"] == f'"{TABLE}-v2"'
    table = api.store.get_table(TABLE)
    assert (table.name, table.version, table.description) == (TABLE, 2, "Acme Q4")
    assert [o.usd_per_gpu_hour for o in table.offers] == [6.2, 4.5]
    assert table.created_by == "editor-key"
    assert table.created_at is not None and table.created_at.isoformat() != body["created_at"]


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("name", "other-table", "'other-table' is not this table ('acme-q4')"),
        ("version", 7, "7 is not the version If-Match names (1)"),
    ],
)
def test_a_read_only_field_sent_back_changed_is_422_naming_it(
    api: Api, field: str, value: object, says: str
) -> None:
    etag = api.create()
    body = {**api.client.get(URL).json(), field: value}
    before = snapshot(api.store, TABLE)
    put = api.client.put(URL, json=body, headers=api.headers(api.editor, **{"If-Match": etag}))
    answer = problem(put, 422)
    assert answer["field"] == field
    assert answer["detail"] == f"{field}: {says} (read-only: it cannot be changed by a PUT)"
    assert snapshot(api.store, TABLE) == before


def test_if_none_match_revalidates_with_304(api: Api) -> None:
    etag = api.create()
    assert api.client.get(URL, headers={"If-None-Match": etag}).status_code == 304
    api.client.put(
        URL, json={"offers": [AWS_H100]}, headers=api.headers(api.editor, **{"If-Match": etag})
    )
    changed = api.client.get(URL, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] == f'"{TABLE}-v2"'
    as_csv = api.client.get(URL, headers={"Accept": "text/csv"})
    assert as_csv.headers["etag"] == f'"{TABLE}-v2.csv"'  # a distinct representation
    assert (
        api.client.get(
            URL, headers={"Accept": "text/csv", "If-None-Match": as_csv.headers["etag"]}
        ).status_code
        == 304
    )


def test_delete_needs_admin_leaves_old_versions_readable_and_the_name_reusable(api: Api) -> None:
    etag = api.create()
    api.client.put(
        URL, json={"offers": [AWS_H100]}, headers=api.headers(api.editor, **{"If-Match": etag})
    )
    response = api.client.delete(
        URL, headers=api.headers(api.admin, **{"If-Match": f'"{TABLE}-v2"'})
    )
    assert response.status_code == 204
    assert response.headers["x-pricing-version"] == "3"
    gone = api.client.get(URL)
    assert gone.status_code == 404
    assert "was deleted (version 3)" in gone.json()["detail"]
    assert TABLE not in [t["name"] for t in api.client.get("/v1/pricing/tables").json()]
    assert (
        api.client.get(URL, params={"version": 1}).json()["offers"][0]["usd_per_gpu_hour"] == 6.88
    )
    assert len(api.client.get(URL, params={"version": 2}).json()["offers"]) == 1
    history = api.client.get(f"{URL}/versions").json()
    assert [(v["version"], v["deleted"], v["created_by"]) for v in history] == [
        (1, False, "editor-key"),
        (2, False, "editor-key"),
        (3, True, "admin-key"),
    ]
    assert history[2]["summary"]["removed"] == 1
    # Writes against the deleted table are 404, and the name can be created again: version 4.
    put = api.client.put(
        URL,
        json={"offers": [AWS_H100]},
        headers=api.headers(api.editor, **{"If-Match": f'"{TABLE}-v3"'}),
    )
    assert put.status_code == 404
    assert api.create() == f'"{TABLE}-v4"'


def test_history_summaries_count_added_removed_changed_exactly(api: Api) -> None:
    etag = api.create(offers=[AWS_H100, NEBIUS_H200, RUNPOD_B200])
    cheaper_h100 = {**AWS_H100, "usd_per_gpu_hour": 6.0}
    gcp_spot = {
        "hardware": "h100",
        "provider": "GCP",
        "kind": "spot",
        "usd_per_gpu_hour": 6.571,
        "region": "us-central1",
        "source": "tgarg01/silybench-data derived/csv/gpu_prices.csv",
        "source_date": "2026-09-26",
    }
    # h100 AWS changed, h200 Nebius removed, b200 RunPod unchanged, h100 GCP spot added.
    response = api.client.put(
        URL,
        json={"description": "after negotiation", "offers": [cheaper_h100, RUNPOD_B200, gcp_spot]},
        headers=api.headers(api.editor, **{"If-Match": etag, "X-Request-ID": "req-v2"}),
    )
    assert response.status_code == 200
    v1, v2 = api.client.get(f"{URL}/versions").json()
    assert v1["summary"] == {
        "offer_count": 3,
        "added": 3,
        "removed": 0,
        "changed": 0,
        "unchanged": 0,
        "added_offers": [
            {"hardware": "h100", "provider": "AWS", "kind": "on_demand", "region": "us-east-1"},
            {"hardware": "h200", "provider": "Nebius", "kind": "on_demand", "region": None},
            {"hardware": "b200", "provider": "RunPod", "kind": "on_demand", "region": None},
        ],
        "removed_offers": [],
        "changed_offers": [],
    }
    assert (v2["description"], v2["created_by"], v2["request_id"]) == (
        "after negotiation",
        "editor-key",
        "req-v2",
    )
    summary = v2["summary"]
    assert (
        summary["offer_count"],
        summary["added"],
        summary["removed"],
        summary["changed"],
        summary["unchanged"],
    ) == (3, 1, 1, 1, 1)
    assert summary["added_offers"] == [
        {"hardware": "h100", "provider": "GCP", "kind": "spot", "region": "us-central1"}
    ]
    assert summary["removed_offers"] == [
        {"hardware": "h200", "provider": "Nebius", "kind": "on_demand", "region": None}
    ]
    assert summary["changed_offers"] == [
        {"hardware": "h100", "provider": "AWS", "kind": "on_demand", "region": "us-east-1"}
    ]


# ---------------------------------------------------------------------------------- CSV

TRICKY = {
    "hardware": "mi355x",
    "provider": "Crusoe — spot desk, EU",
    "kind": "reserved_1y",
    "usd_per_gpu_hour": 1 / 3,  # needs all 17 significant digits to round-trip
    "region": "eu-west-2",
    "effective_from": "2026-10-01",
    "source": 'quote #4711, "final"',
    "source_date": "undated (2026)",
    "notes": "ünïcode; two\nlines, a comma",
}


def _put_csv(api: Api, body: str | bytes, etag: str, **params: str) -> Any:
    return api.client.put(
        URL,
        content=body,
        params=params,
        headers=api.headers(api.editor, **{"If-Match": etag, "Content-Type": "text/csv"}),
    )


def test_csv_round_trip_through_a_spreadsheet_changes_nothing(api: Api) -> None:
    api.create(offers=[AWS_H100, NEBIUS_H200, TRICKY])
    exported = api.client.get(URL, headers={"Accept": "text/csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["usd_per_gpu_hour"] for r in rows] == ["6.88", "4.5", "0.3333333333333333"]
    assert rows[2]["notes"] == "ünïcode; two\nlines, a comma"
    assert rows[1]["region"] == ""

    response = _put_csv(api, exported.content, exported.headers["etag"])
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    v1, v2 = api.store.get_table(TABLE, 1), api.store.get_table(TABLE, 2)
    assert v2.offers == v1.offers
    assert v2.description == v1.description
    summary = api.store.list_versions(TABLE)[1].summary
    assert (summary.added, summary.removed, summary.changed, summary.unchanged) == (0, 0, 0, 3)
    again = api.client.get(URL, headers={"Accept": "text/csv"})
    assert again.content == exported.content


def test_csv_edit_in_a_spreadsheet_changes_one_price_and_the_description(api: Api) -> None:
    etag = api.create()
    exported = api.client.get(URL, headers={"Accept": "text/csv"}).text
    edited = exported.replace(",6.88,", ",6.2,")
    bom = "\ufeff"  # Excel's "CSV UTF-8" starts with a byte-order mark
    response = _put_csv(api, (bom + edited).encode(), etag, description="after the Q4 call")
    assert response.status_code == 200, response.text
    table = api.store.get_table(TABLE)
    assert [o.usd_per_gpu_hour for o in table.offers] == [6.2, 4.5]
    assert table.description == "after the Q4 call"
    summary = api.store.list_versions(TABLE)[1].summary
    assert (summary.added, summary.removed, summary.changed, summary.unchanged) == (0, 0, 1, 1)


def test_shipped_offers_have_distinct_identities() -> None:
    """A table with two offers of one (hardware, provider, kind, region) could not be written
    back through the API, which rejects duplicates."""
    for table in load_shipped_tables():
        keys = [(o.hardware, o.provider, o.kind, o.region) for o in table.offers]
        assert len(keys) == len(set(keys)), table.name


@pytest.mark.parametrize("name", [t.name for t in load_shipped_tables()])
def test_every_shipped_table_round_trips_as_csv_and_as_json(api: Api, name: str) -> None:
    url = f"/v1/pricing/tables/{name}"
    seeded = api.store.get_table(name)
    exported = api.client.get(url, headers={"Accept": "text/csv"})
    put = api.client.put(
        url,
        content=exported.content,
        headers=api.headers(
            api.editor, **{"If-Match": exported.headers["etag"], "Content-Type": "text/csv"}
        ),
    )
    assert put.status_code == 200, put.text
    as_json = api.client.get(url).json()
    put = api.client.put(
        url,
        json={"offers": as_json["offers"]},
        headers=api.headers(api.editor, **{"If-Match": f'"{name}-v2"'}),
    )
    assert put.status_code == 200, put.text
    assert api.store.get_table(name, 2).offers == seeded.offers
    assert api.store.get_table(name, 3).offers == seeded.offers


# ---------------------------------------------------------------------------- owned TCO


def test_an_owned_offer_with_tco_inputs_is_priced_from_them(api: Api) -> None:
    example = load_owned_example()
    expected = owned_usd_per_gpu_hour(example.inputs).total_usd_per_gpu_hour
    owned = {
        "hardware": "h100",
        "provider": "Acme DC (owned)",
        "kind": "owned",
        "source": "pricing/owned-example.csv",
        # JSON has one number type: 8.0 GPUs per server is the integer 8.
        "owned_inputs": {**msgspec.to_builtins(example.inputs), "gpus_per_server": 8.0},
    }
    etag = api.create(offers=[owned, AWS_H100])
    table = api.client.get(URL).json()
    assert table["offers"][0]["usd_per_gpu_hour"] == expected
    assert table["offers"][0]["owned_inputs"]["pue"] == example.inputs.pue
    assert api.store.get_table(TABLE).offers[0].owned_inputs == example.inputs
    exported = api.client.get(URL, headers={"Accept": "text/csv"}).text
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows[0]["usd_per_gpu_hour"] == ""  # computed from the inputs, as in pricing/*.csv
    assert float(rows[0]["pue"]) == example.inputs.pue
    assert rows[1]["pue"] == ""
    # A longer life lowers the computed price; the CSV carries the edit.
    longer = exported.replace(f",{example.inputs.lifetime_years},", ",6.0,", 1)
    assert _put_csv(api, longer, etag).status_code == 200
    new_price = api.store.get_table(TABLE).offers[0].usd_per_gpu_hour
    assert (
        new_price
        == owned_usd_per_gpu_hour(
            msgspec.structs.replace(example.inputs, lifetime_years=6.0)
        ).total_usd_per_gpu_hour
    )
    assert new_price < expected


# ------------------------------------------------------------------------------- quotes


@pytest.fixture
def api_with_benchmarks(tmp_path: Path) -> Iterator[Api]:
    with make_api(tmp_path, shipped_data=True) as api:
        yield api


def test_a_quote_pinned_to_an_old_version_returns_the_old_answer(api_with_benchmarks: Api) -> None:
    api = api_with_benchmarks
    etag = api.create(offers=[NEBIUS_H200])
    request = {
        "model": "dsr1",
        "isl": 8192,
        "osl": 1024,
        "targets": [30],
        "pricing": TABLE,
        "top": 1,
    }

    def cheapest(**extra: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        response = api.client.post("/v1/quotes", json={**request, **extra})
        assert response.status_code == 200, response.text
        answer = expanded(response.json())
        return answer["assumptions"], answer["targets"][0]["options"][0]

    assumptions, before = cheapest()
    assert (assumptions["pricing_table"], assumptions["pricing_version"]) == (TABLE, 1)
    assert before["offer"]["usd_per_gpu_hour"] == 4.5
    doubled = {**NEBIUS_H200, "usd_per_gpu_hour": 9.0}
    assert (
        api.client.put(
            URL, json={"offers": [doubled]}, headers=api.headers(api.editor, **{"If-Match": etag})
        ).status_code
        == 200
    )

    assumptions, latest = cheapest()
    assert (assumptions["pricing_table"], assumptions["pricing_version"]) == (TABLE, 2)
    assert latest["usd_per_million_tokens"] == pytest.approx(
        2 * before["usd_per_million_tokens"], rel=1e-12
    )
    assumptions, pinned = cheapest(pricing_version=1)
    assert (assumptions["pricing_table"], assumptions["pricing_version"]) == (TABLE, 1)
    assert pinned == before
    # The cacheable GET form pins the same way.
    query = {
        "model": "dsr1",
        "isl": 8192,
        "osl": 1024,
        "targets": "30",
        "pricing": TABLE,
        "pricing_version": 1,
        "top": 1,
    }
    via_get = expanded(api.client.get("/v1/quotes", params=query).json())
    assert via_get["targets"][0]["options"][0] == before
