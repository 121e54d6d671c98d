"""Persistence: pricing tables, API keys and audit, benchmark runs, catalog entries, the sync
log and job locks, the shared write rate limit and change notifications.

``open_store(url)`` picks the backend from the URL: SQLite (``sqlite:///PATH``, a plain path
or ``:memory:``) is the embedded default; ``postgresql://...`` (or ``postgres://``) runs on a
PostgreSQL server, for several replicas on one database. Either way the result is a
:class:`Store` handing out one repository per aggregate (tco.store.protocols).
"""

from __future__ import annotations

from pathlib import Path

from tco.store.base import (
    AuditEntry,
    Conflict,
    Dataset,
    InvalidData,
    KeyInfo,
    NotFound,
    OfferKey,
    PreconditionFailed,
    Role,
    RunFrame,
    RunInfo,
    RunResult,
    StoreError,
    StoreUnavailable,
    SyncRecord,
    TableInfo,
    VersionInfo,
    VersionSummary,
    catalog_token,
    decoded_entry,
    point_hash,
)
from tco.store.composed import Store
from tco.store.protocols import (
    ApiKeys,
    CatalogEntries,
    Changes,
    JobLocks,
    PricingTables,
    Runs,
    SyncLog,
    WriteLimits,
)
from tco.store.sqlite import SqliteStore, database_path

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(url: str | Path) -> bool:
    return str(url).startswith(POSTGRES_SCHEMES)


def open_store(url: str | Path) -> Store:
    """A store for ``postgresql://...``, ``sqlite:///PATH``, a plain path or ``:memory:``."""
    if is_postgres_url(url):
        # Imported here: psycopg is loaded only by processes that use PostgreSQL.
        from tco.store.postgres import PostgresStore

        return PostgresStore(str(url))
    return SqliteStore(url)


__all__ = [
    "POSTGRES_SCHEMES",
    "ApiKeys",
    "AuditEntry",
    "CatalogEntries",
    "Changes",
    "Conflict",
    "Dataset",
    "InvalidData",
    "JobLocks",
    "KeyInfo",
    "NotFound",
    "OfferKey",
    "PreconditionFailed",
    "PricingTables",
    "Role",
    "RunFrame",
    "RunInfo",
    "RunResult",
    "Runs",
    "SqliteStore",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "SyncLog",
    "SyncRecord",
    "TableInfo",
    "VersionInfo",
    "VersionSummary",
    "WriteLimits",
    "catalog_token",
    "database_path",
    "decoded_entry",
    "is_postgres_url",
    "open_store",
    "point_hash",
]
