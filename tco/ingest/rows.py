"""What every adapter shares: row errors, the all-or-nothing error log, and the step that turns
one source row (a dict of Point fields with raw key spellings) into a validated Point."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import re
from collections.abc import Collection
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from tco.domain import keys
from tco.domain.points import Point
from tco.tabular import unescape_cell

# Enough to fix a file in one pass without flooding an HTTP answer; the total is always given.
MAX_REPORTED_ERRORS = 100

# index of an error about the payload as a whole (syntax, shape, header) rather than a row
FILE_INDEX = -1

# Plausibility checks a caller may report as warnings instead of errors: a row failing one is
# suspicious but still usable. Not among them, always errors: missing or mistyped fields, and
# non-finite or non-positive measures (such a point can be neither stored nor priced).
SANITY_CHECKS: tuple[str, ...] = ("interactivity_tpot", "io_total", "disagg_gpus")
# A measurement cannot postdate its ingest, so a future date is always an error, never a
# warning: a point dated 2099 would become every answer's benchmark_as_of and the catalog's
# latest date. One day of allowance covers a source's clock (or time zone) ahead of ours.
FUTURE_DATE_ALLOWANCE = dt.timedelta(days=1)
# The public InferenceX API itself publishes disaggregated rows whose pool GPU counts contradict
# their per-pool throughputs (8 GB200 rows of December 2025 repeat the deployment's total in
# both counts), so by default that check warns; the others reject the payload.
DEFAULT_WARN_CHECKS: frozenset[str] = frozenset({"disagg_gpus"})


class RowError(msgspec.Struct, frozen=True):
    index: int  # 0-based row in the payload; FILE_INDEX for the payload as a whole
    field: str
    reason: str
    check: str | None = None  # the sanity check (SANITY_CHECKS) that found it, if any


class IngestError(Exception):
    """A payload that does not load. Carries every row error (up to MAX_REPORTED_ERRORS) and
    the total count, so a caller can fix a file in one pass."""

    def __init__(self, errors: list[RowError], total: int | None = None) -> None:
        self.errors = errors
        self.total = len(errors) if total is None else total
        shown = "; ".join(f"row {e.index} {e.field}: {e.reason}" for e in errors[:3])
        more = f" (+{self.total - 3} more)" if self.total > 3 else ""
        super().__init__(f"{self.total} ingest error(s): {shown}{more}")


class RowFieldError(Exception):
    """Raised inside an adapter's row parsing; collected into the file's error log."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class ErrorLog:
    """Collects row errors across a whole payload; ``raise_if_any`` makes the load atomic.

    Sanity findings of the checks named in ``warn`` are kept as warnings instead (their row
    still loads); pass a log to an adapter to read them afterwards.
    """

    def __init__(self, warn: Collection[str] = DEFAULT_WARN_CHECKS) -> None:
        unknown = sorted(set(warn) - set(SANITY_CHECKS))
        if unknown:
            raise ValueError(f"unknown sanity check(s) {', '.join(unknown)}")
        self.warn = frozenset(warn)
        self.errors: list[RowError] = []
        self.total = 0
        self.warnings: list[RowError] = []
        self.warnings_total = 0
        # how the adapter read the payload (statistics chosen, values derived), for the answer
        self.notes: list[str] = []

    def add(self, index: int, field: str, reason: str, check: str | None = None) -> bool:
        """Record a finding; True when it is an error (the row must not load)."""
        if check in self.warn:
            self.warnings_total += 1
            if len(self.warnings) < MAX_REPORTED_ERRORS:
                self.warnings.append(RowError(index, field, reason, check))
            return False
        self.total += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(index, field, reason, check))
        return True

    def raise_if_any(self) -> None:
        if self.total:
            raise IngestError(self.errors, self.total)


def file_error(field: str, reason: str) -> IngestError:
    return IngestError([RowError(FILE_INDEX, field, reason)])


