"""Limits on what a request may be, checked before anything parses it, each refused with a
problem naming what is over the limit.

- URL length and header size and count: in ``tco serve`` by the HTTP protocol itself
  (tco.api.http_protocol), which must refuse before it has buffered an unbounded request head;
  and again in front of the app's router (RequestLimits), for any other server.
- JSON nesting depth (every JSON body, before any route decodes it): msgspec decodes
  recursively, so a ~2 KB body of 1,000 nested arrays ends in a RecursionError (a 500).
- A refused CORS preflight is a problem too (litestar answers it as text/plain).
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, Response
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.middleware._internal.cors import CORSMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from tco.api.errors import PROBLEM_MEDIA_TYPE, Problem, ProblemException, problem_json
from tco.json_depth import MAX_JSON_DEPTH, too_deep

# The longest URL a client builds is a GET quote with every option and a long hardware list,
# under 2 KB; 16 KiB is what common proxies allow, and far below httptools' own URL parser limit
# (64 KiB, past which it fails as a bare 400).
MAX_URL_BYTES = 16 * 1024
# Browsers send ~10-20 headers and under 8 KB (cookies are not used here); 100 headers and 64 KiB
# in all leaves room for proxies' forwarding headers. Unbounded, a client could make the server
# hold a 200 KB header or 20,000 of them per request.
MAX_HEADER_COUNT = 100
MAX_HEADER_BYTES = 64 * 1024


def head_problem(
    url_bytes: int, header_count: int, header_bytes: int
) -> tuple[int, str, str] | None:
    """(status, detail, field) when a request head is over a limit; None when it is not."""
    if url_bytes > MAX_URL_BYTES:
        return 414, f"URL: over the {MAX_URL_BYTES}-byte limit", "URL"
    if header_count > MAX_HEADER_COUNT:
        return 431, f"headers: more than {MAX_HEADER_COUNT} header fields", "headers"
    if header_bytes > MAX_HEADER_BYTES:
        return 431, f"headers: over the {MAX_HEADER_BYTES}-byte limit in all", "headers"
    return None


async def send_problem(send: Send, status: int, detail: str, field: str, path: str | None) -> None:
    body = problem_json(status, detail, field=field, instance=path)
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class RequestLimits:
    """In front of everything else (CORS, routing): a request head over a limit is a 414 or 431
    problem before any of the app reads it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            headers = list(scope["headers"])
            url_bytes = len(scope.get("raw_path") or scope["path"].encode()) + len(
                scope["query_string"]
            )
            refused = head_problem(
                url_bytes, len(headers), sum(len(n) + len(v) for n, v in headers)
            )
            if refused is not None:
                await send_problem(send, *refused, scope["path"])
                return
        await self.app(scope, receive, send)


class _ProblemCors(CORSMiddleware):
    """litestar's CORS middleware, with a refused preflight answered as a problem naming the
    request header at fault (litestar says "Disallowed CORS method" as text/plain)."""

    def _create_preflight_response(self, origin: str, request_headers: Headers) -> Response[Any]:
        response = super()._create_preflight_response(origin, request_headers)
        if response.status_code is None or response.status_code < 400:
            return response
        failures = str(response.content).removeprefix("Disallowed CORS ").split(", ")
        field = {
            "method": "Access-Control-Request-Method",
            "Origin": "Origin",
            "headers": "Access-Control-Request-Headers",
        }.get(failures[0], "Origin")
        asked = request_headers.get(field, "")
        allowed = {
            "Access-Control-Request-Method": ", ".join(sorted(self.config.allow_methods)),
            "Access-Control-Request-Headers": ", ".join(sorted(self.config.allow_headers)),
        }.get(field)
        reason = f"{asked!r} is not allowed" + (f" (allowed: {allowed})" if allowed else "")
        problem = Problem(
            title="Bad Request",
            status=400,
            detail=f"CORS preflight refused: {field}: {reason}",
            field=field,
        )
        return Response(content=problem, status_code=400, media_type=PROBLEM_MEDIA_TYPE)


def guard(app: Litestar) -> None:
    """Put RequestLimits in front of the built app and make its CORS refusals problems."""
    handler = app.asgi_handler
    if isinstance(handler, CORSMiddleware):
        handler = _ProblemCors(app=handler.app, config=handler.config)
    app.asgi_handler = RequestLimits(handler)


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _json_media_type(request: Request[Any, Any, Any]) -> bool | None:
    """True for a JSON media type, None when the request names none."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type.endswith(("/json", "+json")) if media_type else None


async def check_json_body(request: Request[Any, Any, Any]) -> None:
    """``before_request`` hook of every route: a JSON body nested deeper than MAX_JSON_DEPTH is
    a 400 before the route decodes it. The body read here is cached for the route handler."""
    if request.method not in _BODY_METHODS:
        return
    is_json = _json_media_type(request)
    if is_json is False:
        return  # CSV or text: the route reads (and size-checks) it itself
    body = await request.body()  # over the route's size limit: a 413 (tco.api.errors)
    if is_json is None and body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"["):
        return  # POST /v1/runs takes a body without Content-Type as JSON by its first byte
    if too_deep(body):
        raise ProblemException(
            400,
            f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels (arrays and objects)",
            field="body",
        )
