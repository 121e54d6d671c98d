"""Adapters for the shipped points on hardware and models added to the catalog later
(benchmarks/new_hardware/, provenance in benchmarks/README.md): InferenceX-app's TPU v7
snapshot, its Gaudi 3 summary and the MiniMax M3 blog tables. Pure: bytes in, points out.

One accelerator is one chip: the TPU v7 rows say ``chips: 4`` with ``tp: 8`` because TP counts
TensorCore devices, two per Ironwood chip ("TP8 (eight logical devices)", "two-device-per-chip
layout", InferenceX-app blog tpu-inferencex-full-steam.mdx), while ``tput_per_gpu`` is per chip
(9,363.8 at conc 256 = the post's "9,364 total tokens/s/chip") and prices are per chip-hour.
So a TPU point keeps the recorded tp and states ``num_gpu`` = chips.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from tco.domain.points import Point
from tco.ingest.rows import (
    ErrorLog,
    RowFieldError,
    build_point,
    csv_table,
    file_error,
    half_ulp,
    require,
)

# The snapshot carries no run date; the blog post it matches was published on 2026-09-07, an
# upper bound for the run date: a stand-in, marked on every point (date_stand_in).
TPU_SNAPSHOT_DATE = dt.date(2026, 9, 7)


def _decode(payload: bytes) -> Any:
    try:
        return msgspec.json.decode(payload)
    except msgspec.DecodeError as exc:
        raise file_error("payload", f"invalid JSON: {exc}") from None


def _collect(rows: list[dict[str, Any] | RowFieldError], log: ErrorLog | None) -> list[Point]:
    log = ErrorLog() if log is None else log
    points: list[Point] = []
    for index, fields in enumerate(rows):
        if isinstance(fields, RowFieldError):
            log.add(index, fields.field, fields.reason)
            continue
        point = build_point(index, fields, log, today=dt.date.today())
        if point is not None:
            points.append(point)
    log.raise_if_any()
    return points


def _tpu_row(row: Any, source: str) -> dict[str, Any] | RowFieldError:
    try:
        if not isinstance(row, dict) or not isinstance(row.get("metrics"), dict):
            raise RowFieldError("metrics", "expected an object with metrics")
        m = row["metrics"]
        chips, tp = require(row, "chips"), require(row, "tp")
        return {
            "model": "qwen3.5-397b-a17b",
            "isl": 8192,
            "osl": 1024,
            "hardware": "tpuv7",
            "framework": "vllm",
            "framework_version": "TorchTPU vLLM (private beta)",
            "precision": "fp8",
            "spec_method": "none",  # "single-token prediction" in the post
            "disagg": False,
            "tp": tp,
            "ep": require(row, "ep"),
            "dp_attention": (m.get("dp") or 1) > 1,
            "num_gpu": chips,
            "conc": require(row, "conc"),
            "date": TPU_SNAPSHOT_DATE,
            "date_stand_in": True,
            "source": source,
            "tput_per_gpu": require(m, "tput_per_gpu"),
            "output_tput_per_gpu": m.get("output_tput_per_gpu"),
            "input_tput_per_gpu": m.get("input_tput_per_gpu"),
            "interactivity": require(m, "median_intvty"),
            "tpot_s": require(m, "median_tpot"),
            "ttft_s": m.get("median_ttft"),
            "ttft_p90_s": m.get("p90_ttft"),
            "ttft_p99_s": m.get("p99_ttft"),
            "e2el_s": m.get("median_e2el"),
        }
    except RowFieldError as exc:
        return exc


def parse_tpuv7_snapshot(
    payload: bytes, *, source: str, log: ErrorLog | None = None
) -> list[Point]:
    rows = _decode(payload)
    if not isinstance(rows, list):
        raise file_error("payload", "expected a JSON array")
    return _collect([_tpu_row(r, source) for r in rows], log)


def _gaudi_row(meta: dict[str, Any], row: Any, source: str) -> dict[str, Any] | RowFieldError:
    try:
        if not isinstance(row, dict):
            raise RowFieldError("row", "expected an object")
        gpus = require(row, "num_gpus")
        framework, _, version = str(require(meta, "framework")).partition(" ")
        return {
            "model": require(meta, "model"),
            "isl": require(meta, "input_len"),
            "osl": require(meta, "output_len"),
            "hardware": "gaudi3",
            "hardware_raw": meta.get("hardware"),
            "framework": "vllm",
            "framework_raw": framework,
            "framework_version": f"{framework} {version}".strip(),
            "precision": require(meta, "precision"),
            "spec_method": "unknown",  # not stated by the summary
            "disagg": False,
            "tp": require(meta, "tensor_parallel"),
            "num_gpu": gpus if gpus != meta.get("tensor_parallel") else None,
            "conc": require(row, "concurrency"),
            "date": dt.date.fromisoformat(str(require(meta, "date"))),
            "source": source,
            # deployment totals / GPUs: the file's own per-GPU figures are rounded to 2 places
            "tput_per_gpu": require(row, "total_throughput") / gpus,
            "output_tput_per_gpu": require(row, "output_throughput") / gpus,
            "input_tput_per_gpu": (row["total_throughput"] - row["output_throughput"]) / gpus,
            "interactivity": 1000 / require(row, "median_tpot_ms"),
            "tpot_s": row["median_tpot_ms"] / 1000,
            "ttft_s": row["median_ttft_ms"] / 1000 if "median_ttft_ms" in row else None,
            "ttft_p99_s": row["p99_ttft_ms"] / 1000 if "p99_ttft_ms" in row else None,
        }
    except RowFieldError as exc:
        return exc


def parse_gaudi3_summary(
    payload: bytes, *, source: str, log: ErrorLog | None = None
) -> list[Point]:
    document = _decode(payload)
    if not isinstance(document, dict) or not isinstance(document.get("metadata"), dict):
        raise file_error("payload", "expected {metadata, results}")
    meta, results = document["metadata"], document.get("results")
    if not isinstance(results, list):
        raise file_error("results", "expected a list")
    return _collect([_gaudi_row(meta, r, source) for r in results], log)


def parse_minimax_blog_csv(
    payload: bytes, *, source: str, log: ErrorLog | None = None
) -> list[Point]:
    """The post's tables as transcribed: tok/s/GPU (total), tok/s/user and TPOT (ms), printed
    rounded; the interactivity check uses the printed digits."""
    _, table = csv_table(payload.decode("utf-8-sig"))
    log = ErrorLog() if log is None else log
    points: list[Point] = []
    for index, row in enumerate(table):
        fields = {
            "model": row["model"],
            "isl": int(row["isl"]),
            "osl": int(row["osl"]),
            "hardware": row["hardware"],
            "framework": row["framework"],
            "precision": row["precision"],
            "spec_method": row["spec"],
            "disagg": False,
            "tp": int(row["tp"]),
            "ep": int(row["ep"]),
            "conc": int(row["conc"]),
            "date": dt.date.fromisoformat(row["measured_date"]),
            "source": f"{source} (dashboard run {row['run_id']}, table {row['source_table']})",
            "tput_per_gpu": float(row["tok_s_gpu"]),
            "interactivity": float(row["tok_s_user"]),
            "tpot_s": float(row["tpot_ms"]) / 1000,
        }
        point = build_point(
            index,
            fields,
            log,
            today=dt.date.today(),
            interactivity_half_ulp=half_ulp(row["tok_s_user"]),
            tpot_s_half_ulp=half_ulp(row["tpot_ms"]) / 1000,
        )
        if point is not None:
            points.append(point)
    log.raise_if_any()
    return points
