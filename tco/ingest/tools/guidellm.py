"""GuideLLM ``benchmarks.json`` reports (``guidellm benchmark --output-path``).

``benchmarks[]`` holds one benchmark per strategy of the profile (a sweep is one file, one
curve). Each metric is a StatusDistributionSummary (guidellm/benchmark/schemas/generative/
metrics.py): ``metrics.<name>.successful.{mean, median, percentiles.{p90, p99}}``. Rates
(``*_tokens_per_second``) are time-weighted, so their mean is tokens over the measured window.
Concurrency is the ``concurrent`` strategy's ``streams`` (``synchronous`` is 1); other
strategies (throughput, constant, poisson) set a rate, so their conc is the measured mean
``request_concurrency``, rounded, and said so.
"""

from __future__ import annotations

from typing import Any

from tco.ingest.rows import RowFieldError
from tco.ingest.tools.measured import Measured, number, unix_date


def looks_like(document: Any) -> bool:
    if not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list):
        return False
    first = document["benchmarks"][0] if document["benchmarks"] else None
    return isinstance(first, dict) and isinstance(first.get("metrics"), dict)


def _successful(metrics: dict[str, Any], name: str) -> dict[str, Any] | None:
    section = metrics.get(name)
    if section is None:
        return None
    status = section.get("successful") if isinstance(section, dict) else None
    if not isinstance(status, dict):
        raise RowFieldError(f"metrics.{name}", "expected {successful: {mean, median, ...}}")
    return status


def _stat(metrics: dict[str, Any], name: str, stat: str) -> float | None:
    summary = _successful(metrics, name)
    if summary is None:
        return None
    if stat.startswith("p"):
        percentiles = summary.get("percentiles")
        return number(percentiles, stat) if isinstance(percentiles, dict) else None
    return number(summary, stat)


def _strategy(benchmark: dict[str, Any]) -> dict[str, Any]:
    for holder in (benchmark.get("config"), benchmark.get("args"), benchmark):
        if isinstance(holder, dict) and isinstance(holder.get("strategy"), dict):
            return dict(holder["strategy"])
    return {}


def extract(benchmark: dict[str, Any], model: str | None) -> Measured:
    metrics = benchmark.get("metrics")
    if not isinstance(metrics, dict):
        raise RowFieldError("metrics", "missing")
    notes: list[str] = []
    strategy = _strategy(benchmark)
    kind = strategy.get("type_") or strategy.get("type")
    if kind == "synchronous":
        conc: int | None = 1
    elif kind == "concurrent" and isinstance(strategy.get("streams"), int):
        conc = int(strategy["streams"])
    else:
        measured = _stat(metrics, "request_concurrency", "mean")
        if measured is None:
            raise RowFieldError("metrics.request_concurrency", "missing")
        conc = max(1, round(measured))
        notes.append(
            f"strategy {kind or 'unknown'}: conc {conc} is the measured mean request "
            f"concurrency {measured:.2f}, rounded"
        )
    start = number(benchmark, "start_time")
    if start is None and isinstance(benchmark.get("run_stats"), dict):
        start = number(benchmark["run_stats"], "start_time")
    return Measured(
        model_raw=model,
        conc=conc,
        date=unix_date(start),
        total_tps=_stat(metrics, "tokens_per_second", "mean"),
        output_tps=_stat(metrics, "output_tokens_per_second", "mean"),
        input_tps=_stat(metrics, "prompt_tokens_per_second", "mean"),
        tpot_ms={
            k: v
            for k, v in (
                ("median", _stat(metrics, "time_per_output_token_ms", "median")),
                ("mean", _stat(metrics, "time_per_output_token_ms", "mean")),
            )
            if v is not None
        },
        ttft_ms=_stat(metrics, "time_to_first_token_ms", "median"),
        ttft_p90_ms=_stat(metrics, "time_to_first_token_ms", "p90"),
        ttft_p99_ms=_stat(metrics, "time_to_first_token_ms", "p99"),
        e2el_ms=e2el_ms(benchmark),
        notes=notes,
    )


def report_model(document: dict[str, Any]) -> str | None:
    for holder in (document.get("args"), document.get("config")):
        if isinstance(holder, dict) and isinstance(holder.get("model"), str):
            return str(holder["model"])
    return None


def e2el_ms(benchmark: dict[str, Any]) -> float | None:
    metrics = benchmark.get("metrics")
    if not isinstance(metrics, dict):
        return None
    seconds = _stat(metrics, "request_latency", "median")
    return None if seconds is None else seconds * 1000
