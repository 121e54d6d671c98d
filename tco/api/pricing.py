"""Pricing tables over HTTP: list, read (any version, JSON or CSV), history, and the writes
(create, replace, delete) with optimistic concurrency.

A table representation's ETag is its name and version (``"acme-v3"``; ``"acme-v3.csv"`` for
the CSV form, so a cache never answers a JSON request with a stored CSV). ``If-Match`` thus
names the version the client read, which becomes the store's ``expected_version``: the stale
check runs inside the store's write transaction, so of N writers holding the same ETag exactly
one wins and the others get 412.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Request, Response, delete, get, post, put
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    RequestBody,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import HeaderParameter, Parameter
from msgspec.structs import asdict

from tco.api.auth import (
    API_KEY_SECURITY,
    AUTH_PROBLEMS,
    RATE_LIMIT_PROBLEM,
    api_key,
    request_id,
    requires,
)
from tco.api.deps import LiveServiceDep, StoreDep
from tco.api.errors import READ_PROBLEMS, FieldError, ProblemException, problem_spec
from tco.api.http import (
    CACHE_HEADERS,
    CSV_MEDIA_TYPE,
    READ_CACHE_CONTROL,
    CsvOperation,
    cached,
    if_match_version,
    wants_csv,
    with_head,
)
from tco.api.openapi_schema import require_header
from tco.api.pricing_body import (
    MAX_OFFERS,
    PRICING_MAX_BODY_BYTES,
    TABLE_NAME_PATTERN,
    T,
    TableCreate,
    TableReplace,
    check_patterns,
    checked_offers,
    decode_json,
)
from tco.api.pricing_csv import CSV_COLUMNS, OWNED_COLUMNS, offer_csv, offers_from_csv
from tco.domain.pricing import PricingTable
from tco.store import Conflict, NotFound, PreconditionFailed, Role, TableInfo, VersionInfo


def _media_type(request: Request[Any, Any, Any]) -> str:
    return request.headers.get("content-type", "application/json").split(";")[0].strip().lower()


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def _unsupported(media_type: str, accepted: str) -> ProblemException:
    return ProblemException(
        415,
        f"Content-Type: {media_type!r} is not accepted here; send {accepted}",
        field="Content-Type",
    )


# ------------------------------------------------------------------------- HTTP semantics

# An ETag of a table representation: '"<name>-v<version>"', '.csv' appended for the CSV form.
ETAG_PATTERN = r'^"[a-z0-9][a-z0-9._-]{0,63}-v[1-9][0-9]{0,9}(\.csv)?"$'


def table_etag(name: str, version: int, *, as_csv: bool = False) -> str:
    return f'"{name}-v{version}{".csv" if as_csv else ""}"'


def expected_version(name: str, if_match: str | None) -> int:
    """The version an ``If-Match`` names for this table (428 without one)."""
    return if_match_version(
        if_match, entity=name, pattern=ETAG_PATTERN, example=table_etag(name, 3),
        what="pricing table",
    )  # fmt: skip


def _etag_listed(header: str | None, etag: str) -> bool:
    if not header:
        return False
    return header.strip() == "*" or any(
        tag.strip().removeprefix("W/") == etag for tag in header.split(",")
    )


def table_response(
    request: Request[Any, Any, Any],
    table: PricingTable,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    """A read: JSON, or CSV on ``Accept: text/csv``; a write's answer: JSON. The ETag names
    the version."""
    as_csv = request.method in ("GET", "HEAD") and wants_csv(request)
    etag = table_etag(table.name, table.version, as_csv=as_csv)
    all_headers = {
        "ETag": etag,
        "Cache-Control": READ_CACHE_CONTROL,
        "Vary": "Accept",
        "X-Pricing-Version": str(table.version),
        **(headers or {}),
    }
    media_type = CSV_MEDIA_TYPE if as_csv else "application/json"
    if request.method in ("GET", "HEAD") and _etag_listed(
        request.headers.get("if-none-match"), etag
    ):
        return Response(content=b"", status_code=304, headers=all_headers, media_type=media_type)
    body = offer_csv(table).encode() if as_csv else msgspec.json.encode(table)
    return Response(
        content=body, status_code=status_code, media_type=media_type, headers=all_headers
    )


def read_table(store: StoreDep, name: str, version: int | None) -> PricingTable:
    try:
        return store.get_table(name, version)
    except NotFound as exc:
        field = "version" if version is not None else "name"
        raise ProblemException(404, str(exc), field=field) from exc


# ----------------------------------------------------------------------------- OpenAPI

TableName = Annotated[
    str, Parameter(description="Pricing table name", pattern=TABLE_NAME_PATTERN, max_length=64)
]
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        # Documented, not enforced by litestar: expected_version names the problem (and bounds
        # the length; a maxLength here would make fuzzers send pattern-breaking strings). A
        # header is a string or absent, never null. Documented as required (require_header):
        # litestar's own check would answer its absence with 400, not 428.
        schema_extra={"pattern": ETAG_PATTERN, "type": OpenAPIType.STRING, "one_of": None},
        description='ETag of the version the change is based on, as GET returned it (e.g. "acme-v3"); '
        "required: 428 without it, 412 when another write came first",
    ),
]
NOT_MODIFIED = {304: ResponseSpec(data_container=None, description="Not modified (If-None-Match)")}


def _problems(*statuses: int) -> dict[int, ResponseSpec]:
    described = {
        **READ_PROBLEMS,
        **AUTH_PROBLEMS,
        **RATE_LIMIT_PROBLEM,
        409: problem_spec("A pricing table with this name exists"),
        412: problem_spec(
            "If-Match names a version that is no longer the latest (or another table): "
            "re-read, retry"
        ),
        413: problem_spec(f"Body over {PRICING_MAX_BODY_BYTES} bytes"),
        415: problem_spec("Unsupported Content-Type"),
        422: problem_spec(
            "Content no schema can check: the same offer twice, a price that contradicts its "
            "owned inputs, an impossible date, a bad CSV row, a read-only field (name, version) "
            "sent back changed; `errors` lists each with its index"
        ),
        428: problem_spec("If-Match missing: writes must name the version they are based on"),
    }
    # 414, 431, 500 and 503 can answer any request (READ_PROBLEMS).
    return {status: described[status] for status in (*statuses, 414, 431, 500, 503)}


READ_RESPONSES = {**_problems(400, 401, 403, 404), **NOT_MODIFIED}
WRITE_HEADERS = [
    ResponseHeader(name="ETag", description="The new version's ETag", documentation_only=True),
    ResponseHeader(
        name="X-Pricing-Version", description="The new version", documentation_only=True
    ),
]


async def _off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Decoding, validation and the store's fsynced commit run on a worker thread, so the event
    loop keeps serving reads meanwhile. (Explicit rather than ``sync_to_thread=True``: litestar
    2.25 wraps such a handler twice when another handler joins its path, and the second wrapper
    returns an un-awaited coroutine.)"""
    return await anyio.to_thread.run_sync(partial(fn, *args))


