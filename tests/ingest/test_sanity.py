"""Sanity checks on ingested rows (tco.ingest.rows) and the error/warning policy
(tco.app.live.warn_checks): each check catches what it is for, on real shipped rows where the
data has the problem, and passes the rows that are fine."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from tco.app.live import warn_checks
from tco.domain.points import Point
from tco.ingest import (
    DEFAULT_WARN_CHECKS,
    SANITY_CHECKS,
    ErrorLog,
    IngestError,
    RowError,
    parse,
    parse_native_csv,
    parse_native_json,
)
from tco.ingest.shipped import RUNNER_AGG_DATE

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "benchmarks"
API_BYTES = (BENCHMARKS / "inferencex_api_dsr1_latest.json").read_bytes()
NATIVE = json.loads((ROOT / "tests" / "fixtures" / "ingest" / "native_points.json").read_bytes())
TODAY = dt.date(2026, 11, 26)
# The December 2025 GB200 disaggregated API rows that repeat the deployment's GPU total in both
# pool counts (their per-pool throughputs imply 1:8, 1:6, 2:1, 1:4 and 1:2 prefill:decode).
GB200_TOTAL_IN_BOTH_POOLS = [150, 152, 155, 157, 158, 163, 165, 169]


def aggregated() -> dict[str, Any]:
    return dict(NATIVE["points"][0])  # kimi-k2.5 mi355x TP8: 337 tok/s/GPU at 78.9 tok/s/user


def disaggregated() -> dict[str, Any]:
    return dict(NATIVE["points"][1])  # dsr1 gb200 4 prefill + 32 decode GPUs


def native(points: list[dict[str, Any]], warn: frozenset[str] = DEFAULT_WARN_CHECKS) -> ErrorLog:
    log = ErrorLog(warn)
    payload = json.dumps({"source": "t", "points": points}).encode()
    parse_native_json(payload, source="t", today=TODAY, log=log)
    return log


def rejected(points: list[dict[str, Any]], warn: frozenset[str] = frozenset()) -> list[RowError]:
    with pytest.raises(IngestError) as caught:
        native(points, warn)
    return caught.value.errors


def test_interactivity_must_match_tpot_to_the_printed_digits() -> None:
    # 78.9 tok/s/user at 13 ms: 78.85 x 0.0135 >= 1 >= 78.95 x 0.0125, consistent
    assert native([aggregated()]).warnings == []
    (error,) = rejected([aggregated() | {"interactivity": 90.0}])
    assert (error.index, error.field, error.check) == (0, "interactivity", "interactivity_tpot")
    assert "expected about 76.92" in error.reason


def test_input_plus_output_must_be_the_total_on_aggregated_rows() -> None:
    split = {"output_tput_per_gpu": 168.5, "input_tput_per_gpu": 168.5}
    assert native([aggregated() | split]).warnings == []  # 168.5 + 168.5 = 337.0
    (error,) = rejected([aggregated() | split | {"input_tput_per_gpu": 150.0}])
    assert (error.field, error.check) == ("tput_per_gpu", "io_total")
    assert "= 318.5 tok/s/GPU differs from the total 337.0" in error.reason
    # tolerance is the printed digits: 168.54 + 168.54 = 337.08 rounds to 337.1, not 337.0
    assert rejected([aggregated() | split | {"output_tput_per_gpu": 168.54, "input_tput_per_gpu": 168.54}])  # fmt: skip
    assert native([aggregated() | split | {"tput_per_gpu": 337.1, "output_tput_per_gpu": 168.54, "input_tput_per_gpu": 168.54}]).warnings == []  # fmt: skip


def test_every_shipped_aggregated_api_row_passes_the_io_check() -> None:
    rows = json.loads(API_BYTES)
    aggregated_rows = [r for r in rows if not r["disagg"]]
    assert len(aggregated_rows) == 200
    payload = json.dumps(aggregated_rows).encode()
    log = ErrorLog(warn=())
    assert len(parse(payload, source="t", today=TODAY, log=log)) == 200


def test_disagg_pool_counts_must_fit_the_per_pool_throughputs() -> None:
    # 94.89 x 32 + 762.5 x 4 = 6086.48 vs 169.07 x 36 = 6086.52: within the printed digits
    assert native([disaggregated()], warn=frozenset()).warnings == []
    (error,) = rejected([disaggregated() | {"num_decode_gpu": 16}])
    assert (error.field, error.check) == ("num_decode_gpu", "disagg_gpus")
    assert "4 prefill + 16 decode GPUs contradict" in error.reason
    assert error.reason.endswith("which imply 8 decode GPUs per prefill GPU")  # 32 / 4


def test_disagg_pool_counts_must_fit_workers_and_tensor_parallelism() -> None:
    uneven = disaggregated() | {"decode_num_workers": 3}  # 32 GPUs in 3 workers
    too_wide = disaggregated() | {"prefill_tp": 8}  # TP8 in a 4-GPU prefill pool
    errors = rejected([uneven, too_wide])
    assert [(e.index, e.field, e.check) for e in errors] == [
        (0, "num_decode_gpu", "disagg_gpus"),
        (1, "prefill_tp", "disagg_gpus"),
    ]
    assert errors[0].reason == "32 GPUs do not split into 3 decode workers"
    assert errors[1].reason == "TP8 does not fit 4 GPUs in 1 worker(s)"


def test_shipped_gb200_rows_with_the_total_in_both_pools_warn_by_default() -> None:
    log = ErrorLog()
    points = parse(API_BYTES, source="t", today=TODAY, log=log)
    assert len(points) == 435  # the rows still load...
    assert [w.index for w in log.warnings] == GB200_TOTAL_IN_BOTH_POOLS  # ...flagged
    assert {w.check for w in log.warnings} == {"disagg_gpus"}
    first = log.warnings[0]
    assert first.reason.startswith("36 prefill + 36 decode GPUs contradict")
    assert first.reason.endswith("which imply 8 decode GPUs per prefill GPU")
    with pytest.raises(IngestError) as strict:
        parse(API_BYTES, source="t", today=TODAY, log=ErrorLog(warn=()))
    assert [e.index for e in strict.value.errors] == GB200_TOTAL_IN_BOTH_POOLS


def test_every_other_shipped_file_passes_every_check() -> None:
    files = [(BENCHMARKS / "inferencex_blog_points.csv", None)] + [
        (path, RUNNER_AGG_DATE) for path in sorted((BENCHMARKS / "inferencex_runner_agg").glob("agg_*.json"))
    ]  # fmt: skip
    for path, date in files:
        log = ErrorLog(warn=())
        assert parse(path.read_bytes(), source="t", date=date, today=TODAY, log=log), path
        assert log.warnings == []


def test_future_dates_are_rejected_even_when_every_check_warns() -> None:
    day_after_tomorrow = {"date": (TODAY + dt.timedelta(days=2)).isoformat()}
    for warn in (frozenset(), frozenset(SANITY_CHECKS)):
        (error,) = rejected([aggregated(), aggregated() | day_after_tomorrow], warn)
        assert (error.index, error.field, error.check) == (1, "date", None)
        assert error.reason == "2026-11-28 is in the future (today is 2026-11-26)"
    far = {"date": "2099-01-01"}
    (error,) = rejected([aggregated() | far], frozenset(SANITY_CHECKS))
    assert (error.index, error.field) == (0, "date")


def test_a_date_one_day_ahead_is_clock_skew_and_loads() -> None:
    tomorrow = {"date": (TODAY + dt.timedelta(days=1)).isoformat()}
    assert native([aggregated() | tomorrow], warn=frozenset()).warnings == []
    assert native([aggregated() | {"date": TODAY.isoformat()}], warn=frozenset()).warnings == []


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("tput_per_gpu", -1.0, "must be > 0, got -1.0"),
        ("tpot_s", 0.0, "must be > 0, got 0.0"),
        ("ttft_s", -0.5, "must be > 0, got -0.5"),
    ],
)
def test_non_positive_or_non_finite_measures_are_errors_even_when_all_checks_warn(
    field: str, value: float, reason: str
) -> None:
    (error,) = rejected([aggregated() | {field: value}], warn=frozenset(SANITY_CHECKS))
    assert (error.field, error.reason, error.check) == (field, reason, None)


def test_non_finite_measures_are_errors_even_when_all_checks_warn() -> None:
    csv = (ROOT / "tests" / "fixtures" / "ingest" / "native_points.csv").read_text()
    header, row = csv.splitlines()[:2]
    with pytest.raises(IngestError) as caught:
        payload = f"{header}\n{row.replace(',2687,', ',inf,')}\n".encode()
        parse_native_csv(payload, source="t", today=TODAY, log=ErrorLog(SANITY_CHECKS))
    (error,) = caught.value.errors
    assert (error.field, error.reason, error.check) == ("tput_per_gpu", "not a finite number: inf", None)  # fmt: skip


def test_warned_rows_load_with_the_values_as_given() -> None:
    log = ErrorLog(SANITY_CHECKS)
    payload = json.dumps({"source": "t", "points": [aggregated() | {"interactivity": 90.0}]})
    (point,) = parse_native_json(payload.encode(), source="t", today=TODAY, log=log)
    assert isinstance(point, Point)
    assert (point.interactivity, point.tpot_s) == (90.0, 0.013)
    assert (log.total, log.warnings_total) == (0, 1)


def test_warnings_are_capped_at_100_with_the_total() -> None:
    log = native([aggregated() | {"interactivity": 90.0}] * 150, warn=frozenset(SANITY_CHECKS))
    assert (len(log.warnings), log.warnings_total) == (100, 150)
    assert log.warnings[-1].index == 99


def test_policy_from_strict_and_the_setting() -> None:
    assert warn_checks(strict=True, setting="all") == frozenset()
    assert warn_checks(strict=False) == frozenset(SANITY_CHECKS)
    assert warn_checks(None) == DEFAULT_WARN_CHECKS == frozenset({"disagg_gpus"})
    assert warn_checks(None, "") == DEFAULT_WARN_CHECKS
    assert warn_checks(None, "none") == frozenset()
    assert warn_checks(None, "all") == frozenset(SANITY_CHECKS)
    assert warn_checks(None, " io_total, disagg_gpus ") == {"io_total", "disagg_gpus"}
    with pytest.raises(ValueError, match="unknown sanity check"):
        warn_checks(None, "io_total,vibes")
    with pytest.raises(ValueError, match="unknown sanity check"):  # future dates never warn
        warn_checks(None, "future_date")
    with pytest.raises(ValueError, match="unknown sanity check"):
        ErrorLog(warn={"vibes"})
