"""HTTP semantics the framework does not give us: strong ETags with 304, CSV negotiation,
cache headers. Answers are pure functions of the request and the dataset/pricing versions, so
hashing the encoded body gives a correct strong validator."""

from __future__ import annotations

import gzip
import hashlib
import inspect
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import msgspec
from litestar import Litestar, Request, Response
from litestar.datastructures import MutableScopeHeaders, ResponseHeader
from litestar.enums import HttpMethod, ParamType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Schema,
)
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope

from tco.api.errors import READ_PROBLEMS, ProblemException
from tco.lru import LRU
from tco.tabular import rows_to_csv

CSV_MEDIA_TYPE = "text/csv"  # litestar appends "; charset=utf-8" to text/* types
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


# Declared on every cached GET: the error shapes plus the bodiless 304 a revalidation gets.
CACHED_READ_RESPONSES: dict[int, ResponseSpec] = {
    **READ_PROBLEMS,
    304: ResponseSpec(
        data_container=None,
        description="Not Modified: If-None-Match matched the current ETag",
        generate_examples=False,
    ),
}
CSV_FORMATS = ("json", "csv")
_FORMAT_PARAMETER = Parameter(
    name="format",
    param_in=ParamType.QUERY,
    required=False,
    description="csv: the same answer as spreadsheet-ready CSV, units in the column names "
    "(like Accept: text/csv, for tools that cannot set headers)",
    schema=Schema(type=OpenAPIType.STRING, enum=list(CSV_FORMATS)),
)


@dataclass
class CsvOperation(Operation):
    """The OpenAPI operation of an answer that also comes as CSV: declares ``?format=`` and
    the ``text/csv`` body next to the JSON one (litestar derives one media type per response)."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse) and ok.content is not None:
            ok.content[CSV_MEDIA_TYPE] = OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, description="CSV with a header row")
            )
        self.parameters = [*(self.parameters or []), _FORMAT_PARAMETER]


# On every response: no MIME sniffing (a CSV or JSON answer is never run as a script or page),
# and no Referer sent from our pages to anyone, tco included (nothing here reads it).
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


async def security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: SECURITY_HEADERS on every response that does not set its own."""
    if message["type"] == "http.response.start":
        add_security_headers(MutableScopeHeaders.from_message(message))


def add_security_headers(headers: MutableScopeHeaders) -> None:
    """What security_headers does, on headers already parsed (tco.api.app's one hook)."""
    for name, value in SECURITY_HEADERS.items():
        if name not in headers:
            headers[name] = value


def with_head(handler: HTTPRouteHandler) -> list[HTTPRouteHandler]:
    """A GET handler and its HEAD twin: litestar routes HEAD only to handlers that declare it.
    The twin runs the same function, so status, ETag and Content-Length are GET's; the ASGI
    server drops the body. It stays out of the OpenAPI document, where HEAD is implicit."""
    head = HTTPRouteHandler(
        list(handler.paths),
        http_method=HttpMethod.HEAD,
        include_in_schema=False,
        media_type=handler.media_type,
        status_code=handler.status_code,
        cache_control=handler.cache_control,
        response_headers=handler.response_headers,
        opt=dict(handler.opt),  # e.g. the role the auth guard requires
        dependencies=handler.dependencies,  # e.g. the query a quote-shaped read resolves
        # litestar warns when an async handler is given sync_to_thread at all
        sync_to_thread=None if inspect.iscoroutinefunction(handler.fn) else False,
    )
    return [handler, head(handler.fn)]


def options_with_allow(
    handlers: Iterable[object],
) -> tuple[HTTPRouteHandler, Callable[[Litestar], None]]:
    """One OPTIONS handler for every path of ``handlers``, to register first, and the function
    that binds it to the built app. litestar 2.25's automatic OPTIONS handler takes its Allow
    header from the first handler registered on a path, so ``OPTIONS /v1/quotes`` said
    "OPTIONS, POST" without GET. This one answers from the finished route table."""
    allow: dict[str, str] = {}
    paths = sorted({p for h in handlers if isinstance(h, HTTPRouteHandler) for p in h.paths})

    def options(request: Request[Any, Any, Any]) -> Response[None]:
        headers = {"Allow": allow[request.scope["path_template"]]}
        return Response(content=None, status_code=204, headers=headers)

    def bind(app: Litestar) -> None:
        allow.update(
            {
                r.path_format: ", ".join(sorted(r.methods))
                for r in app.routes
                if isinstance(r, HTTPRoute)
            }
        )

    handler = HTTPRouteHandler(
        paths, http_method=HttpMethod.OPTIONS, include_in_schema=False, sync_to_thread=False
    )
    return handler(options), bind


def if_match_version(
    if_match: str | None, *, entity: str, pattern: str, example: str, what: str
) -> int:
    """The version N an ``If-Match`` names as ``"<entity>-vN"`` (a ``.csv`` suffix allowed):
    428 without one, 400 when it breaks the document's ``pattern``, 412 when it is an ETag of
    another entity. ``what`` names the kind of ETag in the messages (e.g. "pricing table")."""
    if not if_match or not if_match.strip():
        raise ProblemException(
            428,
            f"If-Match: required; send the ETag of the version you read (e.g. {example}) so "
            "that a concurrent edit is never silently overwritten",
            field="If-Match",
        )
    tag = if_match.strip()
    if re.fullmatch(pattern, tag) is None:
        raise ProblemException(
            400,
            f"If-Match: {tag[:80]!r} is not a {what} ETag; send one ETag as returned by "
            f"GET, e.g. {example}",
            field="If-Match",
        )
    tagged, _, version = tag.strip('"').removesuffix(".csv").rpartition("-v")
    if tagged != entity:
        noun = what.rsplit(maxsplit=1)[-1]
        raise ProblemException(
            412,
            f"If-Match: {tag} is an ETag of {noun} {tagged!r}, not {entity!r}",
            field="If-Match",
        )
    return int(version)


