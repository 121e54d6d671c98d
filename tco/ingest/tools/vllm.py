"""vLLM ``vllm bench serve --save-result`` JSON (and the InferenceX fork of
``benchmark_serving.py``, same keys without per-request arrays).

Keys (vllm/benchmarks/serve.py): ``request_throughput``, ``output_throughput``,
``total_token_throughput``, ``{mean,median,std,pNN}_{ttft,tpot,itl,e2el}_ms``,
``max_concurrency``, ``date`` as ``YYYYMMDD-HHMMSS``. TPOT there is per request, excluding the
first token: (E2E - TTFT) / (output tokens - 1).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tco.ingest.rows import RowFieldError
from tco.ingest.tools.measured import Measured, number, total_of, whole

# keys that only vLLM's result JSON has (SGLang writes *_e2e_latency_ms instead of *_e2el_ms)
SIGNATURE = ("median_e2el_ms", "mean_e2el_ms", "total_token_throughput")


def looks_like(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and "output_throughput" in document
        and any(k in document for k in SIGNATURE)
    )


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RowFieldError("date", f"expected 'YYYYMMDD-HHMMSS', got {value!r}")
    try:
        return dt.datetime.strptime(value[:8], "%Y%m%d").date()
    except ValueError:
        raise RowFieldError("date", f"expected 'YYYYMMDD-HHMMSS', got {value!r}") from None


def extract(document: dict[str, Any]) -> Measured:
    output = number(document, "output_throughput")
    total = number(document, "total_token_throughput")
    input_ = number(document, "input_throughput")
    if input_ is None and total is not None and output is not None:
        input_ = total - output
    conc = whole(number(document, "max_concurrency"), "max_concurrency")
    if conc is None:
        raise RowFieldError(
            "max_concurrency",
            "null: the run was rate-limited, not concurrency-limited; tco curves are indexed "
            "by concurrency (run bench serve with --max-concurrency)",
        )
    model = document.get("model_id")
    return Measured(
        model_raw=model if isinstance(model, str) else None,
        isl=whole(number(document, "random_input_len"), "random_input_len"),
        osl=whole(number(document, "random_output_len"), "random_output_len"),
        conc=conc,
        date=_date(document.get("date")),
        total_tps=total_of(total, input_, output),
        output_tps=output,
        input_tps=input_,
        tpot_ms={
            k: v
            for k, v in (
                ("median", number(document, "median_tpot_ms")),
                ("mean", number(document, "mean_tpot_ms")),
            )
            if v is not None
        },
        ttft_ms=number(document, "median_ttft_ms"),
        ttft_p90_ms=number(document, "p90_ttft_ms"),
        ttft_p99_ms=number(document, "p99_ttft_ms"),
        e2el_ms=number(document, "median_e2el_ms"),
    )
