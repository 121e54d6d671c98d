"""One error shape: RFC 9457 problem+json, declared on every operation.

Every 4xx names what was wrong (``field``, ``reason``, and for row-level failures ``errors``);
anything unexpected is a 500 problem whose detail leaks nothing (and is a bug to fix).

400 means the request breaks the OpenAPI document (type, range, pattern, unknown field); a
request the document allows but the server cannot answer as asked (unknown model, fields that
contradict each other, unparseable upload content) is a 422, or 404/409/412/428 where HTTP
has a word for it. Rules between fields are stated in the document too (``oneOf``, query
groups: tco.api.openapi_schema), so that no schema-valid request breaks one; breaking one is
still answered as contradicting fields, 422. Schemathesis holds the API to this: schema-valid
data must not get a 400, nor a 422 except where the answer depends on data (schemathesis.toml).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotFoundException,
    SerializationException,
    ValidationException,
)
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from tco.domain.errors import DomainError
from tco.store.base import StoreUnavailable

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("tco.api")


class FieldError(msgspec.Struct, kw_only=True, frozen=True, omit_defaults=True):
    field: str
    reason: str
    index: int | None = None  # row index for bulk inputs (runs, CSV tables)


class Problem(msgspec.Struct, kw_only=True, frozen=True, omit_defaults=True):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    field: str | None = None
    errors: list[FieldError] | None = None
    errors_total: int | None = None


_TITLES = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    406: "Not Acceptable", 409: "Conflict", 412: "Precondition Failed", 413: "Content Too Large",
    414: "URI Too Long", 415: "Unsupported Media Type", 422: "Unprocessable Content",
    428: "Precondition Required", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
    500: "Internal Server Error",
}  # fmt: skip


def problem_json(status: int, detail: str, *, field: str | None, instance: str | None) -> bytes:
    """The encoded problem, for answers sent outside litestar's exception handling (the server
    protocol, the middleware in front of the router)."""
    return msgspec.json.encode(
        Problem(
            title=_TITLES.get(status, "Error"),
            status=status,
            detail=detail,
            instance=instance,
            field=field,
        )
    )


class ProblemException(HTTPException):
    """Raise from handlers for a problem with a named field and optional row errors."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        field: str | None = None,
        errors: list[FieldError] | None = None,
        errors_total: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail=detail, status_code=status, headers=headers)
        self.field = field
        self.errors = errors
        self.errors_total = errors_total


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    *,
    field: str | None = None,
    errors: list[FieldError] | None = None,
    errors_total: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    body = Problem(
        title=_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=request.url.path,
        field=field,
        errors=errors,
        errors_total=errors_total,
    )
    return Response(
        content=body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


# litestar words a missing parameter this way and puts no key in ``extra``.
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
_MISSING_PARAMETER = re.compile(r"Missing required (?:\w+ )?parameter '([^']+)'")


def _validation_errors(exc: ValidationException) -> list[FieldError]:
    missing = _MISSING_PARAMETER.match(exc.detail)
    if missing:
        return [FieldError(field=missing.group(1), reason="required parameter is missing")]
    errors: list[FieldError] = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            key = str(item.get("key") or item.get("source") or "body")
            message = str(item.get("message", "invalid"))
            unknown = _UNKNOWN_FIELD.search(message)
            if unknown:  # name the misspelt field itself, wherever it sits in the body
                key = unknown.group(1) if key == "data" else f"{key}.{unknown.group(1)}"
            errors.append(FieldError(field="body" if key == "data" else key, reason=message))
    return errors


def _on_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    if isinstance(exc, ProblemException):
        return problem_response(
            request,
            exc.status_code,
            exc.detail,
            field=exc.field,
            errors=exc.errors,
            errors_total=exc.errors_total,
            headers=exc.headers,
        )
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc)
        field = errors[0].field if errors else None
        detail = "; ".join(f"{e.field}: {e.reason}" for e in errors) or exc.detail
        return problem_response(request, 400, detail, field=field, errors=errors or None)
    if isinstance(exc.__cause__, SerializationException):
        # litestar could not decode a JSON body it parses itself (quotes, compare): say so in
        # the words of the routes that decode their own, naming the body.
        return problem_response(request, 400, f"body: malformed JSON ({exc.detail})", field="body")
    if isinstance(exc, RequestEntityTooLarge):
        limit = request.route_handler.resolve_request_max_body_size()
        return problem_response(
            request, 413, f"body: over the {limit}-byte limit of this operation", field="body"
        )
    if isinstance(exc, NotFoundException) and exc.detail == "Not Found":
        return problem_response(request, 404, f"no route for {request.method} {request.url.path}")
    return problem_response(request, exc.status_code, exc.detail, headers=exc.headers)


def _on_domain(request: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    return problem_response(request, exc.status, f"{exc.field}: {exc.reason}", field=exc.field)


def _on_unavailable(request: Request[Any, Any, Any], exc: StoreUnavailable) -> Response[Problem]:
    # The database is down or the connection was lost (PostgreSQL): not a bug, and nothing of
    # the request was committed, so the client may retry it as it was.
    return problem_response(request, 503, str(exc), headers={"Retry-After": "1"})


def _on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        request, HTTP_500_INTERNAL_SERVER_ERROR, "internal error; this is a bug in tco"
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    HTTPException: _on_http,
    DomainError: _on_domain,
    StoreUnavailable: _on_unavailable,
    Exception: _on_unexpected,
}


def problem_spec(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        media_type=PROBLEM_MEDIA_TYPE,
        description=description,
        generate_examples=False,
    )


# Declared on every operation, so generated clients know the error shape everywhere.
READ_PROBLEMS: dict[int, ResponseSpec] = {
    400: problem_spec("The request breaks this document (type, range, pattern); `field` names it"),
    404: problem_spec("Unknown resource"),
    422: problem_spec(
        "Valid per this document but cannot be answered as asked (unknown model, workload or "
        "hardware, contradicting fields); `field` names it"
    ),
    # Any request can meet the request-head limits (tco/api/limits.py; README, HTTP section).
    414: problem_spec("URL over the length limit"),
    431: problem_spec("Request headers over the count or size limit"),
    500: problem_spec("A bug in tco"),
    # Every route reads the store; on PostgreSQL the server can be down or the connection lost.
    503: problem_spec(
        "The database cannot be reached; nothing was committed, retry after `Retry-After` seconds"
    ),
}
# Operations that take a body can also meet the size limit.
BODY_PROBLEMS: dict[int, ResponseSpec] = {
    **READ_PROBLEMS,
    413: problem_spec("Body over the size limit"),
}
