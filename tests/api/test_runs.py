"""POST/GET/DELETE /v1/runs through the real app (in-process), with the shipped benchmark files
(copies in benchmarks/) in every format: what is stored, what a re-post does, what bad input
gets, and that a failed ingest changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import msgspec
import pytest
from litestar.testing import TestClient

from tco.api.app import create_app
from tco.api.runs import RunFormat
from tco.app.live import LiveService, service_from_store
from tco.ingest import FORMATS, parse
from tco.ingest.shipped import RUNNER_AGG_DATE, load_shipped_points
from tco.store import Role, Store
from tests.api.problems import problem

Client = TestClient[Any]
ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "benchmarks"
FIXTURES = ROOT / "tests" / "fixtures" / "ingest"
API_BYTES = (BENCHMARKS / "inferencex_api_dsr1_latest.json").read_bytes()
BLOG_BYTES = (BENCHMARKS / "inferencex_blog_points.csv").read_bytes()
AGG_FILES = sorted((BENCHMARKS / "inferencex_runner_agg").glob("agg_*.json"))
NATIVE_JSON = (FIXTURES / "native_points.json").read_bytes()
NATIVE_CSV = (FIXTURES / "native_points.csv").read_bytes()
JSON, CSV = "application/json", "text/csv"
# API rows whose pool GPU counts contradict their per-pool throughputs (see test_sanity.py)
GB200_TOTAL_IN_BOTH_POOLS = [150, 152, 155, 157, 158, 163, 165, 169]


def post(client: Client, key: str, body: bytes, content_type: str = JSON, **params: Any) -> Any:
    return client.post(
        "/v1/runs",
        content=body,
        params=params,
        headers={"X-API-Key": key, "content-type": content_type},
    )


def dataset_state(client: Client, store: Store) -> tuple[str, int, int, int]:
    """(dataset version served, points served, store generation, stored runs)."""
    health = client.get("/healthz").json()
    return health["dataset_version"], health["points"], store.dataset_generation(), len(store.list_runs())  # fmt: skip


@pytest.fixture
def own_data() -> Iterator[LiveService]:
    """``tco serve --no-shipped-data``: only the store's runs are served."""
    service = service_from_store(":memory:", shipped_data=False)
    yield service
    service.store.close()


@pytest.fixture
def own_client(own_data: LiveService) -> Iterator[Client]:
    with TestClient(create_app(own_data, own_data.store)) as client:
        yield client


@pytest.fixture
def own_editor(own_data: LiveService) -> str:
    return own_data.store.create_key("own-editor", Role.EDITOR, actor="tests")


def test_run_formats_are_the_ingest_formats() -> None:
    assert get_args(RunFormat) == FORMATS


# ------------------------------------------------------------------------ round trips


def test_inferencex_api_rows_round_trip_and_a_repost_is_a_no_op(
    own_client: Client, own_data: LiveService, own_editor: str
) -> None:
    assert dataset_state(own_client, own_data.store)[1:] == (0, 0, 0)
    created = post(own_client, own_editor, API_BYTES, source="benchmarks/inferencex_api_dsr1_latest.json")  # fmt: skip
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"/v1/runs/{body['run_id']}"
    assert (body["format"], body["rows"], body["rows_added"], body["duplicates"]) == ("inferencex_api", 435, 435, 0)  # fmt: skip
    # the disagg quirk: 8 GB200 rows repeat the GPU total in both pools -> warnings, not errors
    assert [w["index"] for w in body["warnings"]] == GB200_TOTAL_IN_BOTH_POOLS
    assert body["warnings_total"] == 8
    assert {w["check"] for w in body["warnings"]} == {"disagg_gpus"}
    version, points, generation, runs = dataset_state(own_client, own_data.store)
    assert (body["dataset_version"], body["dataset_generation"]) == (version, generation)
    assert (points, generation, runs) == (435, 1, 1)

    run = own_client.get(f"/v1/runs/{body['run_id']}").json()
    assert run["run"]["row_count"] == 435
    assert run["run"]["created_by"] == "own-editor"
    stored = msgspec.convert(run["points"], list[Any])
    expected = parse(API_BYTES, source="benchmarks/inferencex_api_dsr1_latest.json")
    assert stored == msgspec.to_builtins(expected)
    # the missing-field quirks stored as None, never estimated
    assert [p["image"] for p in stored].count(None) == 28  # runs before 2025-12-08
    assert (stored[5]["output_tput_per_gpu"], stored[5]["input_tput_per_gpu"]) == (None, None)
    assert sum(p["ttft_p90_s"] is None for p in stored) == 290
    disagg = stored[151]  # gb200 dynamo-trt, 4 prefill + 32 decode GPUs: per-pool as given
    assert (disagg["num_prefill_gpu"], disagg["num_decode_gpu"], disagg["output_tput_per_gpu"]) == (4, 32, 94.89155859064786)  # fmt: skip

    again = post(own_client, own_editor, API_BYTES)
    assert again.status_code == 200, again.text
    repeat = again.json()
    assert (repeat["run_id"], repeat["rows_added"], repeat["duplicates"]) == (None, 0, 435)
    assert repeat["existing_run_ids"] == [body["run_id"]]
    assert repeat["dataset_version"] == version
    assert dataset_state(own_client, own_data.store) == (version, 435, 1, 1)


