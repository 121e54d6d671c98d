"""Benchmark runs: ingest a payload as one run, list runs, read one with its points, delete one.

An ingest is all or nothing: the payload is parsed and validated completely (every row error
is reported, with its row index), then stored in one transaction; rows already stored are
counted as duplicates, so posting the same rows again adds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import anyio.to_thread
import msgspec
from litestar import Request, Response, delete, get, post
from litestar.datastructures import ResponseHeader
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import Parameter

from tco.api.auth import (
    API_KEY_SECURITY,
    AUTH_PROBLEMS,
    RATE_LIMIT_PROBLEM,
    api_key,
    request_id,
    requires,
)
from tco.api.deps import LiveServiceDep
from tco.api.errors import BODY_PROBLEMS, READ_PROBLEMS, FieldError, ProblemException, problem_spec
from tco.api.http import CACHE_HEADERS, CACHED_READ_RESPONSES, CsvOperation, cached, with_head
from tco.api.runs_recipe import RECIPE_DEPENDENCY, RecipeParams, recipe_of
from tco.app.live import warn_checks
from tco.app.runs import RunDeleted, RunDetail, RunIngested, ingest_run, remove_run
from tco.ingest import IngestError
from tco.ingest.rows import FILE_INDEX
from tco.ingest.tools import json_lines
from tco.store import InvalidData, NotFound, Role, RunInfo

# tco.ingest.FORMATS, spelled out for the OpenAPI enum (a test keeps the two equal)
RunFormat = Literal[
    "inferencex_api",
    "inferencex_agg",
    "blog_csv",
    "native_json",
    "native_csv",
    "vllm_bench",
    "sglang_bench",
    "aiperf",
    "guidellm",
    "llmperf",
]

RunId = Annotated[str, Parameter(description="Run id, e.g. run_0123456789abcdef", max_length=100)]


# Syntax only: the top level, members left as validated raw JSON (a fifth of a full decode).
_JsonDocument = list[msgspec.Raw] | dict[str, msgspec.Raw]


def _check_syntax(payload: bytes, content_type: str | None) -> None:
    """400 unless the body is what the contract promises to take for its media type: a JSON
    object or array (or JSON Lines), or UTF-8 text. Whatever such a body then fails is a 422 (415 for an
    unsupported media type), even when ?format= names a format the body is not in."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    head = payload.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    is_json = media_type.endswith(("/json", "+json")) or (not media_type and head in (b"{", b"["))
    try:
        if is_json and json_lines(payload) is None:  # JSON Lines (SGLang) is JSON too
            msgspec.json.decode(payload, type=_JsonDocument)
        elif not is_json:
            payload.decode("utf-8")
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        what = "a JSON object or array" if is_json else "UTF-8 text"
        reason = f"not {what}: {exc}"
        raise ProblemException(
            400,
            f"nothing stored: payload: {reason}",
            field="payload",
            errors=[FieldError(field="payload", reason=reason)],
            errors_total=1,
        ) from None


def _ingest_problem(exc: IngestError) -> ProblemException:
    errors = [
        FieldError(field=e.field, reason=e.reason, index=None if e.index == FILE_INDEX else e.index)
        for e in exc.errors
    ]
    first = exc.errors[0]
    # 422: the body is well-formed (see _check_syntax) but holds no valid run
    status = 415 if first.field == "content_type" else 422
    if all(e.index == FILE_INDEX for e in exc.errors):
        detail = f"nothing stored: {first.field}: {first.reason}"
    else:
        detail = (
            f"nothing stored: {exc.total} row error(s), the first at row {first.index}, "
            f"{first.field}: {first.reason}"
        )
    return ProblemException(
        status,
        detail,
        field=exc.errors[0].field,
        errors=errors,
        errors_total=exc.total,
    )


@dataclass
class RunUploadOperation(Operation):
    """Declares the bodies ``createRun`` reads itself (raw bytes, so every format arrives
    unparsed): JSON documents of three shapes, or CSV."""

    def __post_init__(self) -> None:
        json_doc = Schema(
            one_of=[
                Schema(type=OpenAPIType.OBJECT, description="native: {source, points: [Point]}"),
                # Typed items: openapi-python-client skips an operation whose array is untyped.
                Schema(
                    type=OpenAPIType.ARRAY,
                    items=Schema(type=OpenAPIType.OBJECT),
                    description="InferenceX API rows or runner files",
                ),
            ]
        )
        csv_doc = Schema(type=OpenAPIType.STRING, description="CSV, a header row of Point fields")
        self.request_body = RequestBody(
            content={
                "application/json": OpenAPIMediaType(schema=json_doc),
                "text/csv": OpenAPIMediaType(schema=csv_doc),
            },
            required=True,
            description="A benchmark run: native JSON or CSV, InferenceX API rows, or InferenceX "
            "runner agg_*.json results (one object or an array; pass date=)",
        )


@post(
    "/v1/runs",
    operation_id="createRun",
    summary="Ingest a benchmark run (native JSON/CSV, InferenceX API rows or runner files)",
    opt=requires(Role.EDITOR),
    security=API_KEY_SECURITY,
    status_code=201,
    responses={
        **BODY_PROBLEMS,
        **AUTH_PROBLEMS,
        **RATE_LIMIT_PROBLEM,
        200: ResponseSpec(
            data_container=RunIngested,
            description="Every row was already stored: nothing recorded (run_id is null)",
            generate_examples=False,
        ),
        415: problem_spec("Content type other than JSON or CSV"),
        422: problem_spec(
            "A well-formed body that holds no valid run (unknown shape, missing CSV column, no "
            "rows, rows failing validation or a sanity check): `errors` lists row index, field "
            "and reason (the first 100; `errors_total` counts all); nothing stored"
        ),
    },
    operation_class=RunUploadOperation,
    dependencies=RECIPE_DEPENDENCY,
    response_headers=[
        ResponseHeader(name="Location", description="The new run (201)", documentation_only=True)
    ],
    tags=["runs"],
)
async def create_run(
    request: Request[Any, Any, Any],
    service: LiveServiceDep,
    format: Annotated[
        RunFormat | None,
        Parameter(description="Payload format; detected from content type and shape if absent"),
    ] = None,
    date: Annotated[
        dt.date | None, Parameter(description="Run date, for runner files (they carry none)")
    ] = None,
    source: Annotated[
        str | None,
        Parameter(
            description="Provenance recorded with the run and used for rows without their own "
            "(run URL, file, note)",
            min_length=1,
            max_length=500,
        ),
    ] = None,
    strict: Annotated[
        bool | None,
        Parameter(
            description="true: every sanity check rejects the payload; false: sanity checks "
            "only warn; absent: the server setting (TCO_SANITY_WARN)"
        ),
    ] = None,
    wait: Annotated[
        bool,
        Parameter(
            description="true: answer once reads see the run (the index is rebuilt first); "
            "false: answer once it is stored, the index follows within about a second (posts "
            "of a bulk import then share rebuilds)"
        ),
    ] = True,
    *,
    recipe_params: RecipeParams,
) -> Response[RunIngested]:
    """Atomic: all rows are stored, or none (and the dataset version is unchanged).

    Files of benchmark tools (vllm_bench, sglang_bench, aiperf, guidellm, llmperf) do not
    record the deployment: give the recipe (hardware, gpus or prefill_gpus + decode_gpus, tp,
    framework, precision, spec_method, date when the file has none, model when its id is not a
    catalog key) as query parameters; a missing one is a 422 naming it."""
    key = api_key(request)
    payload = await request.body()
    warn = warn_checks(strict) if strict is not None else service.sanity_warn
    run_source = source or f"upload by API key {key.name!r}"
    recipe = recipe_of(recipe_params)

    def ingest() -> RunIngested:
        _check_syntax(payload, request.headers.get("content-type"))
        try:
            return ingest_run(
                service,
                payload,
                source=run_source,
                actor=key.name,
                request_id=request_id(request),
                warn=warn,
                format=format,
                content_type=request.headers.get("content-type"),
                date=date,
                recipe=recipe,
                wait=wait,
            )
        except IngestError as exc:
            raise _ingest_problem(exc) from exc
        except InvalidData as exc:
            raise ProblemException(422, f"nothing stored: {exc}", field="payload") from exc

    # Parsing and storing 5k rows take ~0.3 s of CPU: off the event loop.
    answer = await anyio.to_thread.run_sync(ingest)
    if answer.run_id is None:
        return Response(answer, status_code=200)
    return Response(answer, status_code=201, headers={"Location": f"/v1/runs/{answer.run_id}"})


@get(
    "/v1/runs",
    operation_id="listRuns",
    summary="Stored benchmark runs, newest first",
    responses=CACHED_READ_RESPONSES,
    operation_class=CsvOperation,
    response_headers=CACHE_HEADERS,
    sync_to_thread=False,
    tags=["runs"],
)
def list_runs(request: Request[Any, Any, Any], service: LiveServiceDep) -> Response[list[RunInfo]]:
    runs = service.store.list_runs()
    return cached(request, runs, lambda: [msgspec.structs.asdict(r) for r in runs])


@get(
    "/v1/runs/{run_id:str}",
    operation_id="getRun",
    summary="A run and its points; CSV: the points in native columns (re-importable)",
    responses=CACHED_READ_RESPONSES,
    operation_class=CsvOperation,
    response_headers=CACHE_HEADERS,
    tags=["runs"],
)
async def get_run(
    request: Request[Any, Any, Any], service: LiveServiceDep, run_id: RunId
) -> Response[RunDetail]:
    store = service.store
    try:
        # a large run is ~100k rows of SQL: off the event loop
        run, points = await anyio.to_thread.run_sync(store.get_run, run_id)
    except NotFound as exc:
        raise ProblemException(404, str(exc), field="run_id") from exc
    detail = RunDetail(run=run, points=points)
    return cached(request, detail, lambda: [msgspec.structs.asdict(p) for p in points])


@delete(
    "/v1/runs/{run_id:str}",
    operation_id="deleteRun",
    summary="Delete a run's points (admin); the run stays in the audit log",
    opt=requires(Role.ADMIN),
    security=API_KEY_SECURITY,
    status_code=200,
    responses={**READ_PROBLEMS, **AUTH_PROBLEMS, **RATE_LIMIT_PROBLEM},
    sync_to_thread=True,
    tags=["runs"],
)
def delete_run(
    request: Request[Any, Any, Any], service: LiveServiceDep, run_id: RunId
) -> RunDeleted:
    try:
        return remove_run(
            service, run_id, actor=api_key(request).name, request_id=request_id(request)
        )
    except NotFound as exc:
        raise ProblemException(404, str(exc), field="run_id") from exc


RUN_HANDLERS = [create_run, *with_head(list_runs), *with_head(get_run), delete_run]
