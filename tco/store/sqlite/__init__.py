"""The SQLite backend: the embedded default (a file, or ``:memory:``; no server)."""

from __future__ import annotations

from pathlib import Path

from tco.store.composed import Store
from tco.store.sql import TableLeases, migrate
from tco.store.sqlite.database import (
    BUSY_TIMEOUT_S,
    LATEST_RECHECK_S,
    SqliteDatabase,
    database_path,
)


class SqliteStore(Store):
    """The default :class:`~tco.store.composed.Store`. Job locks are leases in the
    ``job_lock`` table (SQLite has no session locks that outlive a transaction)."""

    backend = "sqlite"

    def __init__(self, path_or_url: str | Path = ":memory:") -> None:
        db = SqliteDatabase(path_or_url)
        try:
            migrate(db)
            db.open_watch()
        except BaseException:
            db.close()
            raise
        self.path = db.path
        super().__init__(db, TableLeases(db))
        self.sqlite = db

    def __enter__(self) -> SqliteStore:
        return self


__all__ = [
    "BUSY_TIMEOUT_S",
    "LATEST_RECHECK_S",
    "SqliteDatabase",
    "SqliteStore",
    "database_path",
]
