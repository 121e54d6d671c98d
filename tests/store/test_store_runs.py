"""Benchmark runs in the store (both backends): atomic, idempotent ingest and the points frame."""

from __future__ import annotations

import datetime as dt
import io

import msgspec
import polars as pl
import pytest

from tco.domain.points import POINT_FIELDS, POINT_SCHEMA, Point, points_frame
from tco.store import InvalidData, NotFound, SqliteStore, Store, open_store, point_hash
from tco.store.sql.runs import blob_frame as _blob_frame

# An aggregated H200 curve (TP8, SGLang FP8) and a disaggregated GB200 point (Dynamo + TRT-LLM,
# 8 prefill + 32 decode GPUs): the two shapes whose None patterns differ.
H200 = Point(
    model="dsr1",
    isl=8192,
    osl=1024,
    hardware="h200",
    framework="sglang",
    precision="fp8",
    spec_method="none",
    disagg=False,
    tp=8,
    ep=1,
    dp_attention=False,
    conc=64,
    date=dt.date(2025, 10, 14),
    framework_version="v0.5.3",
    image="lmsysorg/sglang:v0.5.3-cu129",
    source="https://github.com/InferenceMAX/InferenceMAX/actions/runs/18512345678",
    hardware_raw="h200-nv",
    tput_per_gpu=1624.375,
    output_tput_per_gpu=180.25,
    input_tput_per_gpu=1444.125,
    interactivity=22.9,
    tpot_s=0.04367,
    ttft_s=1.532,
    ttft_p90_s=2.118,
    ttft_p99_s=2.904,
    e2el_s=46.21,
)
GB200_DISAGG = Point(
    model="dsr1",
    isl=8192,
    osl=1024,
    hardware="gb200",
    framework="dynamo-trt",
    precision="fp4",
    spec_method="mtp",
    disagg=True,
    tp=None,
    prefill_tp=4,
    prefill_ep=4,
    prefill_dp_attention=True,
    prefill_num_workers=2,
    decode_tp=32,
    decode_ep=32,
    decode_dp_attention=True,
    decode_num_workers=1,
    num_prefill_gpu=8,
    num_decode_gpu=32,
    conc=4096,
    date=dt.date(2025, 11, 2),
    source="inferencemax agg_dsr1_gb200.json",
    tput_per_gpu=5210.0,
    output_tput_per_gpu=812.5,
    interactivity=31.7,
    tpot_s=0.0315,
)


def curve(n: int, *, date: dt.date = H200.date) -> list[Point]:
    """n H200 points along one curve: throughput falls as interactivity rises."""
    return [
        msgspec.structs.replace(
            H200,
            conc=4 * 2**i,
            date=date,
            tput_per_gpu=400.0 * (i + 1) + 0.125,
            interactivity=120.0 / (i + 1),
            tpot_s=(i + 1) / 120.0,
        )
        for i in range(n)
    ]


def _add(store: Store, points: list[Point], source: str = "run.json") -> str | None:
    result = store.add_run(points, source=source, format="native", actor="ci", request_id="r1")
    return result.run_id


def test_add_and_get_run_round_trips_points_exactly(store: Store) -> None:
    points = [*curve(3), GB200_DISAGG]
    result = store.add_run(
        points, source="upload.json", format="native", actor="ci", request_id="req-5"
    )
    assert (result.rows_added, result.duplicates, result.existing_run_ids) == (4, 0, ())
    assert result.run_id is not None and result.dataset_generation == 1
    info, stored = store.get_run(result.run_id)
    assert stored == points  # dates, None values, bools and floats all exact
    assert isinstance(stored[3].disagg, bool) and stored[3].prefill_dp_attention is True
    assert stored[0].dp_attention is False and stored[3].dp_attention is None
    assert (info.source, info.format, info.created_by, info.request_id) == (
        "upload.json",
        "native",
        "ci",
        "req-5",
    )
    assert (info.row_count, info.duplicates) == (4, 0)
    assert [r.id for r in store.list_runs()] == [result.run_id]