def test_runner_agg_files_one_object_or_an_array_with_the_date_parameter(
    own_client: Client, own_data: LiveService, own_editor: str
) -> None:
    first = post(own_client, own_editor, AGG_FILES[0].read_bytes(), date="2026-05-20")
    assert first.status_code == 201, first.text
    assert (first.json()["format"], first.json()["rows_added"]) == ("inferencex_agg", 1)
    array = b"[" + b",".join(p.read_bytes() for p in AGG_FILES) + b"]"
    rest = post(own_client, own_editor, array, date="2026-05-20", format="inferencex_agg")
    assert rest.status_code == 201, rest.text
    assert (rest.json()["rows"], rest.json()["rows_added"], rest.json()["duplicates"]) == (3, 2, 1)
    (point,) = own_client.get(f"/v1/runs/{first.json()['run_id']}").json()["points"]
    assert (point["model"], point["model_raw"], point["hardware"], point["date"]) == (
        "kimi-k2.5",
        "moonshotai/Kimi-K2.5",
        "mi355x",
        RUNNER_AGG_DATE.isoformat(),
    )
    assert (point["tput_per_gpu"], point["dp_attention"], point["conc"]) == (55.62670336516291, False, 4)  # fmt: skip
    # runner files carry no date: without one every row is rejected, naming the field
    undated = problem(post(own_client, own_editor, AGG_FILES[1].read_bytes()), 422)
    assert undated["errors"] == [{"field": "date", "reason": "runner files carry no date: pass date=", "index": 0}]  # fmt: skip


def test_blog_csv_round_trips_through_text_csv(
    own_client: Client, own_data: LiveService, own_editor: str
) -> None:
    created = post(own_client, own_editor, BLOG_BYTES, "text/csv; charset=utf-8")
    assert created.status_code == 201, created.text
    assert (created.json()["format"], created.json()["rows_added"]) == ("blog_csv", 220)
    points = own_client.get(f"/v1/runs/{created.json()['run_id']}").json()["points"]
    # the quirk: pools printed as "TP 4, EP 4" state no GPU count -> None, not guessed
    kimi_gb200 = [p for p in points if p["hardware"] == "gb200" and p["disagg"] and p["model"] == "kimi-k2.5"]  # fmt: skip
    assert len(kimi_gb200) == 9
    assert {(p["num_prefill_gpu"], p["num_decode_gpu"]) for p in kimi_gb200} == {(None, None)}
    assert post(own_client, own_editor, BLOG_BYTES, CSV).json()["duplicates"] == 220


def test_native_json_and_csv_and_the_run_csv_reimports_as_duplicates(
    own_client: Client, own_data: LiveService, own_editor: str
) -> None:
    from_json = post(own_client, own_editor, NATIVE_JSON)
    assert from_json.status_code == 201, from_json.text
    assert (from_json.json()["format"], from_json.json()["rows_added"]) == ("native_json", 2)
    from_csv = post(own_client, own_editor, NATIVE_CSV, CSV)
    assert from_csv.status_code == 201, from_csv.text
    assert (from_csv.json()["format"], from_csv.json()["rows_added"]) == ("native_csv", 2)
    # a run read back as CSV is native CSV: posting it again stores nothing new
    run_id = from_json.json()["run_id"]
    exported = own_client.get(f"/v1/runs/{run_id}", headers={"accept": "text/csv"})
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["hardware"], r["hardware_raw"], r["tput_per_gpu"]) for r in rows] == [
        ("mi355x", "MI355X", "337.0"),
        ("gb200", "gb200", "169.07"),
    ]
    again = post(own_client, own_editor, exported.content, CSV)
    assert (again.status_code, again.json()["duplicates"], again.json()["existing_run_ids"]) == (200, 2, [run_id])  # fmt: skip


