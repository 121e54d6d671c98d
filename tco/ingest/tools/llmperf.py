"""Ray LLMPerf ``*_summary.json`` (token_benchmark_ray.py).

Flat keys ``results_<metric>_<stat>`` with latencies in seconds: ``ttft_s``,
``inter_token_latency_s`` (per request: the mean gap between its tokens, which is its TPOT),
``end_to_end_latency_s``; ``results_mean_output_throughput_token_per_s`` is output tokens over
the run; ``num_concurrent_requests``, ``mean_input_tokens``, ``mean_output_tokens`` (the
requested lengths) and ``timestamp`` (unix seconds) describe the run.
"""

from __future__ import annotations

from typing import Any

from tco.ingest.rows import RowFieldError
from tco.ingest.tools.measured import Measured, number, unix_date, whole

_TPOT = "results_inter_token_latency_s"


def looks_like(document: Any) -> bool:
    return isinstance(document, dict) and (
        "results_ttft_s_mean" in document
        or "results_mean_output_throughput_token_per_s" in document
    )


def _ms(document: dict[str, Any], key: str) -> float | None:
    value = number(document, key)
    return None if value is None else value * 1000


def extract(document: dict[str, Any]) -> Measured:
    conc = whole(number(document, "num_concurrent_requests"), "num_concurrent_requests")
    if conc is None:
        raise RowFieldError("num_concurrent_requests", "missing")
    output = number(document, "results_mean_output_throughput_token_per_s")
    per_minute = number(document, "results_num_completed_requests_per_min")
    mean_in = number(document, "results_number_input_tokens_mean")
    # completed requests per second x their mean input tokens = input tokens per second
    input_ = per_minute / 60 * mean_in if per_minute is not None and mean_in is not None else None
    model = document.get("model")
    return Measured(
        model_raw=model if isinstance(model, str) else None,
        isl=whole(number(document, "mean_input_tokens"), "mean_input_tokens"),
        osl=whole(number(document, "mean_output_tokens"), "mean_output_tokens"),
        conc=conc,
        date=unix_date(number(document, "timestamp")),
        total_tps=input_ + output if input_ is not None and output is not None else None,
        output_tps=output,
        input_tps=input_,
        tpot_ms={
            k: v
            for k, v in (
                ("median", _ms(document, f"{_TPOT}_quantiles_p50")),
                ("mean", _ms(document, f"{_TPOT}_mean")),
            )
            if v is not None
        },
        ttft_ms=_ms(document, "results_ttft_s_quantiles_p50"),
        ttft_p90_ms=_ms(document, "results_ttft_s_quantiles_p90"),
        ttft_p99_ms=_ms(document, "results_ttft_s_quantiles_p99"),
        e2el_ms=_ms(document, "results_end_to_end_latency_s_quantiles_p50"),
    )
