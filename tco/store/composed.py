"""``Store``: the repositories of one database, handed out together.

Callers take the repository they need (``store.pricing``, ``store.runs``, ...). The flat
methods below are shorthands for the calls the API, CLI and service made on the single store
class this replaced; each is one line naming the repository that answers it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import polars as pl

from tco.domain.points import Point
from tco.domain.pricing import Offer, PricingTable
from tco.store.base import (
    AuditEntry,
    Dataset,
    KeyInfo,
    Role,
    RunFrame,
    RunInfo,
    RunResult,
    SyncRecord,
    TableInfo,
    VersionInfo,
)
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
from tco.store.sql import (
    Database,
    SqlApiKeys,
    SqlCatalogEntries,
    SqlPricingTables,
    SqlRuns,
    SqlSyncLog,
    SqlWriteLimits,
    schema_version,
)


class DatabaseChanges:
    """:class:`Changes` from a Database's change version."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def version(self) -> int:
        return self._db.change_version()

    def wait(self, seen: int, timeout_s: float) -> int:
        return self._db.wait_for_change(seen, timeout_s)


class Store:
    """Pricing tables, keys and audit, runs, catalog entries, the sync log and job locks, the
    write rate limit and change notifications of one database. Use as a context manager or
    call close()."""

    backend = "sql"  # "sqlite" or "postgresql" in the backends' subclasses

    def __init__(self, db: Database, locks: JobLocks) -> None:
        self.db = db
        self.pricing: PricingTables = SqlPricingTables(db)
        self.keys: ApiKeys = SqlApiKeys(db)
        self.runs: Runs = SqlRuns(db)
        self.catalog: CatalogEntries = SqlCatalogEntries(db)
        self.sync_log: SyncLog = SqlSyncLog(db)
        self.locks: JobLocks = locks
        self.write_limits: WriteLimits = SqlWriteLimits(db)
        self.changes: Changes = DatabaseChanges(db)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.locks.close()
        self.db.close()

    def schema_version(self) -> int:
        return schema_version(self.db)

    # ------------------------------------------------------------- shorthands: pricing

    def list_tables(self) -> list[TableInfo]:
        return self.pricing.list_tables()

    def get_table(self, name: str, version: int | None = None) -> PricingTable:
        return self.pricing.get_table(name, version)

    def create_table(
        self,
        name: str,
        description: str,
        offers: Sequence[Offer],
        *,
        actor: str,
        request_id: str | None,
    ) -> PricingTable:
        return self.pricing.create_table(
            name, description, offers, actor=actor, request_id=request_id
        )

    def replace_table(
        self,
        name: str,
        description: str,
        offers: Sequence[Offer],
        *,
        expected_version: int,
        actor: str,
        request_id: str | None,
    ) -> PricingTable:
        return self.pricing.replace_table(
            name,
            description,
            offers,
            expected_version=expected_version,
            actor=actor,
            request_id=request_id,
        )

    def delete_table(
        self, name: str, *, expected_version: int, actor: str, request_id: str | None
    ) -> int:
        return self.pricing.delete_table(
            name, expected_version=expected_version, actor=actor, request_id=request_id
        )

    def list_versions(self, name: str) -> list[VersionInfo]:
        return self.pricing.list_versions(name)

    def seed_tables(self, tables: Sequence[PricingTable]) -> list[str]:
        return self.pricing.seed_tables(tables)

    # --------------------------------------------------------- shorthands: keys, audit

    def create_key(
        self, name: str, role: Role | str, *, actor: str = "cli", request_id: str | None = None
    ) -> str:
        return self.keys.create_key(name, role, actor=actor, request_id=request_id)

    def authenticate(self, plaintext: str) -> KeyInfo | None:
        return self.keys.authenticate(plaintext)

    def list_keys(self) -> list[KeyInfo]:
        return self.keys.list_keys()

    def revoke_key(
        self, name_or_prefix: str, *, actor: str = "cli", request_id: str | None = None
    ) -> KeyInfo:
        return self.keys.revoke_key(name_or_prefix, actor=actor, request_id=request_id)

    def list_audit(self, limit: int = 100) -> list[AuditEntry]:
        return self.keys.list_audit(limit)

    # ---------------------------------------------------------------- shorthands: runs

    def add_run(
        self,
        points: Sequence[Point],
        *,
        source: str,
        format: str,
        actor: str,
        request_id: str | None,
    ) -> RunResult:
        return self.runs.add_run(
            points, source=source, format=format, actor=actor, request_id=request_id
        )

    def list_runs(self) -> list[RunInfo]:
        return self.runs.list_runs()

    def get_run(self, run_id: str) -> tuple[RunInfo, list[Point]]:
        return self.runs.get_run(run_id)

    def delete_run(self, run_id: str, *, actor: str, request_id: str | None) -> int:
        return self.runs.delete_run(run_id, actor=actor, request_id=request_id)

    def load_points(self) -> pl.DataFrame:
        return self.runs.load_points()

    def load_dataset(self) -> Dataset:
        return self.runs.load_dataset()

    def dataset_generation(self) -> int:
        return self.runs.dataset_generation()

    def run_frames(self, after_generation: int = 0) -> Iterator[RunFrame]:
        return self.runs.run_frames(after_generation)

    # ---------------------------------------------------- shorthands: sync log, locks

    def record_sync(
        self,
        *,
        source: str,
        started_at: dt.datetime,
        finished_at: dt.datetime,
        status: str,
        summary: dict[str, Any],
    ) -> SyncRecord:
        return self.sync_log.record_sync(
            source=source,
            started_at=started_at,
            finished_at=finished_at,
            status=status,
            summary=summary,
        )

    def last_syncs(self, limit: int = 1) -> list[SyncRecord]:
        return self.sync_log.last_syncs(limit)

    def last_success_at(self) -> dt.datetime | None:
        return self.sync_log.last_success_at()

    def try_lock(
        self, name: str, holder: str, *, ttl: dt.timedelta, now: dt.datetime | None = None
    ) -> bool:
        return self.locks.try_lock(name, holder, ttl=ttl, now=now)

    def unlock(self, name: str, holder: str) -> None:
        self.locks.unlock(name, holder)
