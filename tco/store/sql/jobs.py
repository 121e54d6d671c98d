"""The sync log in SQL, and the job lease as a table (the SQLite backend's lock; PostgreSQL
uses advisory locks instead: tco.store.postgres.locks)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from tco.store.base import SyncRecord
from tco.store.sql.db import Database, iso, ts


class SqlSyncLog:
    """:class:`~tco.store.protocols.SyncLog` on any :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record_sync(
        self,
        *,
        source: str,
        started_at: dt.datetime,
        finished_at: dt.datetime,
        status: str,
        summary: dict[str, Any],
    ) -> SyncRecord:
        record = SyncRecord(
            id="sync_" + uuid.uuid4().hex[:16],
            source=source,
            started_at=started_at,
            finished_at=finished_at,
            status=status,
            summary=summary,
        )
        with self._db.tx(write=True) as conn:
            conn.execute(
                "INSERT INTO sync_log (id, source, started_at, finished_at, status, summary_json) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    source,
                    iso(started_at),
                    iso(finished_at),
                    status,
                    msgspec.json.encode(summary).decode(),
                ),
            )
        return record

    def last_syncs(self, limit: int = 1) -> list[SyncRecord]:
        """The newest finished syncs, newest first."""
        with self._db.tx(write=False) as conn:
            rows = conn.execute(
                "SELECT id, source, started_at, finished_at, status, summary_json FROM sync_log "
                "ORDER BY finished_at DESC, id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            SyncRecord(
                id=r[0],
                source=r[1],
                started_at=ts(r[2]),
                finished_at=ts(r[3]),
                status=r[4],
                summary=msgspec.json.decode(r[5]),
            )
            for r in rows
        ]

    def last_success_at(self) -> dt.datetime | None:
        """When the newest sync that stored its data (ok or partial) finished."""
        with self._db.tx(write=False) as conn:
            row = conn.execute(
                "SELECT MAX(finished_at) FROM sync_log WHERE status IN ('ok', 'partial')"
            ).fetchone()
        return None if row[0] is None else ts(row[0])


class TableLeases:
    """Job leases in the ``job_lock`` table: one write transaction each (serialized across
    processes), so two processes never both hold one; a lease expires, so a crashed holder
    does not block the job forever."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def try_lock(
        self, name: str, holder: str, *, ttl: dt.timedelta, now: dt.datetime | None = None
    ) -> bool:
        """Take (or renew) the lease on job ``name`` for ``holder``; False if another live
        holder has it."""
        at = now or dt.datetime.now(dt.UTC)
        with self._db.tx(write=True) as conn:
            row = conn.execute(
                "SELECT holder, expires_at FROM job_lock WHERE name = ?", (name,)
            ).fetchone()
            if row is not None and row[0] != holder and row[1] > iso(at):
                return False
            conn.execute(
                "INSERT INTO job_lock (name, holder, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                "expires_at = excluded.expires_at",
                (name, holder, iso(at + ttl)),
            )
        return True

    def unlock(self, name: str, holder: str) -> None:
        with self._db.tx(write=True) as conn:
            conn.execute("DELETE FROM job_lock WHERE name = ? AND holder = ?", (name, holder))

    def close(self) -> None:
        pass
