"""Persistence: pricing tables, API keys, benchmark runs and the audit log.

``open_store(url)`` picks the backend from the URL; SQLite (a file, or ``:memory:``) is the
default and currently the only one.
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
    RunInfo,
    RunResult,
    Store,
    StoreError,
    TableInfo,
    VersionInfo,
    VersionSummary,
    point_hash,
)
from tco.store.jobs import RunFrame, SyncRecord
from tco.store.sqlite import SqliteStore, database_path


def open_store(url: str | Path) -> Store:
    """A store for ``sqlite:///PATH``, a plain path or ``:memory:``."""
    return SqliteStore(url)


__all__ = [
    "AuditEntry",
    "Conflict",
    "Dataset",
    "InvalidData",
    "KeyInfo",
    "NotFound",
    "OfferKey",
    "PreconditionFailed",
    "Role",
    "RunFrame",
    "RunInfo",
    "RunResult",
    "SqliteStore",
    "Store",
    "StoreError",
    "SyncRecord",
    "TableInfo",
    "VersionInfo",
    "VersionSummary",
    "database_path",
    "open_store",
    "point_hash",
]