def test_load_points_is_the_canonical_frame(store: Store) -> None:
    first, second = curve(3), [GB200_DISAGG]
    _add(store, first)
    _add(store, second)
    frame = store.load_points()
    assert list(frame.schema.items()) == list(POINT_SCHEMA.items())
    assert frame.equals(points_frame(first + second))  # runs in order, rows in posted order
    assert frame["date"].to_list() == [H200.date] * 3 + [GB200_DISAGG.date]
    assert frame["tp"].to_list() == [8, 8, 8, None]
    assert frame["dp_attention"].to_list() == [False, False, False, None]
    empty = SqliteStore(":memory:")
    try:
        assert empty.load_points().schema == pl.Schema(POINT_SCHEMA)
        assert empty.load_points().height == 0
    finally:
        empty.close()


def test_reposting_the_same_rows_adds_nothing(store: Store) -> None:
    first = _add(store, curve(5))
    again = store.add_run(curve(5), source="run.json", format="native", actor="ci", request_id=None)
    assert (again.run_id, again.rows_added, again.duplicates) == (None, 0, 5)
    assert again.existing_run_ids == (first,)
    assert again.dataset_generation == 1  # unchanged: nothing to rebuild
    assert store.dataset_generation() == 1
    assert len(store.list_runs()) == 1
    assert store.load_points().height == 5
    assert [e.action for e in store.list_audit()] == ["run.ingest"]


def test_partial_overlap_stores_only_new_rows(store: Store) -> None:
    points = curve(4)
    first = _add(store, points[:2])
    result = store.add_run(points[1:], source="b.csv", format="csv", actor="ci", request_id=None)
    assert (result.rows_added, result.duplicates, result.existing_run_ids) == (2, 1, (first,))
    assert result.run_id is not None
    info, stored = store.get_run(result.run_id)
    assert stored == points[2:]
    assert (info.row_count, info.duplicates) == (2, 1)
    assert store.load_points().equals(points_frame(points))


def test_duplicates_within_one_batch_are_counted(store: Store) -> None:
    result = store.add_run(
        [H200, H200, GB200_DISAGG], source="x", format="native", actor="ci", request_id=None
    )
    assert (result.rows_added, result.duplicates, result.existing_run_ids) == (2, 1, ())
    assert store.load_points().height == 2


def test_the_same_measurement_from_another_source_is_a_duplicate(store: Store) -> None:
    _add(store, [H200])
    relabelled = msgspec.structs.replace(
        H200, source="inferencex api /benchmarks", hardware_raw="H200", model_raw="DeepSeek-R1"
    )
    assert point_hash(relabelled) == point_hash(H200)
    whole = msgspec.structs.replace(GB200_DISAGG, tput_per_gpu=5210)  # int for a float field
    assert point_hash(whole) == point_hash(GB200_DISAGG)
    assert point_hash(msgspec.structs.replace(H200, conc=128)) != point_hash(H200)
    assert point_hash(msgspec.structs.replace(H200, ttft_s=None)) != point_hash(H200)
    result = store.add_run(
        [relabelled], source="api", format="inferencex", actor="ci", request_id=None
    )
    assert (result.rows_added, result.duplicates) == (0, 1)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"tput_per_gpu": float("nan")}, id="nan-required-measure"),
        pytest.param({"interactivity": None}, id="missing-required-measure"),
        pytest.param({"conc": "sixty-four"}, id="wrong-type"),
    ],
)
def test_a_failing_row_mid_batch_stores_nothing(store: Store, bad: dict[str, object]) -> None:
    _add(store, [GB200_DISAGG])
    audit_before = store.list_audit()
    points = curve(10)
    points[5] = msgspec.structs.replace(points[5], **bad)
    with pytest.raises(InvalidData, match="run not stored"):
        _add(store, points)
    assert len(store.list_runs()) == 1
    assert store.load_points().height == 1
    assert store.dataset_generation() == 1
    assert store.list_audit() == audit_before
    assert _add(store, curve(10)) is not None  # and the good rows go in afterwards


def test_generation_changes_on_every_ingest_and_delete(store: Store) -> None:
    assert store.dataset_generation() == 0
    first = _add(store, curve(2))
    assert store.dataset_generation() == 1
    second = _add(store, [GB200_DISAGG])
    assert store.dataset_generation() == 2
    assert first is not None and second is not None
    assert store.delete_run(first, actor="admin", request_id="r9") == 3
    dataset = store.load_dataset()
    assert dataset.generation == 3
    assert dataset.points.equals(points_frame([GB200_DISAGG]))


