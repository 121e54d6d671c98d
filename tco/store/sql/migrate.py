"""Apply tco.store.schema.MIGRATIONS: one list for every backend, the same numbering and the
same ``schema_version`` table, each step in the serialized write transaction (two processes
opening a new database at once apply each step once)."""

from __future__ import annotations

from collections.abc import Callable

from tco.store.base import StoreError
from tco.store.schema import MIGRATIONS
from tco.store.sql.db import Database, now_text


def migrate(db: Database, ddl: Callable[[str], str] = lambda statement: statement) -> None:
    """``ddl`` turns a portable statement into the backend's (PostgreSQL: BYTEA for BLOB)."""
    with db.tx(write=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version "
            "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        current = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0
        if current > len(MIGRATIONS):
            raise StoreError(
                f"database schema version {current} is newer than this tco supports "
                f"({len(MIGRATIONS)}); upgrade tco"
            )
        for version, statements in enumerate(MIGRATIONS, start=1):
            if version <= current:
                continue
            for statement in statements:
                conn.execute(ddl(statement))
            conn.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                (version, now_text()),
            )


def schema_version(db: Database) -> int:
    with db.tx(write=False) as conn:
        return int(conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])