async def _payload(request: Request[Any, Any, Any]) -> bytes:
    try:
        return await request.body()
    except RequestEntityTooLarge:
        raise ProblemException(
            413,
            f"body: over the {PRICING_MAX_BODY_BYTES}-byte limit of a pricing table "
            f"(at most {MAX_OFFERS} offers)",
            field="body",
        ) from None


def _documented_body(data: TableCreate) -> None:
    """Never called: its ``data`` parameter gives the OpenAPI document the create body."""


def _documented_replace_body(data: TableReplace) -> None:
    """Never called: its ``data`` parameter gives the OpenAPI document the replace body."""


# The handlers decode the raw body themselves (to take CSV, answer 415, and name the bad field
# and CSV row), so they declare no ``data`` parameter. litestar documents the ``data`` of an
# unused dependency instead; this adds the CSV alternative next to it.
@dataclass
class _CsvBodyOperation(Operation):
    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.content["text/csv"] = OpenAPIMediaType(
                schema=Schema(
                    type=OpenAPIType.STRING,
                    description=f"One offer per row under a header naming its columns: "
                    f"{','.join(CSV_COLUMNS)}; an owned offer may leave the price empty and fill "
                    f"{','.join(OWNED_COLUMNS)}. The description comes from ?description= or "
                    "stays as it was.",
                )
            )


@dataclass
class _NoContentOperation(Operation):
    """litestar documents ``Response[None]`` as a JSON null body; a 204 has no body at all."""

    def __post_init__(self) -> None:
        no_content = (self.responses or {}).get("204")
        if isinstance(no_content, OpenAPIResponse):
            no_content.content = None


