"""Importers for the output files of the benchmark tools people run on their own deployments:
vLLM ``bench serve``, SGLang ``bench_serving``, NVIDIA AIPerf, GuideLLM and LLMPerf.

These files measure an endpoint and say nothing about what served it, so every import takes a
:class:`~tco.ingest.tools.recipe.Recipe` and is refused, naming the missing fields, without
one. Per-GPU throughput is the file's deployment-wide token rate divided by the recipe's GPU
count (for disaggregated recipes, output by decode GPUs and input by prefill GPUs, the
InferenceX convention of ``tco.domain.points``); interactivity is 1 / TPOT, the recipe's
``tpot_statistic`` (median by default); TTFT median, p90 and p99 are kept when present.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import msgspec

from tco.domain.points import Point
from tco.ingest.rows import (
    FILE_INDEX,
    ErrorLog,
    IngestError,
    RowError,
    RowFieldError,
    build_point,
    file_error,
)
from tco.ingest.tools import aiperf, guidellm, llmperf, sglang, vllm
from tco.ingest.tools.measured import Measured
from tco.ingest.tools.recipe import Recipe, missing_fields

__all__ = ["TOOL_FORMATS", "Recipe", "detect_tool_format", "parse_tool"]

# format name -> what it is, for the formats list of errors and docs
TOOL_FORMATS: dict[str, str] = {
    "vllm_bench": "vLLM `bench serve --save-result` JSON (also InferenceX benchmark_serving.py)",
    "sglang_bench": "SGLang `bench_serving` JSONL (one result a line; a sweep is one curve)",
    "aiperf": "NVIDIA AIPerf profile_export_aiperf.json",
    "guidellm": "GuideLLM benchmarks.json report (one point per benchmark)",
    "llmperf": "Ray LLMPerf *_summary.json",
}

_DETECTORS: tuple[tuple[str, Callable[[Any], bool]], ...] = (
    ("aiperf", aiperf.looks_like),
    ("guidellm", guidellm.looks_like),
    ("llmperf", llmperf.looks_like),
    ("sglang_bench", sglang.looks_like),
    ("vllm_bench", vllm.looks_like),
)


def json_lines(payload: bytes) -> list[Any] | None:
    """The objects of a JSON Lines payload (two or more non-blank lines, each a JSON value),
    or None when it is not one."""
    lines = [line for line in payload.splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    try:
        return [msgspec.json.decode(line) for line in lines]
    except msgspec.DecodeError:
        return None


def detect_tool_format(document: Any) -> str | None:
    """Which tool wrote a decoded JSON document (an object, or the first line of JSONL)."""
    for name, looks_like in _DETECTORS:
        if looks_like(document):
            return name
    return None


def _records(name: str, payload: bytes) -> list[Measured | RowFieldError]:
    lines = json_lines(payload) if name == "sglang_bench" else None
    if lines is None:
        try:
            document = msgspec.json.decode(payload)
        except msgspec.DecodeError as exc:
            raise file_error("payload", f"invalid JSON: {exc}") from None
        lines = [document]
    if name != "sglang_bench" and not isinstance(lines[0], dict):
        raise file_error("payload", f"a {name} file is one JSON object")
    records: list[Measured | RowFieldError] = []
    if name == "guidellm":
        report = lines[0]
        model = guidellm.report_model(report)
        benchmarks = report.get("benchmarks")
        if not isinstance(benchmarks, list) or not benchmarks:
            raise file_error("benchmarks", "a GuideLLM report needs a non-empty benchmarks list")
        for benchmark in benchmarks:
            records.append(_safely(guidellm.extract, benchmark, model))
        return records
    extract: Callable[[dict[str, Any]], Measured] = {
        "vllm_bench": vllm.extract,
        "sglang_bench": sglang.extract,
        "aiperf": aiperf.extract,
        "llmperf": llmperf.extract,
    }[name]
    for line in lines:
        if not isinstance(line, dict):
            records.append(RowFieldError("row", f"expected an object, got {type(line).__name__}"))
            continue
        records.append(_safely(extract, line))
    return records


def _safely(make: Callable[..., Measured], *args: Any) -> Measured | RowFieldError:
    try:
        return make(*args)
    except RowFieldError as exc:
        return exc


def _per_gpu(value: float | None, gpus: int) -> float | None:
    return None if value is None else value / gpus


def _ms_to_s(value: float | None) -> float | None:
    return None if value is None else value / 1000


def point_fields(measured: Measured, recipe: Recipe, *, source: str) -> dict[str, Any]:
    """Point fields of one measured record under a (complete) recipe."""
    tpot_ms = measured.tpot_ms.get(recipe.tpot_statistic)
    if tpot_ms is None:
        raise RowFieldError(
            f"{recipe.tpot_statistic}_tpot",
            f"the file has no {recipe.tpot_statistic} TPOT"
            + (f" (it has: {', '.join(measured.tpot_ms)})" if measured.tpot_ms else ""),
        )
    if measured.total_tps is None:
        raise RowFieldError("total_token_throughput", "the file has no token throughput")
    isl = recipe.isl if recipe.isl is not None else measured.isl
    osl = recipe.osl if recipe.osl is not None else measured.osl
    for name, value in (("isl", isl), ("osl", osl)):
        if value is None:
            raise RowFieldError(
                name, "the file states no fixed length: give the workload's nominal isl/osl"
            )
    fields: dict[str, Any] = {
        "model": recipe.model or measured.model_raw,
        "model_raw": measured.model_raw,
        "isl": isl,
        "osl": osl,
        "hardware": recipe.hardware,
        "framework": recipe.framework,
        "framework_version": recipe.framework_version,
        "precision": recipe.precision,
        "spec_method": recipe.spec_method,
        "disagg": recipe.disagg,
        "pp": recipe.pp,
        "conc": measured.conc,
        "date": recipe.date or measured.date,
        "source": source,
        "interactivity": 1000 / tpot_ms,
        "tpot_s": tpot_ms / 1000,
        "ttft_s": _ms_to_s(measured.ttft_ms),
        "ttft_p90_s": _ms_to_s(measured.ttft_p90_ms),
        "ttft_p99_s": _ms_to_s(measured.ttft_p99_ms),
        "e2el_s": _ms_to_s(measured.e2el_ms),
    }
    if recipe.disagg:
        prefill, decode = recipe.prefill_gpus or 0, recipe.decode_gpus or 0
        fields |= {
            "tp": recipe.decode_tp,
            "ep": recipe.decode_ep,
            "dp_attention": recipe.decode_dp_attention,
            "prefill_tp": recipe.prefill_tp,
            "prefill_ep": recipe.prefill_ep,
            "prefill_dp_attention": recipe.prefill_dp_attention,
            "decode_tp": recipe.decode_tp,
            "decode_ep": recipe.decode_ep,
            "decode_dp_attention": recipe.decode_dp_attention,
            "num_prefill_gpu": prefill,
            "num_decode_gpu": decode,
            "tput_per_gpu": measured.total_tps / (prefill + decode),
            "output_tput_per_gpu": _per_gpu(measured.output_tps, decode),
            "input_tput_per_gpu": _per_gpu(measured.input_tps, prefill),
        }
    else:
        gpus = recipe.gpus or 1
        fields |= {
            "tp": recipe.tp,
            "ep": recipe.ep,
            "dp_attention": recipe.dp_attention,
            # stated only when it differs from tp x pp (data-parallel replicas)
            "num_gpu": gpus if recipe.tp is None or gpus != recipe.tp * recipe.pp else None,
            "tput_per_gpu": measured.total_tps / gpus,
            "output_tput_per_gpu": _per_gpu(measured.output_tps, gpus),
            "input_tput_per_gpu": _per_gpu(measured.input_tps, gpus),
        }
    return fields


def parse_tool(
    payload: bytes,
    *,
    format: str,
    recipe: Recipe | None,
    source: str,
    today: dt.date | None = None,
    log: ErrorLog | None = None,
) -> list[Point]:
    """Every record of a tool's file as a point of the recipe (a sweep: one curve)."""
    recipe = recipe or Recipe()
    log = ErrorLog() if log is None else log
    records = _records(format, payload)
    measured = [r for r in records if isinstance(r, Measured)]
    missing = missing_fields(
        recipe,
        file_has_date=bool(measured) and all(m.date is not None for m in measured),
        file_has_model=bool(measured) and all(m.model_raw is not None for m in measured),
    )
    if missing:
        raise _missing_recipe(format, missing)
    gpus = (
        recipe.gpus if not recipe.disagg else (recipe.prefill_gpus or 0) + (recipe.decode_gpus or 0)
    )
    log.notes.append(
        f"interactivity = 1 / {recipe.tpot_statistic} TPOT; throughput per GPU = the file's "
        f"tok/s / {gpus} GPUs"
    )
    points: list[Point] = []
    for index, record in enumerate(records):
        if isinstance(record, RowFieldError):
            log.add(index, record.field, record.reason)
            continue
        try:
            fields = point_fields(record, recipe, source=recipe.source or source)
        except RowFieldError as exc:
            log.add(index, exc.field, exc.reason)
            continue
        log.notes.extend(f"row {index}: {note}" for note in record.notes)
        point = build_point(index, fields, log, today=today or dt.date.today())
        if point is not None:
            points.append(point)
    log.raise_if_any()
    return points


def _missing_recipe(format: str, missing: list[str]) -> IngestError:
    hint = (
        f"a {format} file does not record the deployment: give the recipe as query parameters "
        "(POST /v1/runs?hardware=h200&gpus=8&tp=8&framework=vllm&precision=fp8&spec_method="
        "none...) or a sidecar JSON object (tco import --recipe FILE.json)"
    )
    first = f"missing from the recipe (needed: {', '.join(missing)}); {hint}"
    return IngestError(
        [RowError(FILE_INDEX, missing[0], first)]
        + [RowError(FILE_INDEX, name, "missing from the recipe") for name in missing[1:]]
    )
