"""What a tool's output file measured, before the recipe makes it a point.

Each extractor reads one tool's summary into ``Measured`` records: deployment-wide token
throughputs (tok/s, all GPUs together), per-request latency statistics in milliseconds, the
concurrency, and whatever workload, model and date the file states. Nothing is estimated: a
statistic the file does not hold stays None.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import msgspec

from tco.ingest.rows import RowFieldError


class Measured(msgspec.Struct, kw_only=True):
    model_raw: str | None = None
    isl: int | None = None  # fixed input length of the workload, when the file states one
    osl: int | None = None
    conc: int | None = None
    date: dt.date | None = None
    total_tps: float | None = None
    output_tps: float | None = None
    input_tps: float | None = None
    tpot_ms: dict[str, float] = msgspec.field(default_factory=dict)  # statistic -> ms
    ttft_ms: float | None = None  # median
    ttft_p90_ms: float | None = None
    ttft_p99_ms: float | None = None
    e2el_ms: float | None = None  # median
    notes: list[str] = msgspec.field(default_factory=list)


def number(row: dict[str, Any], key: str) -> float | None:
    """row[key] as a finite float, or None when absent or null; a non-number is an error."""
    value = row.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise RowFieldError(key, f"expected a number, got {value!r}") from None
        else:
            raise RowFieldError(key, f"expected a number, got {type(value).__name__}")
    result = float(value)
    if not math.isfinite(result):
        raise RowFieldError(key, f"not a finite number: {value}")
    return result


def whole(value: float | None, field: str) -> int | None:
    if value is None:
        return None
    if value != int(value):
        raise RowFieldError(field, f"expected a whole number, got {value}")
    return int(value)


def total_of(total: float | None, input_: float | None, output: float | None) -> float | None:
    if total is not None:
        return total
    if input_ is not None and output is not None:
        return input_ + output
    return None


def unix_date(seconds: float | None) -> dt.date | None:
    if seconds is None:
        return None
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).date()
