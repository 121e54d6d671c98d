"""The repositories a store hands out, one small protocol per aggregate.

Each has a SQLite and a PostgreSQL implementation (tco.store.sqlite, tco.store.postgres); the
ones whose SQL is portable are written once (tco.store.sql) and run on either backend's
connection. Every write records an audit entry in the same transaction. ``actor`` is the API
key name (or "cli", "seed"); ``request_id`` ties the write to the request log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import polars as pl

from tco.domain.catalog_entries import Entry, EntryVersion
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


class PricingTables(Protocol):
    """Named pricing tables, each a series of immutable versions (a delete is a tombstone)."""

    def list_tables(self) -> list[TableInfo]: ...
    def get_table(self, name: str, version: int | None = None) -> PricingTable: ...
    def create_table(
        self,
        name: str,
        description: str,
        offers: Sequence[Offer],
        *,
        actor: str,
        request_id: str | None,
    ) -> PricingTable: ...
    def replace_table(
        self,
        name: str,
        description: str,
        offers: Sequence[Offer],
        *,
        expected_version: int,
        actor: str,
        request_id: str | None,
    ) -> PricingTable: ...
    def delete_table(
        self, name: str, *, expected_version: int, actor: str, request_id: str | None
    ) -> int: ...
    def list_versions(self, name: str) -> list[VersionInfo]: ...
    def seed_tables(self, tables: Sequence[PricingTable]) -> list[str]: ...


class ApiKeys(Protocol):
    """API keys (only their hashes are stored) and the audit log every write appends to."""

    def create_key(
        self, name: str, role: Role | str, *, actor: str = "cli", request_id: str | None = None
    ) -> str: ...
    def authenticate(self, plaintext: str) -> KeyInfo | None: ...
    def list_keys(self) -> list[KeyInfo]: ...
    def revoke_key(
        self, name_or_prefix: str, *, actor: str = "cli", request_id: str | None = None
    ) -> KeyInfo: ...
    def list_audit(self, limit: int = 100) -> list[AuditEntry]: ...


class Runs(Protocol):
    """Benchmark runs and the dataset they make (with its generation counter)."""

    def add_run(
        self,
        points: Sequence[Point],
        *,
        source: str,
        format: str,
        actor: str,
        request_id: str | None,
    ) -> RunResult: ...
    def list_runs(self) -> list[RunInfo]: ...
    def get_run(self, run_id: str) -> tuple[RunInfo, list[Point]]: ...
    def delete_run(self, run_id: str, *, actor: str, request_id: str | None) -> int: ...
    def load_points(self) -> pl.DataFrame: ...
    def load_dataset(self) -> Dataset: ...
    def dataset_generation(self) -> int: ...
    def run_frames(self, after_generation: int = 0) -> Iterator[RunFrame]: ...


class CatalogEntries(Protocol):
    """Models, hardware and frameworks added by editors, one immutable row per version."""

    def write_entry(
        self,
        kind: str,
        entry: Entry,
        *,
        actor: str,
        request_id: str | None,
        expected_version: int | None,
    ) -> EntryVersion: ...
    def latest_entries(self, kind: str | None = None) -> list[EntryVersion]: ...
    def get_entry(self, kind: str, key: str, version: int | None = None) -> EntryVersion: ...
    def entry_history(self, kind: str, key: str) -> list[EntryVersion]: ...


class SyncLog(Protocol):
    """Every finished sync, for GET /v1/sync and /healthz."""

    def record_sync(
        self,
        *,
        source: str,
        started_at: dt.datetime,
        finished_at: dt.datetime,
        status: str,
        summary: dict[str, Any],
    ) -> SyncRecord: ...
    def last_syncs(self, limit: int = 1) -> list[SyncRecord]: ...
    def last_success_at(self) -> dt.datetime | None: ...


class JobLocks(Protocol):
    """At most one holder per job name across every process on the store (one sync at a
    time). ``try_lock`` by the holder again renews; ``ttl`` bounds how long a holder that
    vanished without unlocking blocks the job, where the backend cannot tell (SQLite)."""

    def try_lock(
        self, name: str, holder: str, *, ttl: dt.timedelta, now: dt.datetime | None = None
    ) -> bool: ...
    def unlock(self, name: str, holder: str) -> None: ...
    def close(self) -> None: ...


class WriteLimits(Protocol):
    """The per-key write rate limit, one token bucket per key shared by every process."""

    def take(
        self, key: str, *, burst: int, refill_per_s: float, now_s: float | None = None
    ) -> float: ...


class Changes(Protocol):
    """Tells that the store changed, without a query per request: ``version()`` moves after
    any commit from any process or replica, and ``wait`` blocks until it does (or the timeout
    passes; StoreError once the store is closed)."""

    def version(self) -> int: ...
    def wait(self, seen: int, timeout_s: float) -> int: ...