def test_csv_with_carriage_return_line_ends_loads(
    own_client: Client, own_data: LiveService, own_editor: str
) -> None:
    old_mac = NATIVE_CSV.replace(b"\n", b"\r")
    created = post(own_client, own_editor, old_mac, CSV)
    assert (created.status_code, created.json()["rows_added"]) == (201, 2), created.text


def test_importing_the_shipped_file_into_a_server_serving_it_adds_no_served_points(
    client: Client, store: Store, editor_key: str
) -> None:
    shipped = load_shipped_points().height
    version, points, _, _ = dataset_state(client, store)
    assert points == shipped == 693
    created = post(client, editor_key, API_BYTES)
    assert created.json()["rows_added"] == 435  # new to the store...
    new_version, new_points, generation, _ = dataset_state(client, store)
    assert new_points == shipped  # ...but the same measurements as the shipped copy
    assert new_version != version  # a new run is a new dataset version all the same
    assert created.json()["dataset_version"] == new_version
    assert generation == 1


# ------------------------------------------------------------------ runs, delete, auth


def test_list_delete_and_the_dataset_version_returns(
    own_client: Client, own_data: LiveService, own_editor: str
) -> None:
    admin = own_data.store.create_key("own-admin", Role.ADMIN, actor="tests")
    empty_version = dataset_state(own_client, own_data.store)[0]
    first = post(own_client, own_editor, NATIVE_JSON, source="acme lab").json()
    second = post(own_client, own_editor, BLOG_BYTES, CSV).json()
    listed = own_client.get("/v1/runs").json()
    assert [r["id"] for r in listed] == [second["run_id"], first["run_id"]]  # newest first
    assert listed[1]["source"] == "acme lab"
    listed_csv = own_client.get("/v1/runs", params={"format": "csv"})
    assert listed_csv.text.splitlines()[0].startswith("id,created_at,created_by,request_id,source,format,row_count")  # fmt: skip

    assert problem(own_client.delete(f"/v1/runs/{first['run_id']}", headers={"X-API-Key": own_editor}), 403)["field"] == "X-API-Key"  # fmt: skip
    deleted = own_client.delete(f"/v1/runs/{second['run_id']}", headers={"X-API-Key": admin})
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["dataset_version"] == first["dataset_version"]  # the same runs again
    assert dataset_state(own_client, own_data.store) == (first["dataset_version"], 2, 3, 1)
    assert problem(own_client.get(f"/v1/runs/{second['run_id']}"), 404)["field"] == "run_id"
    assert problem(own_client.delete(f"/v1/runs/{second['run_id']}", headers={"X-API-Key": admin}), 404)  # fmt: skip
    own_client.delete(f"/v1/runs/{first['run_id']}", headers={"X-API-Key": admin})
    assert dataset_state(own_client, own_data.store) == (empty_version, 0, 4, 0)
    # deleted points can be ingested again
    assert post(own_client, own_editor, NATIVE_JSON).json()["rows_added"] == 2


