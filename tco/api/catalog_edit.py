"""The open catalog: models, hardware and serving frameworks as data an editor adds.

``POST /v1/catalog/{models,hardware,frameworks}`` adds an entry (editor), ``PUT`` replaces it with ``If-Match``
(428 without, 412 when stale; checked in the store's write transaction), ``GET`` reads it or
its history. Shipped entries are read-only and listed with ``shipped: true``. Every write
changes the dataset version like an ingest, and its keys and aliases are accepted by
``POST /v1/runs`` from then on.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from litestar import Request, Response, get, post, put
from litestar.datastructures import ResponseHeader
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import Operation
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import HeaderParameter, JSONBody, Parameter

from tco.api.auth import (
    API_KEY_SECURITY,
    AUTH_PROBLEMS,
    RATE_LIMIT_PROBLEM,
    api_key,
    request_id,
    requires,
)
from tco.api.deps import LiveServiceDep
from tco.api.errors import BODY_PROBLEMS, READ_PROBLEMS, ProblemException, problem_spec
from tco.api.http import if_match_version, with_head
from tco.api.openapi_schema import require_header
from tco.app.catalog import CatalogEntryAnswer, CatalogListItem, list_entries
from tco.app.live import LiveService
from tco.domain import keys
from tco.domain.catalog_entries import (
    ENTRY_TYPES,
    KEY_KIND,
    CatalogKind,
    Entry,
    EntryVersion,
    HardwareEntry,
    etag,
)
from tco.store import CatalogEntries, Conflict, NotFound, PreconditionFailed, Role

ETAG_PATTERN = r'^"(models|hardware|frameworks)-[a-z0-9][a-z0-9.\-]*-v[1-9][0-9]{0,9}"$'
EntryKey = Annotated[
    str, Parameter(description="Catalog key", pattern=r"^[a-z0-9][a-z0-9.\-]*$", max_length=100)
]
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        schema_extra={"pattern": ETAG_PATTERN, "type": OpenAPIType.STRING, "one_of": None},
        description='ETag of the version the change is based on (e.g. "hardware-acme-x1-v1"); '
        "required: 428 without it, 412 when another write came first",
    ),
]


_WRITE_PROBLEMS = {
    **BODY_PROBLEMS,
    **AUTH_PROBLEMS,
    **RATE_LIMIT_PROBLEM,
    404: problem_spec("No such entry (PUT)"),
    409: problem_spec("The key, or one of its aliases, already names an entry"),
    412: problem_spec("If-Match names a version that is no longer the latest: re-read, retry"),
    422: problem_spec("An entry the schema refuses, or a stated value without its source"),
    428: problem_spec("If-Match missing: a replace must name the version it is based on"),
}
_WRITE_HEADERS = [
    ResponseHeader(name="ETag", description="The new version", documentation_only=True),
]


def _entries(service: LiveService) -> CatalogEntries:
    return service.catalog_entries


def _check_sourced(entry: Entry) -> None:
    unsourced = entry.unsourced() if isinstance(entry, HardwareEntry) else None
    if unsourced is not None:
        raise ProblemException(
            422,
            f"{unsourced}: stated without its source (or only one of gpus_per_node and "
            "scale_up_domain_gpus): leave a value nobody published out, never assume it",
            field=unsourced,
        )


def _answer(
    service: LiveService, version: EntryVersion, status: int
) -> Response[CatalogEntryAnswer]:
    dataset_version = service.refresh()  # registers the keys in this process, before answering
    answer = CatalogEntryAnswer(
        kind=version.kind,
        key=version.key,
        version=version.version,
        created_at=version.created_at.isoformat(),
        created_by=version.created_by,
        entry=version.entry or {},
        dataset_version=dataset_version,
    )
    headers = {"ETag": etag(version.kind, version.key, version.version)}
    if status == 201:
        headers["Location"] = f"/v1/catalog/{version.kind}/{version.key}"
    return Response(answer, status_code=status, headers=headers)


async def _create(
    request: Request[Any, Any, Any], service: LiveService, kind: CatalogKind, entry: Entry
) -> Response[CatalogEntryAnswer]:
    entries = _entries(service)
    _check_sourced(entry)
    key_kind = KEY_KIND[kind]
    clash = keys.conflicting_spelling(key_kind, entry.key, entry.aliases)
    if clash is not None or keys.is_shipped(key_kind, entry.key):
        raise ProblemException(
            409, f"{clash or entry.key!r} already names a {key_kind} in the catalog", field="key"
        )

    def write() -> EntryVersion:
        try:
            return entries.write_entry(
                kind, entry, actor=api_key(request).name,
                request_id=request_id(request), expected_version=None,
            )  # fmt: skip
        except Conflict as exc:
            raise ProblemException(409, str(exc), field="key") from exc

    return _answer(service, await anyio.to_thread.run_sync(write), 201)


async def _replace(
    request: Request[Any, Any, Any],
    service: LiveService,
    kind: CatalogKind,
    key: str,
    entry: Entry,
    if_match: str | None,
) -> Response[CatalogEntryAnswer]:
    entries = _entries(service)
    _check_sourced(entry)
    if entry.key != key:
        raise ProblemException(
            422, f"key: the body names {entry.key!r}, the path {key!r}", field="key"
        )
    expected = if_match_version(
        if_match, entity=f"{kind}-{key}", pattern=ETAG_PATTERN, example=etag(kind, key, 1),
        what="catalog entry",
    )  # fmt: skip
    clash = keys.conflicting_spelling(KEY_KIND[kind], key, entry.aliases)
    if clash is not None:
        raise ProblemException(409, f"{clash!r} already names another {KEY_KIND[kind]}", field="aliases")  # fmt: skip

    def write() -> EntryVersion:
        try:
            return entries.write_entry(
                kind, entry, actor=api_key(request).name,
                request_id=request_id(request), expected_version=expected,
            )  # fmt: skip
        except NotFound as exc:
            raise ProblemException(404, str(exc), field="key") from exc
        except PreconditionFailed as exc:
            raise ProblemException(412, str(exc), field="If-Match") from exc

    return _answer(service, await anyio.to_thread.run_sync(write), 200)


def _list(service: LiveService, kind: CatalogKind) -> list[CatalogListItem]:
    return list_entries(_entries(service), kind)


def _get(
    service: LiveService, kind: CatalogKind, key: str, version: int | None
) -> Response[EntryVersion]:
    try:
        found = _entries(service).get_entry(kind, key, version)
    except NotFound as exc:
        shipped = keys.is_shipped(KEY_KIND[kind], key)
        detail = f"{exc}" + ("; it is a shipped entry (read-only)" if shipped else "")
        raise ProblemException(404, detail, field="key") from exc
    return Response(found, headers={"ETag": etag(kind, key, found.version)})


def _versions(service: LiveService, kind: CatalogKind, key: str) -> list[EntryVersion]:
    try:
        return _entries(service).entry_history(kind, key)
    except NotFound as exc:
        raise ProblemException(404, str(exc), field="key") from exc


# Each kind is a resource of its own (/v1/catalog/models, /hardware, /frameworks) whose POST and
# PUT take that kind's body type, so the document says exactly what each accepts (one route
# with the kind in the path and an untyped body let every body through the schema).
_NAMES: dict[CatalogKind, tuple[str, str, str]] = {
    "models": ("Model", "Models", "a model"),
    "hardware": ("Hardware", "Hardware", "an accelerator"),
    "frameworks": ("Framework", "Frameworks", "a serving framework"),
}
_CREATE_DOCS: dict[CatalogKind, str] = {
    "models": "A model key with its display name, aliases and source; variant_of names the "
    "model it is a variant of (never merged into that model's quotes).",
    "hardware": "Every value optional, each with its source (memory_source, topology_source, "
    "all_in_kw_source + date); an unknown one stays out and the answers say so (capacity "
    "without nodes, no power).",
    "frameworks": "A serving framework key with its display name, aliases and source.",
}
_Version = Annotated[int | None, Parameter(ge=1, le=1_000_000_000)]


def _handlers(kind: CatalogKind) -> list[HTTPRouteHandler]:
    one, many, what = _NAMES[kind]
    base = f"/v1/catalog/{kind}"

    async def create(
        request: Request[Any, Any, Any], service: LiveService, data: Entry
    ) -> Response[CatalogEntryAnswer]:
        return await _create(request, service, kind, data)

    async def replace(
        request: Request[Any, Any, Any],
        service: LiveService,
        key: str,
        data: Entry,
        if_match: str | None = None,
    ) -> Response[CatalogEntryAnswer]:
        return await _replace(request, service, kind, key, data, if_match)

    def list_(service: LiveService) -> list[CatalogListItem]:
        return _list(service, kind)

    def get_(service: LiveService, key: str, version: int | None = None) -> Response[EntryVersion]:
        return _get(service, kind, key, version)

    def versions(service: LiveService, key: str) -> list[EntryVersion]:
        return _versions(service, kind, key)

    # Real objects, not the strings `from __future__ import annotations` leaves: litestar reads
    # the body type and the parameters from them.
    written = Response[CatalogEntryAnswer]
    body = JSONBody[ENTRY_TYPES[kind]]  # type: ignore[valid-type]
    request_t = Request[Any, Any, Any]
    create.__annotations__ = {
        "request": request_t,
        "service": LiveServiceDep,
        "data": body,
        "return": written,
    }
    replace.__annotations__ = {"request": request_t, "service": LiveServiceDep, "key": EntryKey,
                               "data": body, "if_match": IfMatch, "return": written}  # fmt: skip
    list_.__annotations__ = {"service": LiveServiceDep, "return": list[CatalogListItem]}
    get_.__annotations__ = {"service": LiveServiceDep, "key": EntryKey, "version": _Version,
                            "return": Response[EntryVersion]}  # fmt: skip
    versions.__annotations__ = {
        "service": LiveServiceDep,
        "key": EntryKey,
        "return": list[EntryVersion],
    }
    create.__doc__ = _CREATE_DOCS[kind]
    replace.__doc__ = (
        "A new version of an added entry (shipped entries are read-only); the body is the whole "
        "entry, its key the path's."
    )
    list_.__doc__ = (
        f"Every {one.lower()} entry: the shipped ones (read-only, `shipped: true`) and those added "
        "through the API or `tco catalog add-*` (with their latest version and fields)."
    )
    get_.__doc__ = (
        "An added entry at its latest version, or at `version`; its ETag is what a PUT sends as "
        "If-Match. A shipped entry is a 404 that says it is shipped (read-only)."
    )
    versions.__doc__ = (
        "Every version of an added entry, newest first: who wrote it, when, with which request "
        "id, what changed, and its fields."
    )
    read: dict[str, Any] = {
        "responses": READ_PROBLEMS,
        "tags": ["catalog"],
        "sync_to_thread": False,
    }
    write: dict[str, Any] = {"opt": requires(Role.EDITOR), "security": API_KEY_SECURITY, "tags": ["catalog"],
             "responses": _WRITE_PROBLEMS}  # fmt: skip
    return [
        post(
            base,
            operation_id=f"createCatalog{one}",
            summary=f"Add {what} to the catalog (editor)",
            status_code=201,
            response_headers=[
                *_WRITE_HEADERS,
                ResponseHeader(name="Location", description="The new entry", documentation_only=True),
            ],
            **write,
        )(create),
        put(
            f"{base}/{{key:str}}",
            operation_id=f"replaceCatalog{one}",
            summary=f"Replace {what} of the catalog (a new version); editor key and If-Match",
            response_headers=_WRITE_HEADERS,
            operation_class=require_header(Operation, "If-Match"),
            **write,
        )(replace),
        *with_head(get(base, operation_id=f"listCatalog{many}",
                       summary=f"The catalog's {kind}: shipped and added", **read)(list_)),
        *with_head(get(f"{base}/{{key:str}}", operation_id=f"getCatalog{one}",
                       summary=f"An added {one.lower()} entry (?version=N for an old one), with its ETag",
                       **read)(get_)),
        *with_head(get(f"{base}/{{key:str}}/versions", operation_id=f"listCatalog{one}Versions",
                       summary=f"An added {one.lower()} entry's history: who changed what, when",
                       **read)(versions)),
    ]  # fmt: skip


CATALOG_EDIT_HANDLERS = [
    handler for kind in ("models", "hardware", "frameworks") for handler in _handlers(kind)
]
