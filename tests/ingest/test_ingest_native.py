"""Native JSON/CSV, format detection and the parse() entry point."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from tco.ingest import (
    IngestError,
    RowError,
    detect_format,
    parse,
    parse_native_csv,
    parse_native_json,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "ingest"
BENCHMARKS = ROOT / "benchmarks"
NATIVE_JSON = (FIXTURES / "native_points.json").read_bytes()
NATIVE_CSV = (FIXTURES / "native_points.csv").read_bytes()
TODAY = dt.date(2026, 11, 26)


def errors_of(call: Any) -> list[RowError]:
    with pytest.raises(IngestError) as caught:
        call()
    return caught.value.errors


def test_native_json_canonicalizes_and_keeps_raw() -> None:
    first, second = parse_native_json(NATIVE_JSON, source="upload", today=TODAY)
    assert (first.model, first.model_raw, first.hardware, first.hardware_raw) == (
        "kimi-k2.5",
        "Kimi-K2.5",
        "mi355x",
        "MI355X",
    )
    assert (first.precision, first.precision_raw) == ("fp4", "fp4 (MXFP4)")
    assert first.source == "acme lab run 2026-10-01"  # the envelope's, for a point without one
    assert second.source == "https://example.test/run/1"
    assert (second.num_prefill_gpu, second.num_decode_gpu, second.output_tput_per_gpu) == (
        4,
        32,
        94.89,
    )
    assert first.date == dt.date(2026, 3, 26)


def native_json_errors(points: list[dict[str, Any]]) -> list[RowError]:
    payload = json.dumps({"source": "t", "points": points}).encode()
    return errors_of(lambda: parse_native_json(payload, source="t", today=TODAY))


def base_point() -> dict[str, Any]:
    point: dict[str, Any] = json.loads(NATIVE_JSON)["points"][0]
    return point


def test_native_json_is_strict_and_reports_every_row() -> None:
    errors = native_json_errors(
        [
            base_point() | {"isl": "8192"},  # no coercion from strings
            {k: v for k, v in base_point().items() if k != "conc"},
            base_point() | {"tput_per_gpu": -1.0},
            base_point() | {"colour": "red"},
            base_point() | {"hardware": "A100"},
            base_point(),
            base_point() | {"interactivity": 7.89},
        ]
    )
    assert [(e.index, e.field) for e in errors] == [
        (0, "isl"),
        (1, "conc"),
        (2, "tput_per_gpu"),
        (3, "colour"),
        (4, "hardware"),
        (6, "interactivity"),
    ]


def test_native_json_wrong_shape_and_truncation() -> None:
    for payload in (NATIVE_JSON[:200], b"[1, 2]", b'{"points": []}'):
        errors = errors_of(lambda p=payload: parse_native_json(p, source="t", today=TODAY))
        assert (errors[0].index, errors[0].field) == (-1, "payload")


def test_native_csv_empty_cell_is_none() -> None:
    first, second = parse_native_csv(NATIVE_CSV, source="upload.csv", today=TODAY)
    assert (first.tp, first.ep, first.pp, first.ttft_s, first.output_tput_per_gpu) == (
        4,
        None,
        1,
        None,
        None,
    )
    assert (first.tput_per_gpu, first.interactivity, first.tpot_s) == (2687.0, 19.0, 0.053)
    assert (second.hardware, second.framework, second.framework_raw) == ("h100", "trt", "trtllm")
    assert second.source == "upload.csv"  # empty source cell: the caller's


def test_native_csv_bad_cells_and_missing_column() -> None:
    lines = NATIVE_CSV.decode().splitlines()
    nan_row = lines[1].replace(",2687,", ",nan,")
    bad_int = lines[2].replace(",16,", ",sixteen,")
    errors = errors_of(
        lambda: parse_native_csv(
            "\n".join([lines[0], nan_row, bad_int]).encode(), source="t", today=TODAY
        )
    )
    assert [(e.index, e.field) for e in errors] == [(0, "tput_per_gpu"), (1, "conc")]
    assert "finite" in errors[0].reason
    no_tpot = "\n".join(
        ",".join(c for c in line.split(",")[:19] + line.split(",")[20:]) for line in lines
    )
    missing = errors_of(lambda: parse_native_csv(no_tpot.encode(), source="t", today=TODAY))
    assert (missing[0].index, missing[0].field) == (-1, "tpot_s")


@pytest.mark.parametrize(
    ("path", "content_type", "expected"),
    [
        (BENCHMARKS / "inferencex_api_dsr1_latest.json", "application/json", "inferencex_api"),
        (BENCHMARKS / "inferencex_api_dsr1_latest.json", None, "inferencex_api"),
        (next((BENCHMARKS / "inferencex_runner_agg").glob("*.json")), None, "inferencex_agg"),
        (BENCHMARKS / "inferencex_blog_points.csv", "text/csv; charset=utf-8", "blog_csv"),
        (BENCHMARKS / "inferencex_blog_points.csv", None, "blog_csv"),
        (FIXTURES / "native_points.json", "application/json", "native_json"),
        (FIXTURES / "native_points.csv", "text/csv", "native_csv"),
    ],
)
def test_detect_format(path: Path, content_type: str | None, expected: str) -> None:
    assert detect_format(path.read_bytes(), content_type) == expected


def test_detect_format_rejects_unknown_shapes() -> None:
    for payload, content_type in (
        (b'{"a": 1}', None),
        (b"<xml/>", "application/xml"),
        (b"[1", None),
    ):
        errors = errors_of(lambda p=payload, c=content_type: detect_format(p, c))
        assert errors[0].index == -1


def test_parse_dispatches_and_passes_the_runner_date() -> None:
    agg = next((BENCHMARKS / "inferencex_runner_agg").glob("*.json")).read_bytes()
    (point,) = parse(agg, source="agg", date=dt.date(2026, 5, 20), today=TODAY)
    assert point.date == dt.date(2026, 5, 20)
    assert len(parse(NATIVE_CSV, format="native_csv", source="x", today=TODAY)) == 2
    wrong_date = errors_of(
        lambda: parse(NATIVE_JSON, source="x", date=dt.date(2026, 1, 1), today=TODAY)
    )
    assert wrong_date[0].field == "date"
    unknown = errors_of(lambda: parse(NATIVE_JSON, format="xlsx", source="x", today=TODAY))
    assert unknown[0].field == "format"