def test_ingest_needs_an_editor_key(client: Client, store: Store) -> None:
    viewer = store.create_key("viewer", Role.VIEWER, actor="tests")
    before = dataset_state(client, store)
    assert problem(client.post("/v1/runs", content=NATIVE_JSON), 401)["field"] == "X-API-Key"
    assert problem(post(client, "tco_not-a-key", NATIVE_JSON), 401)["field"] == "X-API-Key"
    assert problem(post(client, viewer, NATIVE_JSON), 403)["field"] == "X-API-Key"
    assert dataset_state(client, store) == before


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("body", "content_type", "params", "status", "field"),
    [
        # not what the contract takes (JSON object or array, or UTF-8 text): 400
        pytest.param(API_BYTES[:5000], JSON, {}, 400, "payload", id="truncated-json"),
        pytest.param(b"1", JSON, {}, 400, "payload", id="json-scalar"),
        pytest.param(b"model,isl\n\xff\xfe", CSV, {}, 400, "payload", id="csv-not-utf8"),
        # well-formed, but no valid run in it: 422, or 415 for the media type
        pytest.param(b'{"rows": []}', JSON, {}, 422, "payload", id="json-of-unknown-shape"),
        pytest.param(b"[]", JSON, {"format": "inferencex_api"}, 422, "payload", id="no-rows"),
        pytest.param(b'{"source": "x", "points": {}}', JSON, {}, 422, "payload", id="points-not-a-list"),
        pytest.param(b'["a", "b"]', JSON, {"format": "inferencex_api"}, 422, "row", id="rows-not-objects"),
        pytest.param(b'{"hw": "mi355x"}', JSON, {"format": "inferencex_api"}, 422, "payload", id="object-for-api-rows"),
        pytest.param(API_BYTES, JSON, {"format": "native_json"}, 422, "payload", id="forced-wrong-format"),
        pytest.param(API_BYTES, JSON, {"date": "2026-05-20"}, 422, "date", id="date-for-a-dated-format"),
        pytest.param(NATIVE_CSV.replace(b",tpot_s", b"").replace(b",0.053,", b",").replace(b",0.02,", b","), CSV, {}, 422, "tpot_s", id="csv-missing-a-column"),
        pytest.param("\rríÈº\x1b u".encode(), CSV, {"format": "native_csv"}, 422, "model", id="csv-of-noise"),
        pytest.param(b"model\n" + b"x" * 200_000, CSV, {}, 422, "payload", id="csv-cell-over-128k"),
        pytest.param(b"<runs/>", "application/xml", {}, 415, "content_type", id="xml"),
    ],
)  # fmt: skip
def test_bad_payloads_store_nothing(
    client: Client,
    store: Store,
    editor_key: str,
    body: bytes,
    content_type: str,
    params: dict[str, str],
    status: int,
    field: str,
) -> None:
    before = dataset_state(client, store)
    answer = problem(post(client, editor_key, body, content_type, **params), status)
    assert answer["field"] == field
    assert answer["detail"].startswith("nothing stored: ")
    assert answer["errors"][0]["field"] == field
    assert dataset_state(client, store) == before


def test_bad_query_parameters_are_400(client: Client, store: Store, editor_key: str) -> None:
    before = dataset_state(client, store)
    for params in ({"format": "xlsx"}, {"date": "yesterday"}, {"strict": "maybe"}):
        assert problem(post(client, editor_key, NATIVE_JSON, **params), 400)
    assert dataset_state(client, store) == before


def native(*points: dict[str, Any]) -> bytes:
    return json.dumps({"source": "test", "points": list(points)}).encode()


GOOD = json.loads(NATIVE_JSON)["points"][0]  # kimi-k2.5 mi355x TP8, 337 tok/s/GPU at 78.9
DISAGG = json.loads(NATIVE_JSON)["points"][1]  # dsr1 gb200 4 prefill + 32 decode GPUs
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("row", "field", "check"),
    [
        pytest.param(GOOD | {"interactivity": 90.0}, "interactivity", "interactivity_tpot", id="interactivity-x-tpot"),
        pytest.param(GOOD | {"output_tput_per_gpu": 200.0, "input_tput_per_gpu": 100.0}, "tput_per_gpu", "io_total", id="input-plus-output"),
        pytest.param(DISAGG | {"num_decode_gpu": 16}, "num_decode_gpu", "disagg_gpus", id="disagg-gpu-counts"),
    ],
)  # fmt: skip
def test_each_sanity_check_rejects_or_warns(
    client: Client, store: Store, editor_key: str, row: dict[str, Any], field: str, check: str
) -> None:
    before = dataset_state(client, store)
    payload = native(GOOD | {"conc": 8}, row)  # the good row is not stored either
    rejected = problem(post(client, editor_key, payload, strict="true"), 422)
    assert rejected["errors_total"] == 1
    assert rejected["errors"] == [{"field": field, "reason": rejected["errors"][0]["reason"], "index": 1}]  # fmt: skip
    assert rejected["detail"].startswith(f"nothing stored: 1 row error(s), the first at row 1, {field}: ")  # fmt: skip
    assert dataset_state(client, store) == before
    warned = post(client, editor_key, payload, strict="false")
    assert warned.status_code == 201, warned.text
    (warning,) = warned.json()["warnings"]
    assert (warning["index"], warning["field"], warning["check"]) == (1, field, check)
    assert warning["reason"] == rejected["errors"][0]["reason"]
    assert warned.json()["rows_added"] == 2