# ------------------------------------------------------------------------------ handlers


@get(
    "/v1/pricing/tables",
    operation_id="listPricingTables",
    summary="Pricing tables with their latest version",
    responses={**_problems(400, 401, 403), **NOT_MODIFIED},
    operation_class=CsvOperation,
    response_headers=CACHE_HEADERS,
    sync_to_thread=False,
    tags=["pricing"],
)
def list_tables(request: Request[Any, Any, Any], store: StoreDep) -> Response[list[TableInfo]]:
    tables = store.list_tables()
    return cached(request, tables, lambda: [asdict(t) for t in tables])


@get(
    "/v1/pricing/tables/{name:str}",
    operation_id="getPricingTable",
    summary="A pricing table (latest or ?version=N); CSV with Accept: text/csv",
    responses=READ_RESPONSES,
    operation_class=CsvOperation,
    response_headers=CACHE_HEADERS,
    sync_to_thread=False,
    tags=["pricing"],
)
def get_table(
    request: Request[Any, Any, Any],
    store: StoreDep,
    name: TableName,
    version: Annotated[int | None, Parameter(ge=1, le=1_000_000_000)] = None,
) -> Response[PricingTable]:
    return table_response(request, read_table(store, name, version))


@get(
    "/v1/pricing/tables/{name:str}/versions",
    operation_id="listPricingTableVersions",
    summary="Version history: who, when, and offers added, removed and changed",
    responses=READ_RESPONSES,
    response_headers=CACHE_HEADERS,
    sync_to_thread=False,
    tags=["pricing"],
)
def list_versions(
    request: Request[Any, Any, Any], store: StoreDep, name: TableName
) -> Response[list[VersionInfo]]:
    try:
        versions = store.list_versions(name)
    except NotFound as exc:
        raise ProblemException(404, str(exc), field="name") from exc
    return cached(request, versions)


@post(
    "/v1/pricing/tables",
    operation_id="createPricingTable",
    summary="Create a pricing table (version 1); needs an editor key",
    description="JSON body. Answers 201 with the table, its ETag and Location.",
    opt=requires(Role.EDITOR),
    security=API_KEY_SECURITY,
    dependencies={"documented_body": Provide(_documented_body, sync_to_thread=False)},
    responses=_problems(400, 401, 403, 409, 413, 415, 422, 429),
    response_headers=[
        *WRITE_HEADERS,
        ResponseHeader(name="Location", description="The table's URL", documentation_only=True),
    ],
    status_code=201,
    request_max_body_size=PRICING_MAX_BODY_BYTES,
    tags=["pricing"],
)
async def create_table(
    request: Request[Any, Any, Any], store: StoreDep, service: LiveServiceDep
) -> Response[PricingTable]:
    payload = await _payload(request)
    return await _off_loop(_create, request, store, service, payload)


def _create(
    request: Request[Any, Any, Any], store: StoreDep, service: LiveServiceDep, payload: bytes
) -> Response[Any]:
    media_type = _media_type(request)
    if not _is_json(media_type):
        raise _unsupported(media_type, "application/json")
    data = decode_json(payload, TableCreate)
    check_patterns(data.offers, data.name)
    offers = checked_offers(data.offers, hardware=service.hardware_keys())
    try:
        table = store.create_table(
            data.name,
            data.description,
            offers,
            actor=api_key(request).name,
            request_id=request_id(request),
        )
    except Conflict as exc:
        raise ProblemException(409, f"name: {exc}", field="name") from exc
    return table_response(
        request,
        table,
        status_code=201,
        headers={"Location": f"/v1/pricing/tables/{table.name}"},
    )


@put(
    "/v1/pricing/tables/{name:str}",
    operation_id="replacePricingTable",
    summary="Replace a table's offers (a new version); needs an editor key and If-Match",
    description="JSON body, or text/csv with one offer per row (the GET CSV format).",
    opt=requires(Role.EDITOR),
    security=API_KEY_SECURITY,
    dependencies={"documented_body": Provide(_documented_replace_body, sync_to_thread=False)},
    operation_class=require_header(_CsvBodyOperation, "If-Match"),
    responses=_problems(400, 401, 403, 404, 412, 413, 415, 422, 428, 429),
    response_headers=WRITE_HEADERS,
    request_max_body_size=PRICING_MAX_BODY_BYTES,
    tags=["pricing"],
)
async def replace_table(
    request: Request[Any, Any, Any],
    store: StoreDep,
    service: LiveServiceDep,
    name: TableName,
    if_match: IfMatch = None,
    description: Annotated[
        str | None,
        Parameter(
            max_length=2000,
            description="The new description (for a CSV body; a JSON body may carry it instead)",
        ),
    ] = None,
) -> Response[PricingTable]:
    payload = await _payload(request)
    return await _off_loop(_replace, request, store, service, name, if_match, payload, description)


