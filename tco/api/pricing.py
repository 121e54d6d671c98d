"""Pricing table reads: list, read (any version, JSON or CSV), version history."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import Parameter

from tco.api.deps import StoreDep
from tco.api.errors import READ_PROBLEMS, ProblemException
from tco.api.http import CACHE_HEADERS, cached
from tco.domain.pricing import PricingTable
from tco.store import NotFound, TableInfo, VersionInfo

TableName = Annotated[
    str, Parameter(description="Pricing table name", min_length=1, max_length=100)
]


def offer_rows(table: PricingTable) -> list[dict[str, object]]:
    from msgspec.structs import asdict

    return [asdict(o) for o in table.offers]


def read_table(store: StoreDep, name: str, version: int | None) -> PricingTable:
    try:
        return store.get_table(name, version)
    except NotFound as exc:
        field = "version" if version is not None else "name"
        raise ProblemException(404, str(exc), field=field) from exc


def table_etag_headers(table: PricingTable) -> dict[str, str]:
    return {"X-Pricing-Version": str(table.version)}


@get(
    "/v1/pricing/tables",
    operation_id="listPricingTables",
    summary="Pricing tables with their latest version",
    responses=READ_PROBLEMS,
    response_headers=CACHE_HEADERS,
    sync_to_thread=False,
    tags=["pricing"],
)
def list_tables(request: Request[Any, Any, Any], store: StoreDep) -> Response[list[TableInfo]]:
    tables = store.list_tables()
    from msgspec.structs import asdict

    return cached(request, tables, lambda: [asdict(t) for t in tables])


@get(
    "/v1/pricing/tables/{name:str}",
    operation_id="getPricingTable",
    summary="A pricing table (latest or ?version=N); CSV with Accept: text/csv",
    responses=READ_PROBLEMS,
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
    table = read_table(store, name, version)
    return cached(
        request, table, lambda: offer_rows(table), extra_headers=table_etag_headers(table)
    )


@get(
    "/v1/pricing/tables/{name:str}/versions",
    operation_id="listPricingTableVersions",
    summary="Version history: who, when, and offers added, removed and changed",
    responses=READ_PROBLEMS,
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


PRICING_READ_HANDLERS = [list_tables, get_table, list_versions]
