"""The project's own formats: JSON ``{"source": ..., "points": [Point, ...]}`` and CSV whose
columns are Point field names (an empty cell is None)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from tco.domain.points import POINT_FIELDS, Point
from tco.ingest.rows import ErrorLog, RowFieldError, build_point, csv_table, file_error

_REQUIRED_FIELDS = tuple(
    name
    for name, field in zip(POINT_FIELDS, msgspec.structs.fields(Point), strict=True)
    if field.required
)


class _NativeEnvelope(msgspec.Struct, forbid_unknown_fields=True):
    source: str
    points: list[dict[str, Any]]


def _collect(
    rows: list[dict[str, Any] | RowFieldError],
    default_source: str,
    today: dt.date | None,
    log: ErrorLog | None,
) -> list[Point]:
    log = ErrorLog() if log is None else log
    points: list[Point] = []
    for index, fields in enumerate(rows):
        if isinstance(fields, RowFieldError):
            log.add(index, fields.field, fields.reason)
            continue
        unknown = sorted(set(fields) - set(POINT_FIELDS))
        if unknown:
            log.add(index, unknown[0], "not a Point field")
            continue
        fields.setdefault("source", default_source)
        point = build_point(index, fields, log, today=today or dt.date.today())
        if point is not None:
            points.append(point)
    log.raise_if_any()
    return points


def parse_native_json(
    payload: bytes, *, source: str, today: dt.date | None = None, log: ErrorLog | None = None
) -> list[Point]:
    """Points decoded strictly (no type coercion); a point without ``source`` takes the
    envelope's, and the envelope's defaults to ``source``."""
    try:
        envelope = msgspec.json.decode(payload, type=_NativeEnvelope)
    except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
        raise file_error("payload", f"not a native points document: {exc}") from None
    return _collect(list(envelope.points), envelope.source or source, today, log)


def _cells(row: dict[str, str]) -> dict[str, Any]:
    """Typed values of one CSV row. An empty cell is None where the field allows None;
    elsewhere it is left out, so the default applies (pp) or the field is reported missing."""
    fields: dict[str, Any] = {}
    for name, raw in row.items():
        text = raw.strip()
        annotation = Point.__annotations__[name]
        if text == "":
            if "None" in annotation:
                fields[name] = None
            continue
        try:
            if annotation.startswith("int"):
                fields[name] = int(text)
            elif annotation.startswith("float"):
                fields[name] = float(text)
            elif annotation.startswith("bool"):
                if text.lower() not in ("true", "false"):
                    raise ValueError
                fields[name] = text.lower() == "true"
            else:
                fields[name] = text  # str, and ISO dates (msgspec parses them)
        except ValueError:
            raise RowFieldError(name, f"cannot read {text!r} as {annotation}") from None
    return fields


def parse_native_csv(
    payload: bytes, *, source: str, today: dt.date | None = None, log: ErrorLog | None = None
) -> list[Point]:
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise file_error("payload", f"not UTF-8 text: {exc}") from None
    header, table = csv_table(text)
    unknown = [c for c in header if c not in POINT_FIELDS]
    if unknown:
        raise file_error(unknown[0], f"unknown column(s) {', '.join(unknown)}")
    missing = [c for c in _REQUIRED_FIELDS if c not in header and c != "source"]
    if missing:
        raise file_error(missing[0], f"missing column(s) {', '.join(missing)}")
    rows: list[dict[str, Any] | RowFieldError] = []
    for row in table:
        if None in row or None in row.values():
            rows.append(RowFieldError("row", "wrong number of cells"))
            continue
        try:
            rows.append(_cells(row))
        except RowFieldError as exc:
            rows.append(exc)
    return _collect(rows, source, today, log)