def _replace(
    request: Request[Any, Any, Any],
    store: StoreDep,
    service: LiveServiceDep,
    name: str,
    if_match: str | None,
    payload: bytes,
    description: str | None,
) -> Response[Any]:
    media_type = _media_type(request)
    read_version: int | None = None  # the version of the representation sent back, if any
    if media_type == "text/csv":
        offers = offers_from_csv(payload, hardware=service.hardware_keys())
    elif _is_json(media_type):
        data = decode_json(payload, TableReplace)
        read_version = data.version
        if data.description is not None and description is not None:
            raise ProblemException(
                422, "description: given in both the query and the body", field="description"
            )
        check_patterns(data.offers)
        if data.name is not None and data.name != name:
            raise _read_only_mismatch("name", f"{data.name!r} is not this table ({name!r})")
        offers = checked_offers(data.offers, hardware=service.hardware_keys())
        description = data.description if description is None else description
    else:
        raise _unsupported(media_type, "application/json or text/csv")
    # After the body: a request that is wrong in itself is told so whatever version it names.
    expected = expected_version(name, if_match)
    if read_version is not None and read_version != expected:
        raise _read_only_mismatch(
            "version",
            f"{read_version} is not the version If-Match names ({expected})",
        )
    if description is None:
        # A stale If-Match is answered by the store below (412), whatever description this is.
        description = read_table(store, name, None).description
    with _versioned_write_errors():
        table = store.replace_table(
            name,
            description,
            offers,
            expected_version=expected,
            actor=api_key(request).name,
            request_id=request_id(request),
        )
    return table_response(request, table)


def _read_only_mismatch(field: str, reason: str) -> ProblemException:
    """A read-only field of the read representation sent back with another value: the request
    contradicts itself (or the URL); nothing is written."""
    reason = f"{reason} (read-only: it cannot be changed by a PUT)"  # leave it out, or as read
    return ProblemException(
        422, f"{field}: {reason}", field=field, errors=[FieldError(field=field, reason=reason)]
    )


@contextmanager
def _versioned_write_errors() -> Iterator[None]:
    """The store's answers to a replace or delete, as problems: the table is gone (404) or the
    If-Match version is not the current one any more (412)."""
    try:
        yield
    except NotFound as exc:
        raise ProblemException(404, str(exc), field="name") from exc
    except PreconditionFailed as exc:
        raise ProblemException(412, f"If-Match: {exc}", field="If-Match") from exc


@delete(
    "/v1/pricing/tables/{name:str}",
    operation_id="deletePricingTable",
    summary="Delete a table (its versions stay readable); needs an admin key and If-Match",
    opt=requires(Role.ADMIN),
    operation_class=require_header(_NoContentOperation, "If-Match"),
    security=API_KEY_SECURITY,
    responses=_problems(400, 401, 403, 404, 412, 428, 429),
    response_headers=[
        ResponseHeader(
            name="X-Pricing-Version",
            description="The version recording the deletion",
            documentation_only=True,
        )
    ],
    tags=["pricing"],
)
async def delete_table(
    request: Request[Any, Any, Any], store: StoreDep, name: TableName, if_match: IfMatch = None
) -> Response[None]:
    expected = expected_version(name, if_match)
    return await _off_loop(_delete, request, store, name, expected)


def _delete(
    request: Request[Any, Any, Any], store: StoreDep, name: str, expected: int
) -> Response[None]:
    with _versioned_write_errors():
        tombstone = store.delete_table(
            name,
            expected_version=expected,
            actor=api_key(request).name,
            request_id=request_id(request),
        )
    return Response(content=None, status_code=204, headers={"X-Pricing-Version": str(tombstone)})


PRICING_READ_HANDLERS = [*with_head(list_tables), *with_head(get_table), *with_head(list_versions)]
PRICING_WRITE_HANDLERS = [create_table, replace_table, delete_table]