def strong_etag(body: bytes) -> str:
    # SHA-256 (first 128 bits): hardware-accelerated here, 3x faster than blake2b on a 110 KB
    # answer (~100 vs ~300 us on this loaded 2-core machine).
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def wants_csv(request: Request[Any, Any, Any]) -> bool:
    # Parsing the query string again costs more than the rest of a cached GET quote: look first.
    fmt: str | None = (
        request.query_params.get("format") if b"format=" in request.scope["query_string"] else None
    )
    if fmt is not None:
        if fmt not in CSV_FORMATS:
            raise ProblemException(
                400, f"format: expected one of {', '.join(CSV_FORMATS)}", field="format"
            )
        return fmt == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


# Below this a gzip member header costs more than it saves.
GZIP_MIN_BYTES = 1400
# Level 1, not 6: on a 113 KB 3-target quote 18.1 KB against 13.2 KB (1.37x the bytes) for a
# third of the CPU (719 vs 2,189 us on this machine under load; at 6 it cost more than the
# engine's quote). A /v1/curves answer: 9.9 vs 8.2 KB, 501 vs 1,789 us. Each cached answer is
# compressed once anyway; level 1 is for the misses and POSTs, which compress every time.
GZIP_LEVEL = 1


@dataclass(frozen=True)
class Representation:
    """An encoded answer: what a GET sends, and its strong validator."""

    body: bytes
    media_type: str
    etag: str

    @cached_property
    def gzip_body(self) -> bytes:
        # Compressed once per representation: a cached answer is never compressed twice.
        return gzip.compress(self.body, compresslevel=GZIP_LEVEL, mtime=0)

    @property
    def gzip_etag(self) -> str:
        # A strong ETag names one exact byte sequence, so the gzip variant gets its own.
        return self.etag[:-1] + '-gzip"'


def represent(
    request: Request[Any, Any, Any],
    answer: object,
    rows: Callable[[], Sequence[Mapping[str, object]]] | None = None,
    *,
    csv: bool | None = None,
) -> Representation:
    """JSON, or CSV when asked (``csv``, or else the request says) and ``rows`` is given."""
    if rows is not None and (wants_csv(request) if csv is None else csv):
        body = rows_to_csv(rows()).encode()
        media_type = CSV_MEDIA_TYPE
    else:
        body = msgspec.json.encode(answer)
        media_type = "application/json"
    return Representation(body, media_type, strong_etag(body + media_type.encode()))


def respond(
    request: Request[Any, Any, Any],
    rep: Representation,
    *,
    cache_control: str = READ_CACHE_CONTROL,
    extra_headers: Mapping[str, str] | None = None,
) -> Response[Any]:
    """The representation with its ETag (gzip-encoded when accepted and worth it); 304 when
    If-None-Match matches the variant being sent."""
    accepted = request.headers.get("accept-encoding", "")
    compress = len(rep.body) >= GZIP_MIN_BYTES and "gzip" in accepted
    etag = rep.gzip_etag if compress else rep.etag
    headers = {
        "ETag": etag,
        "Cache-Control": cache_control,
        "Vary": "Accept, Accept-Encoding",
        **(extra_headers or {}),
    }
    # A conditional GET/HEAD revalidates; on other methods 304 is meaningless (RFC 9110 13.1.2).
    if request.method in ("GET", "HEAD") and _matches(request.headers.get("if-none-match"), etag):
        return Response(content=b"", status_code=304, headers=headers, media_type=rep.media_type)
    if compress:
        headers["Content-Encoding"] = "gzip"
        return Response(content=rep.gzip_body, media_type=rep.media_type, headers=headers)
    return Response(content=rep.body, media_type=rep.media_type, headers=headers)


def cached(
    request: Request[Any, Any, Any],
    answer: object,
    rows: Callable[[], Sequence[Mapping[str, object]]] | None = None,
    *,
    cache_control: str = READ_CACHE_CONTROL,
    extra_headers: Mapping[str, str] | None = None,
) -> Response[Any]:
    """JSON (or CSV when asked and ``rows`` is given) with a strong ETag; 304 on a match."""
    rep = represent(request, answer, rows)
    return respond(request, rep, cache_control=cache_control, extra_headers=extra_headers)


# Encoded answers weigh their body and, once a client asked for it, its gzip variant (at most
# as long as the body, for the JSON and CSV answered here).
def _representation_bytes(rep: Representation) -> int:
    return 2 * len(rep.body)


class RepresentationCache(LRU[Hashable, Representation]):
    """A bounded LRU of encoded answers, by count and by bytes. Sound only for answers that are
    pure functions of their key: callers put the dataset version and the pricing table's name
    and (immutable) version in it, so a new benchmark run or price edit can never be served
    stale."""

    def __init__(self, max_entries: int = 512, max_bytes: int = 32 * 1024 * 1024) -> None:
        super().__init__(max_entries, max_weight=max_bytes, weigh=_representation_bytes)
