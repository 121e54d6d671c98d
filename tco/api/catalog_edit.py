"""The open catalog: models, hardware and serving frameworks as data an editor adds.

``POST /v1/catalog/{kind}`` adds an entry (editor), ``PUT`` replaces it with ``If-Match``
(428 without, 412 when stale; checked in the store's write transaction), ``GET`` reads it or
its history. Shipped entries are read-only and listed with ``shipped: true``. Every write
changes the dataset version like an ingest, and its keys and aliases are accepted by
``POST /v1/runs`` from then on.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Request, Response, get, post, put
from litestar.datastructures import ResponseHeader
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
from tco.api.deps import ServiceDep
from tco.api.errors import BODY_PROBLEMS, READ_PROBLEMS, ProblemException, problem_spec
from tco.api.http import with_head
from tco.app_state import LiveService
from tco.domain import keys
from tco.domain.catalog_entries import ENTRY_TYPES, KEY_KIND, CatalogKind, EntryVersion, etag
from tco.service import Service
from tco.store import Conflict, NotFound, PreconditionFailed, Role

ETAG_PATTERN = r'^"(models|hardware|frameworks)-[a-z0-9][a-z0-9.\-]*-v[1-9][0-9]{0,9}"$'
Kind = Annotated[CatalogKind, Parameter(description="models, hardware or frameworks")]
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


class CatalogEntryAnswer(msgspec.Struct, kw_only=True, frozen=True):
    kind: str
    key: str
    version: int
    created_at: str
    created_by: str
    entry: dict[str, Any]
    dataset_version: str  # served once the index is rebuilt (before this answer)


class CatalogListItem(msgspec.Struct, kw_only=True, frozen=True):
    key: str
    display_name: str
    shipped: bool
    version: int | None  # None for a shipped entry (it is not versioned through the API)
    entry: dict[str, Any] | None  # an added entry's fields


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


def _live(service: Service) -> LiveService:
    if not isinstance(service, LiveService):
        raise TypeError("catalog writes need the store-backed service")
    return service


def _store(service: Service) -> Any:
    from tco.store.sqlite import SqliteStore

    store = _live(service).store
    if not isinstance(store, SqliteStore):
        raise ProblemException(501, "this store does not hold catalog entries", field="kind")
    return store


def _entry(kind: str, data: Any) -> Any:
    try:
        entry = msgspec.convert(data, ENTRY_TYPES[kind])
    except msgspec.ValidationError as exc:
        match = re.search(r"at `\$\.(\w+)`|required field `(\w+)`|unknown field `(\w+)`", str(exc))
        field = next((g for g in match.groups() if g), "body") if match else "body"
        raise ProblemException(422, f"{field}: {exc}", field=field) from None
    unsourced = getattr(entry, "unsourced", lambda: None)()
    if unsourced is not None:
        raise ProblemException(
            422,
            f"{unsourced}: stated without its source (or only one of gpus_per_node and "
            "scale_up_domain_gpus): leave a value nobody published out, never assume it",
            field=unsourced,
        )
    return entry


def _answer(service: Service, version: EntryVersion, status: int) -> Response[CatalogEntryAnswer]:
    live = _live(service)
    dataset_version = live.refresh()  # registers the keys in this process, before answering
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


@post(
    "/v1/catalog/{kind:str}",
    operation_id="createCatalogEntry",
    summary="Add a model, hardware or framework to the catalog (editor)",
    opt=requires(Role.EDITOR),
    security=API_KEY_SECURITY,
    status_code=201,
    responses=_WRITE_PROBLEMS,
    response_headers=[
        *_WRITE_HEADERS,
        ResponseHeader(name="Location", description="The new entry", documentation_only=True),
    ],
    tags=["catalog"],
)
async def create_entry(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    kind: Kind,
    data: JSONBody[dict[str, Any]],
) -> Response[CatalogEntryAnswer]:
    """Hardware: every value optional, each with its source (memory_source, topology_source,
    all_in_kw_source + date); an unknown one stays out and the answers say so."""
    store, entry = _store(service), _entry(kind, data)
    key_kind = KEY_KIND[kind]
    clash = keys.conflicting_spelling(key_kind, entry.key, entry.aliases)
    if clash is not None or keys.is_shipped(key_kind, entry.key):
        raise ProblemException(
            409, f"{clash or entry.key!r} already names a {key_kind} in the catalog", field="key"
        )

    def write() -> EntryVersion:
        from tco.store.catalog_sqlite import write_entry

        try:
            return write_entry(
                store, kind, entry, actor=api_key(request).name,
                request_id=request_id(request), expected_version=None,
            )  # fmt: skip
        except Conflict as exc:
            raise ProblemException(409, str(exc), field="key") from exc

    return _answer(service, await anyio.to_thread.run_sync(write), 201)


@put(
    "/v1/catalog/{kind:str}/{key:str}",
    operation_id="replaceCatalogEntry",
    summary="Replace a catalog entry (a new version); needs an editor key and If-Match",
    opt=requires(Role.EDITOR),
    security=API_KEY_SECURITY,
    responses=_WRITE_PROBLEMS,
    response_headers=_WRITE_HEADERS,
    tags=["catalog"],
)
async def replace_entry(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    kind: Kind,
    key: EntryKey,
    data: JSONBody[dict[str, Any]],
    if_match: IfMatch = None,
) -> Response[CatalogEntryAnswer]:
    store, entry = _store(service), _entry(kind, data)
    if entry.key != key:
        raise ProblemException(
            422, f"key: the body names {entry.key!r}, the path {key!r}", field="key"
        )
    if not if_match or not if_match.strip():
        raise ProblemException(
            428, f"If-Match: required; send the ETag you read (e.g. {etag(kind, key, 1)})",
            field="If-Match",
        )  # fmt: skip
    tag = if_match.strip()
    prefix = f'"{kind}-{key}-v'
    if not (tag.startswith(prefix) and tag.endswith('"') and tag[len(prefix) : -1].isdigit()):
        raise ProblemException(412, f"If-Match: {tag[:80]!r} is not an ETag of {kind}/{key}", field="If-Match")  # fmt: skip
    expected = int(tag[len(prefix) : -1])
    clash = keys.conflicting_spelling(KEY_KIND[kind], key, entry.aliases)
    if clash is not None:
        raise ProblemException(409, f"{clash!r} already names another {KEY_KIND[kind]}", field="aliases")  # fmt: skip

    def write() -> EntryVersion:
        from tco.store.catalog_sqlite import write_entry

        try:
            return write_entry(
                store, kind, entry, actor=api_key(request).name,
                request_id=request_id(request), expected_version=expected,
            )  # fmt: skip
        except NotFound as exc:
            raise ProblemException(404, str(exc), field="key") from exc
        except PreconditionFailed as exc:
            raise ProblemException(412, str(exc), field="If-Match") from exc

    return _answer(service, await anyio.to_thread.run_sync(write), 200)


@get(
    "/v1/catalog/{kind:str}",
    operation_id="listCatalogEntries",
    summary="The catalog's models, hardware or frameworks: shipped and added",
    responses=READ_PROBLEMS,
    tags=["catalog"],
    sync_to_thread=False,
)
def list_entries(service: ServiceDep, kind: Kind) -> list[CatalogListItem]:
    from tco.store.catalog_sqlite import latest_entries

    shipped = {
        "models": keys.MODEL_DISPLAY_NAMES,
        "hardware": keys.HARDWARE_DISPLAY_NAMES,
        "frameworks": keys.FRAMEWORK_DISPLAY_NAMES,
    }[kind]
    added = {e.key: e for e in latest_entries(_store(service), kind)}
    items = [
        CatalogListItem(key=k, display_name=name, shipped=True, version=None, entry=None)
        for k, name in shipped.items()
        if k not in added and keys.is_shipped(KEY_KIND[kind], k)
    ]
    items += [
        CatalogListItem(
            key=k,
            display_name=str((e.entry or {}).get("display_name", k)),
            shipped=False,
            version=e.version,
            entry=e.entry,
        )
        for k, e in added.items()
    ]
    return items


@get(
    "/v1/catalog/{kind:str}/{key:str}",
    operation_id="getCatalogEntry",
    summary="An added catalog entry (?version=N for an old one), with its ETag",
    responses=READ_PROBLEMS,
    tags=["catalog"],
    sync_to_thread=False,
)
def get_entry(
    service: ServiceDep,
    kind: Kind,
    key: EntryKey,
    version: Annotated[int | None, Parameter(ge=1, le=1_000_000_000)] = None,
) -> Response[EntryVersion]:
    from tco.store.catalog_sqlite import get_entry as read

    try:
        found = read(_store(service), kind, key, version)
    except NotFound as exc:
        shipped = keys.is_shipped(KEY_KIND[kind], key)
        detail = f"{exc}" + ("; it is a shipped entry (read-only)" if shipped else "")
        raise ProblemException(404, detail, field="key") from exc
    return Response(found, headers={"ETag": etag(kind, key, found.version)})


@get(
    "/v1/catalog/{kind:str}/{key:str}/versions",
    operation_id="listCatalogEntryVersions",
    summary="A catalog entry's history: who changed what, when",
    responses=READ_PROBLEMS,
    tags=["catalog"],
    sync_to_thread=False,
)
def list_entry_versions(service: ServiceDep, kind: Kind, key: EntryKey) -> list[EntryVersion]:
    from tco.store.catalog_sqlite import entry_history

    try:
        return entry_history(_store(service), kind, key)
    except NotFound as exc:
        raise ProblemException(404, str(exc), field="key") from exc


CATALOG_EDIT_HANDLERS = [
    create_entry,
    replace_entry,
    *with_head(list_entries),
    *with_head(get_entry),
    *with_head(list_entry_versions),
]
