"""NVIDIA AIPerf ``profile_export_aiperf.json`` (schema 1.x).

Each metric is an object ``{unit, avg, p1..p99, min, max, std, count, sum}``
(aiperf/exporters/json_exporter.py). AIPerf's ``inter_token_latency`` is per request
(request latency - TTFT) / (output tokens - 1): what vLLM and InferenceX call TPOT, so it is
read as TPOT (p50 = median, avg = mean). Concurrency is the profiling phase's setting
(``input_config.phases``, or ``input_config.loadgen.concurrency`` in older files).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tco.ingest.rows import RowFieldError
from tco.ingest.tools.measured import Measured, number


def looks_like(document: Any) -> bool:
    return isinstance(document, dict) and (
        "aiperf_version" in document
        or ("time_to_first_token" in document and "output_token_throughput" in document)
    )


def _stat(document: dict[str, Any], metric: str, stat: str) -> float | None:
    section = document.get(metric)
    if section is None:
        return None
    if not isinstance(section, dict):
        raise RowFieldError(metric, "expected an object of statistics")
    try:
        return number(section, stat)
    except RowFieldError as exc:
        raise RowFieldError(f"{metric}.{stat}", exc.reason) from None


def _concurrency(config: dict[str, Any]) -> int | None:
    for phase in config.get("phases") or []:
        if isinstance(phase, dict) and phase.get("name") == "profiling":
            value = phase.get("concurrency")
            return value if isinstance(value, int) else None
    loadgen = config.get("loadgen")
    if isinstance(loadgen, dict) and isinstance(loadgen.get("concurrency"), int):
        return int(loadgen["concurrency"])
    return None


def _model(config: dict[str, Any]) -> str | None:
    models = config.get("models")
    items = models.get("items") if isinstance(models, dict) else models
    if isinstance(items, list) and items:
        first = items[0]
        name = first.get("name") if isinstance(first, dict) else first
        return name if isinstance(name, str) else None
    return None


def extract(document: dict[str, Any]) -> Measured:
    config = document.get("input_config")
    config = config if isinstance(config, dict) else {}
    conc = _concurrency(config)
    if conc is None:
        raise RowFieldError(
            "input_config.phases",
            "no profiling concurrency: tco curves are indexed by concurrency (aiperf profile "
            "--concurrency N)",
        )
    start = document.get("start_time")
    date = None
    if isinstance(start, str):
        try:
            date = dt.datetime.fromisoformat(start).date()
        except ValueError:
            raise RowFieldError("start_time", f"not an ISO timestamp: {start!r}") from None
    output = _stat(document, "output_token_throughput", "avg")
    total = _stat(document, "total_token_throughput", "avg")
    input_ = total - output if total is not None and output is not None else None
    tpot = {
        k: v
        for k, v in (
            ("median", _stat(document, "inter_token_latency", "p50")),
            ("mean", _stat(document, "inter_token_latency", "avg")),
        )
        if v is not None
    }
    return Measured(
        model_raw=_model(config),
        conc=conc,
        date=date,
        total_tps=total,
        output_tps=output,
        input_tps=input_,
        tpot_ms=tpot,
        ttft_ms=_stat(document, "time_to_first_token", "p50"),
        ttft_p90_ms=_stat(document, "time_to_first_token", "p90"),
        ttft_p99_ms=_stat(document, "time_to_first_token", "p99"),
        e2el_ms=_stat(document, "request_latency", "p50"),
    )
