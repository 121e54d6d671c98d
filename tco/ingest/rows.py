"""What every adapter shares: row errors, the all-or-nothing error log, and the step that turns
one source row (a dict of Point fields with raw key spellings) into a validated Point."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from tco.domain import keys
from tco.domain.points import Point

# Enough to fix a file in one pass without flooding an HTTP answer; the total is always given.
MAX_REPORTED_ERRORS = 100

# index of an error about the payload as a whole (syntax, shape, header) rather than a row
FILE_INDEX = -1


class RowError(msgspec.Struct, frozen=True):
    index: int  # 0-based row in the payload; FILE_INDEX for the payload as a whole
    field: str
    reason: str


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
    """Collects row errors across a whole payload; ``raise_if_any`` makes the load atomic."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.total = 0

    def add(self, index: int, field: str, reason: str) -> None:
        self.total += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(index, field, reason))

    def raise_if_any(self) -> None:
        if self.total:
            raise IngestError(self.errors, self.total)


def file_error(field: str, reason: str) -> IngestError:
    return IngestError([RowError(FILE_INDEX, field, reason)])


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
)
_KEY_FIELDS = (
    ("model", keys.canonical_model),
    ("hardware", keys.canonical_hardware),
    ("framework", keys.canonical_framework),
    ("precision", keys.canonical_precision),
    ("spec_method", keys.canonical_spec_method),
)
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
    for field, reason in problems:
        log.add(index, field, reason)
    return None if problems else point


def validate_point(
    point: Point,
    *,
    today: dt.date,
    interactivity_half_ulp: float | None = None,
    tpot_s_half_ulp: float | None = None,
    relative_allowance: float = 0.0,
    require_pool_gpu_counts: bool = True,
) -> list[tuple[str, str]]:
    """(field, reason) for every rule the point breaks; empty when it is valid."""
    problems: list[tuple[str, str]] = []
    for name in _FLOAT_FIELDS:
        value = getattr(point, name)
        if value is None:
            continue
        if not math.isfinite(value):
            problems.append((name, f"not a finite number: {value}"))
        elif value <= 0:
            problems.append((name, f"must be > 0, got {value}"))
    for name in _POSITIVE_INT_FIELDS:
        value = getattr(point, name)
        if value is not None and value < 1:
            problems.append((name, f"must be >= 1, got {value}"))
    if point.date > today:
        problems.append(("date", f"{point.date.isoformat()} is in the future"))
    if point.disagg:
        if require_pool_gpu_counts:
            for name in ("num_prefill_gpu", "num_decode_gpu"):
                if getattr(point, name) is None:
                    problems.append((name, "required for a disaggregated row"))
    elif point.tp is None:
        problems.append(("tp", "required for an aggregated row"))
    measures_finite = all(math.isfinite(v) and v > 0 for v in (point.interactivity, point.tpot_s))
    if measures_finite and not interactivity_matches_tpot(
        point.interactivity,
        point.tpot_s,
        interactivity_half_ulp=_or_repr_half_ulp(interactivity_half_ulp, point.interactivity),
        tpot_s_half_ulp=_or_repr_half_ulp(tpot_s_half_ulp, point.tpot_s),
        relative_allowance=relative_allowance,
    ):
        problems.append(
            (
                "interactivity",
                f"{point.interactivity} tok/s/user is inconsistent with TPOT "
                f"{point.tpot_s} s (expected about {1 / point.tpot_s:.4g})",
            )
        )
    return problems


def _or_repr_half_ulp(given: float | None, value: float) -> float:
    return half_ulp(repr(value)) if given is None else given
