"""InferenceX API rows and runner agg files, against the shipped copies in benchmarks/."""

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest

from tco.domain.points import Point, gpus_per_replica
from tco.ingest import IngestError, RowError, parse_inferencex_agg, parse_inferencex_api

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
API_BYTES = (BENCHMARKS / "inferencex_api_dsr1_latest.json").read_bytes()
AGG_FILES = sorted((BENCHMARKS / "inferencex_runner_agg").glob("agg_*.json"))
TODAY = dt.date(2026, 11, 26)
RUN_DATE = dt.date(2026, 5, 20)


def api(payload: bytes = API_BYTES) -> list[Point]:
    return parse_inferencex_api(payload, source="test.json", today=TODAY)


def api_errors(rows: Any) -> list[RowError]:
    with pytest.raises(IngestError) as caught:
        api(json.dumps(rows).encode())
    return caught.value.errors


def api_errors_raw(payload: bytes) -> list[RowError]:
    with pytest.raises(IngestError) as caught:
        api(payload)
    return caught.value.errors


@pytest.fixture(scope="module")
def api_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(API_BYTES)
    return rows


@pytest.fixture(scope="module")
def api_points() -> list[Point]:
    return api()


def test_all_435_api_rows_load(api_points: list[Point]) -> None:
    assert len(api_points) == 435
    assert {p.model for p in api_points} == {"dsr1"}
    assert {p.model_raw for p in api_points} == {"dsr1"}
    assert sum(p.disagg for p in api_points) == 235
    assert {p.hardware for p in api_points} == {
        "b200", "b300", "gb200", "gb300", "h100", "h200", "mi300x", "mi325x", "mi355x",
    }  # fmt: skip


def test_disagg_row_keeps_per_pool_throughput_as_given(api_points: list[Point]) -> None:
    point = api_points[151]  # gb200 dynamo-trt, 4 prefill + 32 decode GPUs, conc 24
    assert (point.hardware, point.framework, point.conc, point.disagg) == (
        "gb200",
        "dynamo-trt",
        24,
        True,
    )
    assert point.tput_per_gpu == 169.07090612277543
    assert point.output_tput_per_gpu == 94.89155859064786  # per decode GPU
    assert point.input_tput_per_gpu == 762.5056863797959  # per prefill GPU
    assert (point.num_prefill_gpu, point.num_decode_gpu) == (4, 32)
    assert (point.prefill_tp, point.prefill_ep, point.prefill_dp_attention) == (4, 4, True)
    assert (point.decode_tp, point.decode_ep, point.decode_num_workers) == (8, 8, 4)
    assert (point.tp, point.ep, point.dp_attention) == (8, 8, False)  # from the decode pool
    assert gpus_per_replica(point) == 36
    whole = (94.89155859064786 * 32 + 762.5056863797959 * 4) / 36
    assert whole == pytest.approx(point.tput_per_gpu, rel=1e-12)


def test_aggregated_row_takes_topology_from_decode_fields(api_points: list[Point]) -> None:
    point = api_points[0]
    assert (point.hardware, point.framework, point.precision, point.conc) == (
        "mi355x",
        "sglang",
        "fp4",
        4,
    )
    assert (point.tp, point.ep, point.dp_attention, point.disagg) == (4, 1, False, False)
    assert point.prefill_tp is None and point.decode_tp is None and point.num_prefill_gpu is None
    assert gpus_per_replica(point) == 4
    assert point.tput_per_gpu == 198.9447984579421
    assert point.interactivity == 103.64816793368249  # median_intvty
    assert point.tpot_s == 0.009648023886344358  # median_tpot, seconds
    assert point.ttft_s == 0.10217383736744523
    assert (point.ttft_p90_s, point.ttft_p99_s) == (0.1711582055315385, 0.8231137297395617)
    assert point.e2el_s == 9.040930901188403
    assert point.date == dt.date(2026, 6, 11)
    assert point.image == "lmsysorg/sglang:v0.5.12-rocm700-mi35x"
    assert (
        point.source
        == "https://github.com/SemiAnalysisAI/InferenceX/actions/runs/27213443242/attempts/1"
    )


def test_interactivity_is_one_over_tpot(api_points: list[Point]) -> None:
    assert all(math.isclose(p.interactivity * p.tpot_s, 1, rel_tol=1e-12) for p in api_points)


def test_itl_is_ignored(api_rows: list[dict[str, Any]], api_points: list[Point]) -> None:
    bogus = [i for i, row in enumerate(api_rows) if row["metrics"]["median_itl"] > 1]
    assert len(bogus) == 102
    row, point = api_rows[29], api_points[29]
    assert row["metrics"]["median_itl"] == 1.6883772719884291
    assert point.tpot_s == row["metrics"]["median_tpot"] == 0.07060433686236509


def test_image_missing_before_2025_12_08_is_none(api_points: list[Point]) -> None:
    without = [p for p in api_points if p.image is None]
    assert len(without) == 28
    assert max(p.date for p in without) == dt.date(2025, 12, 5)
    assert min(p.date for p in api_points if p.image is not None) == dt.date(2025, 12, 15)


def test_missing_optional_metrics_are_none(api_points: list[Point]) -> None:
    # rows 5 and 6 publish no input/output split; p90 TTFT exists on 145 rows only
    assert api_points[5].output_tput_per_gpu is None and api_points[5].input_tput_per_gpu is None
    assert sum(p.ttft_p90_s is not None for p in api_points) == 145


def test_workers_field_absent_or_present_is_ignored(api_rows: list[dict[str, Any]]) -> None:
    row = dict(api_rows[199])
    assert row["workers"] is not None
    del row["workers"]
    assert len(api(json.dumps([row, api_rows[199]]).encode())) == 2


