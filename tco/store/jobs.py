"""Background-job state in the store: the sync log, job leases, and run history for the change log.

``JobsMixin`` is mixed into :class:`~tco.store.sqlite.SqliteStore`; it only needs the store's
``_tx`` transactions. The lease is the one place a PostgreSQL backend would swap in advisory
locks (``pg_try_advisory_lock``): callers only see :meth:`JobsMixin.try_lock` / ``unlock``.
"""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol

import msgspec
import polars as pl

from tco.domain.points import POINT_SCHEMA


class SyncRecord(msgspec.Struct, kw_only=True, frozen=True):
    """One finished sync, as ``GET /v1/sync`` and ``/healthz`` report it."""

    id: str
    source: str  # e.g. "inferencex https://inferencex.semianalysis.com"
    started_at: dt.datetime
    finished_at: dt.datetime
    status: str  # ok | partial | failed
    summary: dict[str, Any]


class RunFrame(msgspec.Struct, kw_only=True, frozen=True):
    """A live run with its stored points (the change log replays runs in ingest order)."""

    id: str
    generation: int  # the dataset generation this run's ingest produced
    created_at: dt.datetime
    source: str
    points: pl.DataFrame


class _HasTx(Protocol):
    def _tx(self, *, write: bool) -> AbstractContextManager[sqlite3.Connection]: ...


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


class JobsMixin:
    """Sync log, job leases and run frames (methods of the SQLite store)."""

    def record_sync(
        self: _HasTx,
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
        with self._tx(write=True) as conn:
            conn.execute(
                "INSERT INTO sync_log (id, source, started_at, finished_at, status, summary_json) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    source,
                    _iso(started_at),
                    _iso(finished_at),
                    status,
                    msgspec.json.encode(summary).decode(),
                ),
            )
        return record

    def last_syncs(self: _HasTx, limit: int = 1) -> list[SyncRecord]:
        """The newest finished syncs, newest first."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                "SELECT id, source, started_at, finished_at, status, summary_json FROM sync_log "
                "ORDER BY finished_at DESC, id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            SyncRecord(
                id=r[0],
                source=r[1],
                started_at=dt.datetime.fromisoformat(r[2]),
                finished_at=dt.datetime.fromisoformat(r[3]),
                status=r[4],
                summary=msgspec.json.decode(r[5]),
            )
            for r in rows
        ]

    def last_success_at(self: _HasTx) -> dt.datetime | None:
        """When the newest sync that stored its data (ok or partial) finished."""
        with self._tx(write=False) as conn:
            row = conn.execute(
                "SELECT MAX(finished_at) FROM sync_log WHERE status IN ('ok', 'partial')"
            ).fetchone()
        return None if row[0] is None else dt.datetime.fromisoformat(row[0])

    def try_lock(
        self: _HasTx, name: str, holder: str, *, ttl: dt.timedelta, now: dt.datetime | None = None
    ) -> bool:
        """Take (or renew) the lease on job ``name`` for ``holder``; False if another live
        holder has it. One write transaction (SQLite: BEGIN IMMEDIATE, serialized across
        processes), so two processes never both get it."""
        at = now or dt.datetime.now(dt.UTC)
        with self._tx(write=True) as conn:
            row = conn.execute(
                "SELECT holder, expires_at FROM job_lock WHERE name = ?", (name,)
            ).fetchone()
            if row is not None and row[0] != holder and row[1] > _iso(at):
                return False
            conn.execute(
                "INSERT INTO job_lock (name, holder, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                "expires_at = excluded.expires_at",
                (name, holder, _iso(at + ttl)),
            )
        return True

    def unlock(self: _HasTx, name: str, holder: str) -> None:
        with self._tx(write=True) as conn:
            conn.execute("DELETE FROM job_lock WHERE name = ? AND holder = ?", (name, holder))

    def run_frames(self: _HasTx, after_generation: int = 0) -> Iterator[RunFrame]:
        """Live runs ingested after ``after_generation``, oldest first, with their points."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                "SELECT id, ingest_generation, created_at, source, frame FROM run "
                "WHERE deleted_at IS NULL AND ingest_generation > ? ORDER BY ingest_generation",
                (after_generation,),
            ).fetchall()
        for run_id, generation, created_at, source, blob in rows:
            frame = pl.read_ipc(io.BytesIO(blob))
            frame = frame.select(
                (pl.col(n) if n in frame.columns else pl.lit(None)).cast(t).alias(n)
                for n, t in POINT_SCHEMA.items()
            )
            yield RunFrame(
                id=run_id,
                generation=int(generation),
                created_at=dt.datetime.fromisoformat(created_at),
                source=source,
                points=frame,
            )