def csv_table(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of CSV text, read whole. newline="" as the csv module requires: CR, LF
    or CRLF line ends, and line breaks inside quoted cells. Unreadable CSV is a file error."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise file_error("payload", f"not readable as CSV: {exc}") from None
    # A text cell tco exported formula-escaped ("'=...", see tco.tabular) reads back as "=...".
    for row in rows:
        for key, value in row.items():
            if isinstance(value, str) and value.startswith("'"):
                row[key] = unescape_cell(value)
    return list(reader.fieldnames or []), rows


def require(row: dict[str, Any], key: str, *, label: str | None = None) -> Any:
    """row[key], or a RowFieldError naming the field (``label`` when the key is nested)."""
    if key not in row:
        raise RowFieldError(label or key, "missing")
    return row[key]


def half_ulp(printed: str) -> float:
    """Half a unit in the last printed digit: '78.9' -> 0.05, '13' -> 0.5, '0.013' -> 0.0005."""
    try:
        exponent = Decimal(printed.strip()).as_tuple().exponent
    except InvalidOperation:
        return math.nan
    return 0.5 * 10.0 ** int(exponent) if isinstance(exponent, int) else math.nan


def interactivity_matches_tpot(
    interactivity: float,
    tpot_s: float,
    *,
    interactivity_half_ulp: float,
    tpot_s_half_ulp: float,
    relative_allowance: float = 0.0,
) -> bool:
    """Whether interactivity = 1 / TPOT for some true values that round to the printed ones.

    The tolerance comes from the printed digits (78.9 tok/s/user at 13 ms is consistent:
    78.85 x 0.0135 >= 1), not from a blanket percentage. ``relative_allowance`` widens it for a
    source known to print the two as separately computed statistics (see the blog adapter).
    """
    low = (interactivity - interactivity_half_ulp) * (tpot_s - tpot_s_half_ulp)
    high = (interactivity + interactivity_half_ulp) * (tpot_s + tpot_s_half_ulp)
    slack = 1e-9 + relative_allowance  # 1e-9: binary floating point noise
    return low * (1 - slack) <= 1.0 <= high * (1 + slack)


_FLOAT_FIELDS = tuple(
    name for name in Point.__struct_fields__ if "float" in Point.__annotations__[name]
)
# Measures a benchmark can plausibly report. The shipped data spans 0.45 to 27,500 tok/s/GPU
# and 0.93 to 380 tok/s/user; far outside is a unit slip or garbage, and prices divided by it
# would leave the floats (1e-300 tok/s/GPU makes a cost of inf, which JSON cannot carry).
_THROUGHPUT_BOUNDS = (1e-3, 1e7)  # tok/s/GPU
_MEASURE_BOUNDS: dict[str, tuple[float, float]] = {
    "tput_per_gpu": _THROUGHPUT_BOUNDS,
    "output_tput_per_gpu": _THROUGHPUT_BOUNDS,
    "input_tput_per_gpu": _THROUGHPUT_BOUNDS,
    "interactivity": (1e-3, 1e6),  # tok/s/user
}
_POSITIVE_INT_FIELDS = (
    "isl",
    "osl",
    "conc",
    "pp",
    "tp",
    "ep",
    "prefill_tp",
    "prefill_ep",
    "decode_tp",
    "decode_ep",
    "num_prefill_gpu",
    "num_decode_gpu",
    "num_gpu",
)
# Cached: a payload spells each key a handful of ways across thousands of rows, and the
# lookups (regex folding) were a tenth of parsing time. Unknown spellings raise, uncached.
_KEY_FIELDS = tuple(
    (name, functools.lru_cache(maxsize=1024)(canonical))
    for name, canonical in (
        ("model", keys.canonical_model),
        ("hardware", keys.canonical_hardware),
        ("framework", keys.canonical_framework),
        ("precision", keys.canonical_precision),
        ("spec_method", keys.canonical_spec_method),
    )
)


def _clear_key_caches() -> None:
    for _, canonical in _KEY_FIELDS:
        canonical.cache_clear()


keys.on_change(_clear_key_caches)  # an entry added to the catalog: spellings may now resolve
_RAW_KEPT = ("model", "hardware", "framework", "precision")
_CONVERT_FIELD = re.compile(r"at `\$\.(\w+)`|required field `(\w+)`")


def _validation_field(message: str) -> str:
    match = _CONVERT_FIELD.search(message)
    return next((g for g in match.groups() if g), "row") if match else "row"


def build_point(
    index: int,
    fields: dict[str, Any],
    log: ErrorLog,
    *,
    today: dt.date,
    interactivity_half_ulp: float | None = None,
    tpot_s_half_ulp: float | None = None,
    relative_allowance: float = 0.0,
    require_pool_gpu_counts: bool = True,
) -> Point | None:
    """Canonicalize keys (keeping raw spellings), type-check and validate one row.

    Every problem goes to ``log``; returns None when the row is bad. Half-ulps default to the
    shortest repr of the float (full-precision sources get a tight tolerance).
    """
    for name, canonical in _KEY_FIELDS:
        raw = fields.get(name)
        if not isinstance(raw, str):
            continue  # msgspec reports the missing or mistyped field below
        try:
            fields[name] = canonical(raw)
        except keys.UnknownKeyError as exc:
            log.add(index, name, str(exc))
            return None
        if name in _RAW_KEPT and fields.get(f"{name}_raw") is None:
            fields[f"{name}_raw"] = raw
    try:
        point = msgspec.convert(fields, Point)
    except msgspec.ValidationError as exc:
        log.add(index, _validation_field(str(exc)), str(exc))
        return None
    problems = validate_point(
        point,
        today=today,
        interactivity_half_ulp=interactivity_half_ulp,
        tpot_s_half_ulp=tpot_s_half_ulp,
        relative_allowance=relative_allowance,
        require_pool_gpu_counts=require_pool_gpu_counts,
    )
    # a list, not a generator: every finding is logged, not just the first error
    errors = [log.add(index, field, reason, check) for field, reason, check in problems]
    if any(errors):
        return None
    warned = [f"{check}: {reason}" for _, reason, check in problems if check is not None]
    if warned and point.inconsistent is None:
        # accepted with a warning: the answers using it say so (and capacity is not computed)
        point = msgspec.structs.replace(point, inconsistent="; ".join(warned))
    return point


def validate_point(
    point: Point,
    *,
    today: dt.date,
    interactivity_half_ulp: float | None = None,
    tpot_s_half_ulp: float | None = None,
    relative_allowance: float = 0.0,
    require_pool_gpu_counts: bool = True,
) -> list[tuple[str, str, str | None]]:
    """(field, reason, sanity check or None) for every rule the point breaks; empty when it
    is valid."""
    problems: list[tuple[str, str, str | None]] = []
    for name in _FLOAT_FIELDS:
        value = getattr(point, name)
        if value is None:
            continue
        if not math.isfinite(value):
            problems.append((name, f"not a finite number: {value}", None))
        elif value <= 0:
            problems.append((name, f"must be > 0, got {value}", None))
    for name, (low, high) in _MEASURE_BOUNDS.items():
        value = getattr(point, name)
        if value is not None and math.isfinite(value) and value > 0 and not low <= value <= high:
            problems.append((name, f"must be within [{low:g}, {high:g}], got {value}", None))
    for name in _POSITIVE_INT_FIELDS:
        value = getattr(point, name)
        if value is not None and value < 1:
            problems.append((name, f"must be >= 1, got {value}", None))
    if point.date > today + FUTURE_DATE_ALLOWANCE:
        problems.append(
            ("date", f"{point.date.isoformat()} is in the future (today is {today})", None)
        )
    if point.disagg:
        if require_pool_gpu_counts:
            for name in ("num_prefill_gpu", "num_decode_gpu"):
                if getattr(point, name) is None:
                    problems.append((name, "required for a disaggregated row", None))
        problems += [(f, r, "disagg_gpus") for f, r in _disagg_gpu_problems(point)]
    elif point.tp is None:
        problems.append(("tp", "required for an aggregated row", None))
    else:
        problems += [(f, r, "io_total") for f, r in _io_total_problems(point)]
    measures_finite = all(math.isfinite(v) and v > 0 for v in (point.interactivity, point.tpot_s))
    if (
        measures_finite
        and not _exact(point.interactivity * point.tpot_s, 1.0)
        and not interactivity_matches_tpot(
            point.interactivity,
            point.tpot_s,
            interactivity_half_ulp=_or_repr_half_ulp(interactivity_half_ulp, point.interactivity),
            tpot_s_half_ulp=_or_repr_half_ulp(tpot_s_half_ulp, point.tpot_s),
            relative_allowance=relative_allowance,
        )
    ):
        problems.append(
            (
                "interactivity",
                f"{point.interactivity} tok/s/user is inconsistent with TPOT "
                f"{point.tpot_s} s (expected about {1 / point.tpot_s:.4g})",
                "interactivity_tpot",
            )
        )
    return problems


def _exact(value: float, expected: float) -> bool:
    """Equal up to float noise: the common case for full-precision sources, decided without
    the printed-digits tolerance (parsing repr() as a Decimal costs ~10 us per value)."""
    return abs(value - expected) <= 1e-12 * abs(expected)


def _usable(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(v) and v > 0 for v in values)


def _io_total_problems(point: Point) -> list[tuple[str, str]]:
    """An aggregated row's input + output throughput per GPU is its total, up to the printed
    digits of the three numbers (full-precision sources agree to ~1e-16)."""
    total, output, input_ = point.tput_per_gpu, point.output_tput_per_gpu, point.input_tput_per_gpu
    if output is None or input_ is None or not _usable(total, output, input_):
        return []
    if _exact(output + input_, total):
        return []
    if abs(output + input_ - total) <= _repr_half_ulps(total, output, input_) + 1e-9 * total:
        return []
    return [
        (
            "tput_per_gpu",
            f"input {input_} + output {output} = {input_ + output:.6g} tok/s/GPU differs from "
            f"the total {total}",
        )
    ]


def _disagg_gpu_problems(point: Point) -> list[tuple[str, str]]:
    """Pool GPU counts that fit the pools' workers and tensor parallelism, and the per-pool
    throughputs: output per decode GPU x decode GPUs + input per prefill GPU x prefill GPUs
    is the total per GPU x all GPUs (see tco.domain.points on the disagg trap)."""
    problems: list[tuple[str, str]] = []
    for pool in ("prefill", "decode"):
        gpus, workers = getattr(point, f"num_{pool}_gpu"), getattr(point, f"{pool}_num_workers")
        tp = getattr(point, f"{pool}_tp")
        if gpus is None:
            continue
        if workers is not None and workers >= 1 and gpus % workers:
            problems.append(
                (f"num_{pool}_gpu", f"{gpus} GPUs do not split into {workers} {pool} workers")
            )
        elif tp is not None and tp > gpus // max(workers or 1, 1):
            problems.append(
                (f"{pool}_tp", f"TP{tp} does not fit {gpus} GPUs in {workers or 1} worker(s)")
            )
    prefill, decode = point.num_prefill_gpu, point.num_decode_gpu
    total, output, input_ = point.tput_per_gpu, point.output_tput_per_gpu, point.input_tput_per_gpu
    if prefill is None or decode is None or output is None or input_ is None:
        return problems
    all_gpus = prefill + decode
    if not _usable(total, output, input_):
        return problems
    if _exact(output * decode + input_ * prefill, total * all_gpus):
        return problems
    hu_total, hu_output, hu_input = (_repr_half_ulps(v) for v in (total, output, input_))
    slack = hu_output * decode + hu_input * prefill + (hu_total + 1e-9 * total) * all_gpus
    if abs(output * decode + input_ * prefill - total * all_gpus) > slack:
        # the counts only fix the decode:prefill ratio; say which ratio the throughputs imply
        implied = f"{(total - input_) / (output - total):.4g}" if output != total else "none"
        problems.append(
            (
                "num_decode_gpu",
                f"{prefill} prefill + {decode} decode GPUs contradict the per-pool throughputs "
                f"(total {total}, output per decode GPU {output}, input per prefill GPU "
                f"{input_}), which imply {implied} decode GPUs per prefill GPU",
            )
        )
    return problems


def _repr_half_ulps(*values: float) -> float:
    return sum(half_ulp(repr(v)) for v in values)


def _or_repr_half_ulp(given: float | None, value: float) -> float:
    return half_ulp(repr(value)) if given is None else given