@pytest.mark.parametrize("strict", ["true", "false"])
def test_a_future_date_is_refused_whatever_the_policy(
    client: Client, store: Store, editor_key: str, strict: str
) -> None:
    before = dataset_state(client, store)
    payload = native(GOOD | {"conc": 8}, GOOD | {"date": "2099-01-01"})
    body = problem(post(client, editor_key, payload, strict=strict), 422)
    assert body["field"] == "date"
    assert body["errors"] == [{"field": "date", "reason": body["errors"][0]["reason"], "index": 1}]
    assert body["errors"][0]["reason"].startswith("2099-01-01 is in the future (today is ")
    assert body["detail"].startswith("nothing stored: 1 row error(s), the first at row 1, date: ")
    assert dataset_state(client, store) == before
    # One day ahead is a source's clock or time zone, not the future: it loads, unwarned.
    skewed = post(client, editor_key, native(GOOD | {"date": TOMORROW}), strict=strict)
    assert skewed.status_code == 201, skewed.text
    assert skewed.json()["warnings"] == []


def test_default_policy_warns_only_on_disagg_gpu_counts(
    client: Client, store: Store, editor_key: str
) -> None:
    bad_pools = post(client, editor_key, native(DISAGG | {"num_decode_gpu": 16}))
    assert bad_pools.status_code == 201
    assert bad_pools.json()["warnings_total"] == 1
    assert problem(post(client, editor_key, native(GOOD | {"interactivity": 90.0})), 422)


def test_measures_that_cannot_be_priced_are_errors_even_when_lenient(
    client: Client, store: Store, editor_key: str
) -> None:
    before = dataset_state(client, store)
    payload = native(GOOD | {"tput_per_gpu": -337.0}, GOOD | {"conc": 8, "ttft_s": 0.0})
    answer = problem(post(client, editor_key, payload, strict="false"), 422)
    assert [(e["index"], e["field"]) for e in answer["errors"]] == [(0, "tput_per_gpu"), (1, "ttft_s")]  # fmt: skip
    assert dataset_state(client, store) == before


def test_errors_list_the_first_100_rows_and_the_total(
    client: Client, store: Store, editor_key: str
) -> None:
    rows = [GOOD | {"conc": c, "tput_per_gpu": -1.0} for c in range(1, 151)]
    answer = problem(post(client, editor_key, native(*rows)), 422)
    assert answer["errors_total"] == 150
    assert [e["index"] for e in answer["errors"]] == list(range(100))
    assert answer["detail"] == "nothing stored: 150 row error(s), the first at row 0, tput_per_gpu: must be > 0, got -1.0"  # fmt: skip


def test_a_50_mb_body_is_413(client: Client, store: Store, editor_key: str) -> None:
    before = dataset_state(client, store)
    body = b"[" + b" " * (50 * 1024 * 1024) + b"]"
    answer = problem(post(client, editor_key, body), 413)
    assert answer["title"] == "Content Too Large"
    assert dataset_state(client, store) == before


# ------------------------------------------------------------------ several processes


def test_another_process_sees_a_run_after_refresh(tmp_path: Path) -> None:
    """Two services on one database file stand for two ``--workers``: a run ingested through
    one reaches the other at its next refresh (the watcher calls it every second)."""
    url = f"sqlite:///{tmp_path / 'tco.db'}"
    worker_a = service_from_store(url, shipped_data=False)
    worker_b = service_from_store(url, shipped_data=False)
    try:
        key = worker_a.store.create_key("editor", Role.EDITOR, actor="tests")
        with TestClient(create_app(worker_a, worker_a.store)) as client:
            created = post(client, key, NATIVE_JSON).json()
        assert worker_b.index.points.height == 0  # still the old index...
        assert worker_b.refresh() == created["dataset_version"]  # ...until it notices
        assert (worker_b.index.points.height, worker_b.generation) == (2, 1)
        assert worker_b.refresh() == created["dataset_version"]  # nothing new: no rebuild
    finally:
        worker_a.store.close()
        worker_b.store.close()


def test_without_waiting_the_index_follows_in_the_background(
    own_client: Client, own_data: LiveService, own_editor: str
) -> None:
    first = post(own_client, own_editor, NATIVE_JSON, wait="false").json()
    second = post(own_client, own_editor, BLOG_BYTES, CSV, wait="false").json()
    assert (first["dataset_generation"], second["dataset_generation"]) == (1, 2)
    assert first["dataset_version"] != second["dataset_version"]
    # whatever the background rebuilds have done so far, a refresh ends on the last post
    assert own_data.refresh() == second["dataset_version"]
    assert dataset_state(own_client, own_data.store) == (second["dataset_version"], 222, 2, 2)
