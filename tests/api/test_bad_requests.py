"""A corpus of bad pricing writes: each gets the right 4xx as problem+json naming the field or the
problem, and leaves the store exactly as it was (tables, histories, audit)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tco.shipped_pricing import load_owned_example
from tests.api.pricing_support import AWS_H100, NEBIUS_H200, TABLE, Api, make_api, snapshot

URL = f"/v1/pricing/tables/{TABLE}"
CURRENT = f'"{TABLE}-v2"'  # the fixture's table is at version 2
OWNED_INPUTS = msgspec.to_builtins(load_owned_example().inputs)
CSV_HEADER = "hardware,provider,kind,usd_per_gpu_hour,region,source"


def _offer(**changes: Any) -> dict[str, Any]:
    offer = {**AWS_H100, **changes}
    return {k: v for k, v in offer.items() if v is not ...}


def _create(*offers: dict[str, Any], name: str = "new-table") -> dict[str, Any]:
    return {"name": name, "offers": list(offers)}


@dataclass(frozen=True)
class Bad:
    id: str
    status: int
    field: str | None  # the problem's `field`, exactly
    detail: str  # a part of the problem's `detail`
    method: str = "POST"
    path: str = "/v1/pricing/tables"
    json: Any = None
    content: bytes | None = None
    content_type: str | None = None
    key: str = "editor"  # editor, admin, viewer, none, or a literal key
    headers: dict[str, str] = field(default_factory=dict)


def _csv(*lines: str) -> bytes:
    return "\n".join(lines).encode() + b"\n"


def _put_csv(id: str, status: int, field: str | None, detail: str, body: bytes) -> Bad:
    return Bad(id, status, field, detail, "PUT", URL, content=body, content_type="text/csv",
               headers={"If-Match": CURRENT})  # fmt: skip


def _put(id: str, status: int, field: str | None, detail: str, **kw: Any) -> Bad:
    kw = {"path": URL, "json": {"offers": [AWS_H100]}, "headers": {"If-Match": CURRENT}, **kw}
    return Bad(id, status, field, detail, "PUT", **kw)


AWS_ROW = "h100,AWS,on_demand,6.88,us-east-1,https://aws.amazon.com/ec2/pricing/on-demand/"

CORPUS = [
    # --- malformed bodies and wrong types
    Bad("malformed-json", 400, "body", "malformed JSON", content=b'{"name": "new-table", "offers": [', content_type="application/json"),
    Bad("json-array-not-object", 400, "body", "Expected `object`, got `array`", json=[AWS_H100]),
    Bad("price-as-string", 400, "offers[0].usd_per_gpu_hour", "got `str`", json=_create(_offer(usd_per_gpu_hour="6.88"))),
    Bad("offers-not-a-list", 400, "offers", "Expected `array`", json={"name": "new-table", "offers": {"h100": 6.88}}),
    Bad("name-not-a-string", 400, "name", "Expected `str`", json={"name": 42, "offers": [AWS_H100]}),
    # --- prices
    Bad("negative-price", 400, "offers[0].usd_per_gpu_hour", ">= 1e-06", json=_create(_offer(usd_per_gpu_hour=-2.5))),
    Bad("zero-price", 400, "offers[0].usd_per_gpu_hour", ">= 1e-06", json=_create(_offer(usd_per_gpu_hour=0))),
    Bad("denormal-price", 400, "offers[0].usd_per_gpu_hour", ">= 1e-06", json=_create(_offer(usd_per_gpu_hour=5e-324))),
    Bad("sub-micro-dollar-price", 400, "offers[0].usd_per_gpu_hour", ">= 1e-06", json=_create(_offer(usd_per_gpu_hour=9e-7))),
    _put("denormal-price-put", 400, "offers[0].usd_per_gpu_hour", ">= 1e-06", json={"offers": [_offer(usd_per_gpu_hour=5e-324)]}),
    Bad("nan-price-json", 400, "body", "malformed JSON", content=b'{"name": "new-table", "offers": [{"hardware": "h100", "provider": "AWS", "kind": "on_demand", "usd_per_gpu_hour": NaN, "source": "x"}]}', content_type="application/json"),
    Bad("huge-price", 400, "offers[0].usd_per_gpu_hour", "<= 1000", json=_create(_offer(usd_per_gpu_hour=55040.0))),
    Bad("infinite-price", 400, "offers[0].usd_per_gpu_hour", "out of range", content=b'{"name": "new-table", "offers": [{"hardware": "h100", "provider": "AWS", "kind": "on_demand", "usd_per_gpu_hour": 1e999, "source": "x"}]}', content_type="application/json"),
    Bad("no-price-no-inputs", 422, "offers[0].usd_per_gpu_hour", "required", json=_create(_offer(usd_per_gpu_hour=...))),
    # --- offer fields
    Bad("unknown-hardware", 422, "offers[0].hardware", "unknown hardware 'h1000' (known: b200, b300,", json=_create(_offer(hardware="h1000"))),
    Bad("unknown-hardware-says-how-to-add-it", 422, "offers[0].hardware", "add it with POST /v1/catalog/hardware", json=_create(_offer(hardware="h1000"))),
    Bad("hardware-not-a-key", 400, "offers[0].hardware", "must be a catalog key", json=_create(_offer(hardware="H100 SXM"))),
    Bad("unknown-kind", 400, "offers[0].kind", "one of: on_demand", json=_create(_offer(kind="lease"))),
    Bad("currency-eur", 400, "offers[0].currency", "Invalid enum value 'EUR'", json=_create(_offer(currency="EUR"))),
    Bad("blank-source", 400, "offers[0].source", "must say where the price comes from", json=_create(_offer(source="   "))),
    Bad("missing-source", 400, "offers[0].source", "missing required field `source`", json=_create(_offer(source=...))),
    Bad("padded-provider", 400, "offers[0].provider", "spaces at either end", json=_create(_offer(provider="AWS "))),
    Bad("newline-after-region", 400, "offers[0].region", "without control characters", json=_create(_offer(region="us-east-1\n"))),
    Bad("bad-iso-date", 400, "offers[0].effective_from", "Invalid RFC3339 encoded date", json=_create(_offer(effective_from="2026-13-01"))),
    Bad("impossible-source-date", 422, "offers[0].source_date", "'2026-02-30' is not a calendar date", json=_create(_offer(source_date="2026-02-30"))),
    Bad("misspelled-field", 400, "offers[0].usd_per_gpu_hr", "unknown field `usd_per_gpu_hr`", json=_create({**AWS_H100, "usd_per_gpu_hr": 6.88})),
    Bad("empty-offers", 400, "offers", "length >= 1", json=_create()),
    Bad("duplicate-offers", 422, "offers[2]", "duplicates offers[0]", json=_create(AWS_H100, NEBIUS_H200, _offer(usd_per_gpu_hour=6.5, notes="cheaper, same offer"))),
    Bad("owned-inputs-on-rented", 422, "offers[0].owned_inputs", "only an offer of kind 'owned'", json=_create(_offer(usd_per_gpu_hour=..., owned_inputs=OWNED_INPUTS))),
    Bad("price-contradicts-inputs", 422, "offers[0].usd_per_gpu_hour", "disagrees with the", json=_create(_offer(kind="owned", usd_per_gpu_hour=1.0, owned_inputs=OWNED_INPUTS))),
    Bad("owned-inputs-out-of-range", 400, "offers[0].owned_inputs.pue", ">= 1", json=_create(_offer(kind="owned", usd_per_gpu_hour=..., owned_inputs={**OWNED_INPUTS, "pue": 0.5}))),
    # --- names
    Bad("sql-injection-name", 400, "name", "lower-case slug", json=_create(AWS_H100, name="acme'; DROP TABLE offer;--")),
    Bad("path-traversal-name", 400, "name", "lower-case slug", json=_create(AWS_H100, name="../../etc/passwd")),
    Bad("upper-case-name", 400, "name", "lower-case slug", json=_create(AWS_H100, name="Acme-Q4")),
    Bad("name-too-long", 400, "name", "lower-case slug", json=_create(AWS_H100, name="a" * 65)),
    Bad("newline-after-name", 400, "name", "lower-case slug", json=_create(AWS_H100, name="acme\n")),
    Bad("injection-in-path", 400, "name", "matching regex", method="PUT", path="/v1/pricing/tables/acme%27%3B%20DROP%20TABLE%20offer%3B--", json={"offers": [AWS_H100]}, headers={"If-Match": CURRENT}),
    Bad("script-in-path", 400, "name", "matching regex", method="DELETE", path="/v1/pricing/tables/%3Cscript%3Ealert(1)%3C%5Cscript%3E", key="admin", headers={"If-Match": CURRENT}),
    Bad("existing-name", 409, "name", "already exists", json=_create(AWS_H100, name=TABLE)),
    # --- size and media type
    Bad("oversized-body", 413, "body", "1048576-byte limit", content=b'{"name": "new-table", "offers": [' + b" " * (1 << 20) + b"]}", content_type="application/json"),
    Bad("text-plain", 415, "Content-Type", "'text/plain' is not accepted", content=b"h100 AWS 6.88", content_type="text/plain"),
    Bad("csv-on-create", 415, "Content-Type", "send application/json", content=_csv(CSV_HEADER, AWS_ROW), content_type="text/csv"),
    # --- CSV
    _put_csv("csv-unclosed-quote", 422, "body", "malformed CSV at line 2", _csv(CSV_HEADER, 'h100,AWS,on_demand,6.88,us-east-1,"unterminated')),
    _put_csv("csv-unknown-column", 422, "price", "unknown CSV column", _csv("hardware,provider,kind,price,source", "h100,AWS,on_demand,6.88,x")),
    _put_csv("csv-missing-source-column", 422, "source", "required CSV column missing", _csv("hardware,provider,kind,usd_per_gpu_hour", "h100,AWS,on_demand,6.88")),
    _put_csv("csv-short-row", 422, "offers[0].row", "line 2 has 5 cells, the header 6", _csv(CSV_HEADER, "h100,AWS,on_demand,6.88,us-east-1")),
    _put_csv("csv-comma-decimal", 422, "offers[1].row", "line 3 has 7 cells, the header 6", _csv(CSV_HEADER, AWS_ROW, "h200,Nebius,on_demand,4,50,,x")),
    _put_csv("csv-price-in-words", 422, "offers[1].usd_per_gpu_hour", "got `str` (line 3)", _csv(CSV_HEADER, AWS_ROW, "h200,Nebius,on_demand,four,,x")),
    _put_csv("csv-nan-price", 422, "offers[0].usd_per_gpu_hour", ">= 1e-06", _csv(CSV_HEADER, "h100,AWS,on_demand,nan,us-east-1,x")),
    _put_csv("csv-denormal-price", 422, "offers[0].usd_per_gpu_hour", ">= 1e-06", _csv(CSV_HEADER, "h100,AWS,on_demand,1e-320,us-east-1,x")),
    _put_csv("csv-not-utf8", 400, "body", "CSV must be UTF-8", CSV_HEADER.encode() + b"\nh100,Cru\xe7oe,on_demand,2.0,,x\n"),
    _put_csv("csv-header-only", 422, "offers", "a header but no offer rows", _csv(CSV_HEADER)),
    _put_csv("csv-duplicate-rows", 422, "offers[1]", "duplicates offers[0]", _csv(CSV_HEADER, AWS_ROW, AWS_ROW.replace("6.88", "6.5"))),
    # --- preconditions
    _put("missing-if-match", 428, "If-Match", "If-Match: required", headers={}),
    _put("stale-if-match", 412, "If-Match", "at version 2, not the expected version 1", headers={"If-Match": f'"{TABLE}-v1"'}),
    _put("malformed-if-match", 400, "If-Match", "is not a pricing table ETag", headers={"If-Match": "v2"}),
    _put("weak-if-match", 400, "If-Match", "is not a pricing table ETag", headers={"If-Match": f'W/"{TABLE}-v2"'}),
    _put("other-tables-etag", 412, "If-Match", "is an ETag of table 'other'", headers={"If-Match": '"other-v1"'}),
    _put("unknown-table", 404, "name", "does not exist", path="/v1/pricing/tables/nope", headers={"If-Match": '"nope-v1"'}),
    _put("description-twice", 422, "description", "given in both the query and the body", json={"description": "a", "offers": [AWS_H100]}, path=f"{URL}?description=b"),
    Bad("delete-without-if-match", 428, "If-Match", "If-Match: required", method="DELETE", path=URL, key="admin"),
    Bad("delete-stale", 412, "If-Match", "at version 2, not the expected version 1", method="DELETE", path=URL, key="admin", headers={"If-Match": f'"{TABLE}-v1"'}),
    # --- keys and roles
    Bad("no-key", 401, "X-API-Key", "needs an API key", key="none", json=_create(AWS_H100)),
    Bad("wrong-key", 401, "X-API-Key", "does not hold an active API key", key="tco_bm90LWEta2V5LWp1c3QtYS1ndWVzcy1hdC1vbmU", json=_create(AWS_H100)),
    Bad("viewer-writes", 403, "X-API-Key", "key 'viewer-key' has role viewer", key="viewer", json=_create(AWS_H100)),
    _put("viewer-replaces", 403, "X-API-Key", "needs role editor", key="viewer"),
    Bad("editor-deletes", 403, "X-API-Key", "needs role admin", method="DELETE", path=URL, headers={"If-Match": CURRENT}),
]  # fmt: skip


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with make_api(tmp_path) as api:
        etag = api.create()
        response = api.client.put(
            URL, json={"offers": [AWS_H100]}, headers=api.headers(api.editor, **{"If-Match": etag})
        )
        assert response.status_code == 200
        api.create("other")
        yield api


def test_the_corpus_is_large_and_covers_every_problem_status() -> None:
    assert len(CORPUS) >= 25
    assert len({c.id for c in CORPUS}) == len(CORPUS)
    assert {c.status for c in CORPUS} == {400, 401, 403, 404, 409, 412, 413, 415, 422, 428}


@pytest.mark.parametrize("bad", CORPUS, ids=[c.id for c in CORPUS])
def test_a_bad_request_gets_a_problem_naming_it_and_changes_nothing(api: Api, bad: Bad) -> None:
    keys = {"editor": api.editor, "admin": api.admin, "viewer": api.viewer, "none": None}
    key = keys.get(bad.key, bad.key)
    headers = {**bad.headers, **({"X-API-Key": key} if key else {})}
    if bad.content_type:
        headers["Content-Type"] = bad.content_type
    before = snapshot(api.store, TABLE, "other", "new-table")

    response = api.client.request(
        bad.method, bad.path, json=bad.json, content=bad.content, headers=headers
    )

    assert response.status_code == bad.status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == bad.status
    assert problem["field"] == bad.field
    assert bad.detail in problem["detail"]
    assert snapshot(api.store, TABLE, "other", "new-table") == before


def test_every_bad_csv_row_is_listed_with_its_index(api: Api) -> None:
    body = _csv(
        CSV_HEADER,
        AWS_ROW,
        "h200,Nebius,on_demand,-4.5,,x",
        "h9000,Nebius,on_demand,4.5,,x",
        "b200,RunPod,on_demand,5.98,,   ",
    )
    response = api.client.put(
        URL,
        content=body,
        headers=api.headers(api.editor, **{"If-Match": CURRENT, "Content-Type": "text/csv"}),
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors_total"] == 3
    assert [(e["index"], e["field"]) for e in problem["errors"]] == [
        (1, "usd_per_gpu_hour"),
        (2, "hardware"),
        (3, "source"),
    ]
    assert problem["detail"].endswith("(3 rows are invalid)")
