"""Format adapters: payload bytes -> validated, normalized points (all of them, or IngestError).

Every adapter is pure (bytes in, points out); only :mod:`tco.ingest.shipped` reads files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import msgspec

from tco.domain.points import POINT_FIELDS, Point
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
from tco.ingest.tools import TOOL_FORMATS, Recipe, detect_tool_format, json_lines, parse_tool
from tco.json_depth import MAX_JSON_DEPTH, too_deep

__all__ = [
    "DEFAULT_WARN_CHECKS",
    "FORMATS",
    "SANITY_CHECKS",
    "TOOL_FORMATS",
    "ErrorLog",
    "IngestError",
    "Recipe",
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
FORMATS: tuple[str, ...] = (*_ADAPTERS, *TOOL_FORMATS)

# every format tco reads, as an unknown payload's error lists them
_FORMAT_LIST = (
    "native_json ({source, points}), native_csv (Point columns), inferencex_api (InferenceX "
    "API rows), inferencex_agg (InferenceX runner agg_*.json), blog_csv (InferenceX blog "
    "points), " + ", ".join(f"{name} ({what})" for name, what in TOOL_FORMATS.items())
)


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
        lines = json_lines(payload)
        if lines and detect_tool_format(lines[0]) == "sglang_bench":
            return "sglang_bench"
        raise file_error("payload", f"invalid JSON: {exc}") from None
    if isinstance(document, dict) and "points" in document:
        return "native_json"
    if isinstance(first, dict) and "metrics" in first:
        return "inferencex_api"
    if isinstance(first, dict) and "hw" in first:
        return "inferencex_agg"
    tool = detect_tool_format(msgspec.json.decode(payload) if isinstance(document, dict) else first)
    if tool is not None:
        return tool
    raise file_error("payload", f"JSON of unknown shape; tco reads: {_FORMAT_LIST}")


def _check_depth(payload: bytes) -> None:
    """Before any decoder reads the payload: each decodes recursively."""
    if too_deep(payload):
        raise file_error("payload", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")


def detect_format(payload: bytes, content_type: str | None = None) -> str:
    """The adapter for a payload: JSON or CSV from the content type (or the first byte when
    there is none), then which JSON or CSV from its shape (keys, header)."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    head = payload.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    is_json = media_type.endswith(("/json", "+json", "jsonl", "ndjson")) or (
        not media_type and head in (b"{", b"[")
    )
    if is_json:
        return _json_format(payload)
    if head in (b"{", b"[") and media_type == "text/plain":
        return _json_format(payload)
    if media_type not in ("", "text/csv", "application/csv", "text/plain"):
        raise file_error("content_type", f"unsupported content type {content_type!r}")
    header = payload.decode("utf-8-sig", errors="replace").partition("\n")[0]
    columns = {c.strip().strip('"') for c in header.split(",")}
    if {"interactivity_tok_s_user", "source_path"} <= columns:
        return "blog_csv"
    if columns & set(POINT_FIELDS):
        return "native_csv"  # its adapter names the missing or unknown columns
    raise file_error(
        "payload", f"CSV of unknown shape (no Point columns); tco reads: {_FORMAT_LIST}"
    )


def parse(
    payload: bytes,
    *,
    format: str | None = None,
    content_type: str | None = None,
    source: str,
    date: dt.date | None = None,
    today: dt.date | None = None,
    log: ErrorLog | None = None,
    recipe: Recipe | None = None,
) -> list[Point]:
    """Parse a payload in a named or detected format. ``date`` is for formats without one
    (InferenceX runner files, tool outputs); giving it to another format is an error, not
    ignored. ``recipe`` is for the benchmark tools' files (required there, refused elsewhere).
    ``log`` sets which sanity checks only warn, and collects those warnings."""
    if format is not None and format not in ("native_csv", "blog_csv"):
        _check_depth(payload)  # detection checks it otherwise
    name = format or detect_format(payload, content_type)
    if name in TOOL_FORMATS:
        recipe = recipe or Recipe()
        if date is not None:
            if recipe.date is not None and recipe.date != date:
                raise file_error("date", "date= and the recipe's date differ")
            recipe = msgspec.structs.replace(recipe, date=date)
        return parse_tool(payload, format=name, recipe=recipe, source=source, today=today, log=log)
    if recipe is not None and not recipe.is_empty():
        raise file_error("recipe", f"format {name} carries its own recipe (hardware, GPUs, ...)")
    adapter = _ADAPTERS.get(name)
    if adapter is None:
        raise file_error("format", f"unknown format {name!r}; one of {', '.join(FORMATS)}")
    if name == "inferencex_agg":
        return adapter(payload, source=source, date=date, today=today, log=log)
    if date is not None:
        raise file_error("date", f"format {name} carries its own dates")
    return adapter(payload, source=source, today=today, log=log)