def test_delete_run_removes_its_points_and_allows_reposting(store: Store) -> None:
    run_id = _add(store, curve(3))
    assert run_id is not None
    store.delete_run(run_id, actor="admin", request_id="r9")
    assert store.list_runs() == []
    assert store.load_points().height == 0
    with pytest.raises(NotFound, match=run_id):
        store.get_run(run_id)
    with pytest.raises(NotFound):
        store.delete_run(run_id, actor="admin", request_id=None)
    again = store.add_run(curve(3), source="x", format="native", actor="ci", request_id=None)
    assert (again.rows_added, again.duplicates) == (3, 0)
    delete = store.list_audit()[1]
    assert (delete.action, delete.actor, delete.summary) == (
        "run.delete",
        "admin",
        {"rows_removed": 3},
    )


def test_unknown_run_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.get_run("run_doesnotexist")


def test_an_empty_run_records_nothing(store: Store) -> None:
    result = store.add_run([], source="empty.csv", format="csv", actor="ci", request_id=None)
    assert (result.run_id, result.rows_added, result.duplicates) == (None, 0, 0)
    assert store.list_runs() == []


def test_frames_written_by_an_older_point_schema_are_conformed() -> None:
    # A run stored before Point gained e2el_s (and with conc stored as Int32) still loads
    # with the current columns, in order, the missing one null.
    old = points_frame([H200]).drop("e2el_s").with_columns(pl.col("conc").cast(pl.Int32))
    buffer = io.BytesIO()
    old.write_ipc(buffer)
    frame = _blob_frame(buffer.getvalue(), POINT_SCHEMA)
    assert list(frame.schema.items()) == list(POINT_SCHEMA.items())
    assert frame["e2el_s"].to_list() == [None]
    assert frame.drop("e2el_s").equals(points_frame([H200]).drop("e2el_s"))


def test_point_table_has_a_column_for_every_point_field() -> None:
    # Guards the migration history: a new Point field needs a migration adding its column.
    with SqliteStore(":memory:") as fresh:
        columns = [r[1] for r in fresh.sqlite._writer.execute("PRAGMA table_info(point)")]
    assert columns == ["run_id", "ordinal", "point_hash", *POINT_FIELDS]


def _rebuilt(store: Store) -> pl.DataFrame:
    """The dataset from the point rows (the source of truth), runs in ingest order."""
    points = [p for run in reversed(store.list_runs()) for p in store.get_run(run.id)[1]]
    return points_frame(points)


def _snapshot_generation(store: Store) -> int:
    with store.db.tx(write=False) as conn:
        row = conn.execute("SELECT snapshot_generation FROM dataset_state").fetchone()
    return int(row[0])


def test_the_snapshot_follows_ingests_and_deletes(store_url: str) -> None:
    days = [dt.date(2025, 10, d) for d in range(1, 7)]
    with open_store(store_url) as store, open_store(store_url) as other:
        ids = [_add(store, curve(3, date=day)) for day in days[:3]]
        assert store.load_points().equals(_rebuilt(store))
        assert _snapshot_generation(store) == 3  # saved back: the next load is one blob
        assert ids[1] is not None
        other.delete_run(ids[1], actor="admin", request_id=None)  # another process writes
        _add(other, curve(3, date=days[3]))
        dataset = store.load_dataset()
        assert dataset.generation == 5
        assert dataset.points.equals(_rebuilt(store))
        assert dataset.points["date"].unique().sort().to_list() == [days[0], days[2], days[3]]
        assert other.load_points().equals(dataset.points)
        assert store.load_points().equals(dataset.points)  # from the saved snapshot alone


def test_many_runs_between_loads_are_merged_at_ingest(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tco.store.sql.runs.SNAPSHOT_AFTER_RUNS", 3)
    days = [dt.date(2025, 9, d) for d in range(1, 8)]
    ids = [_add(store, curve(2, date=day)) for day in days]
    assert _snapshot_generation(store) == 6  # merged after runs 3 and 6; run 7 pending
    assert ids[0] is not None
    store.delete_run(ids[0], actor="admin", request_id=None)
    assert store.load_points().equals(_rebuilt(store))
    assert store.load_points().height == 12
