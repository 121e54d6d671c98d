"""HTTP semantics the framework does not give us: strong ETags with 304, CSV negotiation,
cache headers. Answers are pure functions of the request and the dataset/pricing versions, so
hashing the encoded body gives a correct strong validator."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.datastructures import ResponseHeader

from tco.tabular import rows_to_csv

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
# Quotes change only when prices or benchmarks change; a CDN may keep one for a minute and
# revalidate with the ETag after that.
QUOTE_CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=30"
READ_CACHE_CONTROL = "public, max-age=0, must-revalidate"

ETAG_HEADER = ResponseHeader(
    name="ETag", description="Strong validator of this representation", documentation_only=True
)
CACHE_HEADERS = [
    ETAG_HEADER,
    ResponseHeader(name="Cache-Control", description="Caching policy", documentation_only=True),
]


def strong_etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def wants_csv(request: Request[Any, Any, Any]) -> bool:
    if request.query_params.get("format") == "csv":
        return True
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def cached(
    request: Request[Any, Any, Any],
    answer: object,
    rows: Callable[[], Sequence[Mapping[str, object]]] | None = None,
    *,
    cache_control: str = READ_CACHE_CONTROL,
    extra_headers: Mapping[str, str] | None = None,
) -> Response[Any]:
    """JSON (or CSV when asked and ``rows`` is given) with a strong ETag; 304 on a match."""
    if rows is not None and wants_csv(request):
        body = rows_to_csv(rows()).encode()
        media_type = CSV_MEDIA_TYPE
    else:
        body = msgspec.json.encode(answer)
        media_type = "application/json"
    etag = strong_etag(body + media_type.encode())
    headers = {
        "ETag": etag,
        "Cache-Control": cache_control,
        "Vary": "Accept",
        **(extra_headers or {}),
    }
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(content=b"", status_code=304, headers=headers, media_type=media_type)
    return Response(content=body, media_type=media_type, headers=headers)
