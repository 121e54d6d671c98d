"""SGLang ``python -m sglang.bench_serving --output-file`` JSONL: one result object a line,
appended by each run (a sweep of request rates or concurrencies is one file, one curve).

Keys (sglang/bench_serving.py): ``request_throughput``, ``input_throughput``,
``output_throughput``, ``{mean,median,std,p99}_{ttft,tpot,itl,e2e_latency}_ms``,
``max_concurrency``, ``concurrency`` (measured: sum of E2E latencies / duration), ``duration``,
``completed``, ``total_input_tokens``, ``total_output_tokens``. Older versions (2024) write
neither TPOT nor ``concurrency`` nor the throughput split.
"""

from __future__ import annotations

from typing import Any

from tco.ingest.rows import RowFieldError
from tco.ingest.tools.measured import Measured, number, total_of, whole

SIGNATURE = ("median_e2e_latency_ms", "mean_e2e_latency_ms", "total_output_tokens_retokenized")


def looks_like(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and "output_throughput" in document
        and any(k in document for k in SIGNATURE)
    )


def _concurrency(line: dict[str, Any], notes: list[str]) -> int:
    limit = whole(number(line, "max_concurrency"), "max_concurrency")
    if limit is not None:
        return limit
    measured = number(line, "concurrency")
    if measured is None:
        completed, duration = number(line, "completed"), number(line, "duration")
        mean_e2e = number(line, "mean_e2e_latency_ms")
        if completed is None or duration is None or mean_e2e is None or duration <= 0:
            raise RowFieldError(
                "max_concurrency", "null, and no concurrency, completed, duration or E2E latency"
            )
        # bench_serving's own definition of `concurrency`: sum(e2e latencies) / duration
        measured = completed * mean_e2e / 1000 / duration
    notes.append(
        f"request-rate run (max_concurrency null): conc {round(measured)} is the measured mean "
        f"concurrency {measured:.2f} (sum of E2E latencies / duration), rounded"
    )
    return max(1, round(measured))


def extract(line: dict[str, Any]) -> Measured:
    notes: list[str] = []
    duration = number(line, "duration")
    output = number(line, "output_throughput")
    input_ = number(line, "input_throughput")
    total_in = number(line, "total_input_tokens")
    if input_ is None and total_in is not None and duration:
        input_ = total_in / duration  # as bench_serving computes input_throughput
    tpot = {
        k: v
        for k, v in (
            ("median", number(line, "median_tpot_ms")),
            ("mean", number(line, "mean_tpot_ms")),
        )
        if v is not None
    }
    if not tpot:
        itl = {
            k: v
            for k, v in (
                ("median", number(line, "median_itl_ms")),
                ("mean", number(line, "mean_itl_ms")),
            )
            if v is not None
        }
        if itl:
            notes.append("no TPOT in this bench_serving version: interactivity from ITL")
            tpot = itl
    isl = osl = None
    if line.get("dataset_name") == "random":
        isl = whole(number(line, "random_input_len"), "random_input_len")
        osl = whole(number(line, "random_output_len"), "random_output_len")
        ratio = number(line, "random_range_ratio")
        if ratio is not None and ratio != 1.0:
            notes.append(
                f"random dataset with random_range_ratio {ratio}: {isl}/{osl} are the nominal "
                "(maximum) lengths"
            )
    return Measured(
        model_raw=line.get("model_id") if isinstance(line.get("model_id"), str) else None,
        isl=isl,
        osl=osl,
        conc=_concurrency(line, notes),
        total_tps=total_of(number(line, "total_throughput"), input_, output),
        output_tps=output,
        input_tps=input_,
        tpot_ms=tpot,
        ttft_ms=number(line, "median_ttft_ms"),
        ttft_p90_ms=number(line, "p90_ttft_ms"),
        ttft_p99_ms=number(line, "p99_ttft_ms"),
        e2el_ms=number(line, "median_e2e_latency_ms"),
        notes=notes,
    )