def test_bad_rows_are_all_reported_and_nothing_returned(api_rows: list[dict[str, Any]]) -> None:
    missing = {k: v for k, v in api_rows[0].items() if k != "hardware"}
    no_tpot = {
        **api_rows[1],
        "metrics": {k: v for k, v in api_rows[1]["metrics"].items() if k != "median_tpot"},
    }
    zero = {**api_rows[2], "metrics": {**api_rows[2]["metrics"], "tput_per_gpu": 0}}
    negative = {**api_rows[3], "metrics": {**api_rows[3]["metrics"], "tput_per_gpu": -5.0}}
    unknown_hw = {**api_rows[4], "hardware": "a100"}
    inconsistent = {**api_rows[7], "metrics": {**api_rows[7]["metrics"], "median_intvty": 50.0}}
    future = {**api_rows[8], "date": "2027-01-01"}
    disagg_no_count = {**api_rows[151], "num_decode_gpu": None}
    errors = api_errors(
        [
            missing,
            no_tpot,
            zero,
            negative,
            unknown_hw,
            api_rows[9],
            inconsistent,
            future,
            disagg_no_count,
        ]
    )
    assert [(e.index, e.field) for e in errors] == [
        (0, "hardware"),
        (1, "metrics.median_tpot"),
        (2, "tput_per_gpu"),
        (3, "tput_per_gpu"),
        (4, "hardware"),
        (6, "interactivity"),
        (7, "date"),
        (8, "num_decode_gpu"),
    ]
    assert errors[0].reason == "missing"
    assert "a100" in errors[4].reason
    assert "inconsistent with TPOT" in errors[5].reason
    assert "future" in errors[6].reason


def test_nan_or_infinite_json_fails_the_payload(api_rows: list[dict[str, Any]]) -> None:
    # NaN/Infinity are not JSON (Python's json.dumps writes them anyway): the whole file fails
    for bad in ("NaN", "Infinity", "1e999"):
        payload = json.dumps([api_rows[0]]).replace("198.9447984579421", bad).encode()
        errors = api_errors_raw(payload)
        assert (errors[0].index, errors[0].field) == (-1, "payload")


def test_truncated_json_and_wrong_shape() -> None:
    truncated = api_errors_raw(API_BYTES[:5000])
    assert (truncated[0].index, truncated[0].field) == (-1, "payload")
    assert "invalid JSON" in truncated[0].reason
    shape = api_errors_raw(b'{"rows": []}')
    assert "array" in shape[0].reason
    not_object = api_errors(["x"])
    assert (not_object[0].index, not_object[0].field) == (0, "row")


def test_error_list_is_capped_with_total(api_rows: list[dict[str, Any]]) -> None:
    bad = [{**row, "hardware": "a100"} for row in api_rows]
    with pytest.raises(IngestError) as caught:
        api(json.dumps(bad).encode())
    assert caught.value.total == 435
    assert len(caught.value.errors) == 100


# --- runner agg files -------------------------------------------------------------------------


def agg(payload: bytes, date: dt.date | None = RUN_DATE) -> list[Point]:
    return parse_inferencex_agg(payload, source="agg.json", date=date, today=TODAY)


def agg_errors(payload: bytes, date: dt.date | None) -> list[RowError]:
    with pytest.raises(IngestError) as caught:
        agg(payload, date)
    return caught.value.errors


def test_three_agg_files_load() -> None:
    points = [p for path in AGG_FILES for p in agg(path.read_bytes())]
    assert len(AGG_FILES) == 3 and len(points) == 3
    first = points[0]
    assert (first.model, first.model_raw) == ("kimi-k2.5", "moonshotai/Kimi-K2.5")
    assert (first.hardware, first.framework, first.precision, first.spec_method) == (
        "mi355x",
        "vllm",
        "int4",
        "mtp",
    )
    assert (first.isl, first.osl, first.conc, first.tp, first.ep) == (1024, 1024, 4, 8, 1)
    assert first.dp_attention is False  # the string "false" in the file
    assert first.tput_per_gpu == 55.62670336516291
    assert first.interactivity == 57.49142521935413
    assert first.tpot_s == 0.017393898241078155
    assert first.image == "vllm/vllm-openai-rocm:v0.21.0"
    assert first.date == RUN_DATE
    assert [p.conc for p in points] == [4, 32, 64]


def test_agg_array_of_objects() -> None:
    array = b"[" + b",".join(path.read_bytes() for path in AGG_FILES) + b"]"
    assert len(agg(array)) == 3


def test_agg_without_date_fails_clearly() -> None:
    errors = agg_errors(AGG_FILES[0].read_bytes(), None)
    assert (errors[0].index, errors[0].field) == (0, "date")
    assert "date=" in errors[0].reason


def test_agg_dp_attention_string_must_be_true_or_false() -> None:
    row = json.loads(AGG_FILES[0].read_bytes())
    assert agg(json.dumps({**row, "dp_attention": "true"}).encode())[0].dp_attention is True
    errors = agg_errors(json.dumps({**row, "dp_attention": "yes"}).encode(), RUN_DATE)
    assert (errors[0].field, errors[0].index) == ("dp_attention", 0)


def test_agg_model_id_contradicting_prefix_is_an_error() -> None:
    row = json.loads(AGG_FILES[0].read_bytes())
    errors = agg_errors(json.dumps({**row, "model": "deepseek-ai/DeepSeek-R1"}).encode(), RUN_DATE)
    assert errors[0].field == "model"
