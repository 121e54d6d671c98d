"""Format adapters: payload bytes -> validated, normalized points (all of them, or IngestError).

Every adapter is pure (bytes in, points out); only :mod:`tco.ingest.shipped` reads files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import msgspec

from tco.domain.points import Point
from tco.ingest.blog import parse_blog_csv
from tco.ingest.inferencex import parse_inferencex_agg, parse_inferencex_api
from tco.ingest.native import parse_native_csv, parse_native_json
from tco.ingest.rows import (
    DEFAULT_WARN_CHECKS,
    SANITY_CHECKS,
    ErrorLog,
    IngestError,
    RowError,
    file_error,
)
from tco.json_depth import MAX_JSON_DEPTH, too_deep

__all__ = [
    "DEFAULT_WARN_CHECKS",
    "FORMATS",
    "SANITY_CHECKS",
    "ErrorLog",
    "IngestError",
    "RowError",
    "detect_format",
    "parse",
    "parse_blog_csv",
    "parse_inferencex_agg",
    "parse_inferencex_api",
    "parse_native_csv",
    "parse_native_json",
]

_Adapter = Callable[..., list[Point]]
_ADAPTERS: dict[str, _Adapter] = {
    "inferencex_api": parse_inferencex_api,
    "inferencex_agg": parse_inferencex_agg,
    "blog_csv": parse_blog_csv,
    "native_json": parse_native_json,
    "native_csv": parse_native_csv,
}
FORMATS: tuple[str, ...] = tuple(_ADAPTERS)


# The top level only, members left as validated raw JSON: the adapter decodes the payload again,
# and sniffing its shape this way costs a fifth of a full decode.
_TopLevel = list[msgspec.Raw] | dict[str, msgspec.Raw]


def _json_format(payload: bytes) -> str:
    _check_depth(payload)
    try:
        document = msgspec.json.decode(payload, type=_TopLevel)
        first = (
            msgspec.json.decode(document[0])
            if isinstance(document, list) and document
            else document
        )
    except msgspec.DecodeError as exc:
        raise file_error("payload", f"invalid JSON: {exc}") from None
    if isinstance(document, dict) and "points" in document:
        return "native_json"
    if isinstance(first, dict) and "metrics" in first:
        return "inferencex_api"
    if isinstance(first, dict) and "hw" in first:
        return "inferencex_agg"
    raise file_error(
        "payload",
        "JSON of unknown shape (expected native points, InferenceX API "
        "rows or InferenceX runner results)",
    )


def _check_depth(payload: bytes) -> None:
    """Before any decoder reads the payload: each decodes recursively."""
    if too_deep(payload):
        raise file_error("payload", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")


def detect_format(payload: bytes, content_type: str | None = None) -> str:
    """The adapter for a payload: JSON or CSV from the content type (or the first byte when
    there is none), then which JSON or CSV from its shape (keys, header)."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    head = payload.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    is_json = media_type.endswith(("/json", "+json")) or (not media_type and head in (b"{", b"["))
    if is_json:
        return _json_format(payload)
    if media_type not in ("", "text/csv", "application/csv", "text/plain"):
        raise file_error("content_type", f"unsupported content type {content_type!r}")
    header = payload.decode("utf-8-sig", errors="replace").partition("\n")[0]
    columns = {c.strip().strip('"') for c in header.split(",")}
    return "blog_csv" if {"interactivity_tok_s_user", "source_path"} <= columns else "native_csv"


def parse(
    payload: bytes,
    *,
    format: str | None = None,
    content_type: str | None = None,
    source: str,
    date: dt.date | None = None,
    today: dt.date | None = None,
    log: ErrorLog | None = None,
) -> list[Point]:
    """Parse a payload in a named or detected format. ``date`` is for formats without one
    (InferenceX runner files); giving it to another format is an error, not ignored. ``log``
    sets which sanity checks only warn, and collects those warnings."""
    if format is not None and format not in ("native_csv", "blog_csv"):
        _check_depth(payload)  # detection checks it otherwise
    name = format or detect_format(payload, content_type)
    adapter = _ADAPTERS.get(name)
    if adapter is None:
        raise file_error("format", f"unknown format {name!r}; one of {', '.join(FORMATS)}")
    if name == "inferencex_agg":
        return adapter(payload, source=source, date=date, today=today, log=log)
    if date is not None:
        raise file_error("date", f"format {name} carries its own dates")
    return adapter(payload, source=source, today=today, log=log)
