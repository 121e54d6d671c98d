"""The PostgreSQL backend (``--database postgresql://USER@HOST/DATABASE``), for several
replicas on one database: the same repositories and migrations as SQLite, with advisory locks
for writers and jobs and LISTEN/NOTIFY for changes (tco.store.postgres.database says how)."""

from __future__ import annotations

from tco.store.composed import Store
from tco.store.postgres.database import (
    CHANGE_CHANNEL,
    POOL_SIZE_SETTING,
    PostgresDatabase,
    pg_ddl,
    redacted,
)
from tco.store.postgres.locks import AdvisoryLocks
from tco.store.sql import migrate


class PostgresStore(Store):
    """A :class:`~tco.store.composed.Store` on PostgreSQL; the database must exist (the
    migrations create the tables in it)."""

    backend = "postgresql"

    def __init__(self, url: str, *, pool_size: int | None = None) -> None:
        db = PostgresDatabase(url, max_size=pool_size)
        try:
            migrate(db, pg_ddl)
        except BaseException:
            db.close()
            raise
        self.url = url
        super().__init__(db, AdvisoryLocks(url))

    def __enter__(self) -> PostgresStore:
        return self

    def __repr__(self) -> str:
        return f"PostgresStore({redacted(self.url)!r})"


__all__ = [
    "CHANGE_CHANNEL",
    "POOL_SIZE_SETTING",
    "AdvisoryLocks",
    "PostgresDatabase",
    "PostgresStore",
    "pg_ddl",
]
