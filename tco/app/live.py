"""Wiring: open the store, seed shipped prices, serve shipped + ingested points, import runs.

``LiveService`` is the Service the API and CLI run on a store: its points are a fixed base (the
shipped benchmark files, or nothing with ``--no-shipped-data``) plus every run in the store,
and ``refresh`` keeps its frontier index in step with the store's dataset generation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Collection
from pathlib import Path

import msgspec
import polars as pl

from tco.app.catalog import apply_catalog
from tco.app.service import Service
from tco.domain.catalog import Hardware
from tco.domain.points import POINT_FIELDS, empty_points_frame
from tco.ingest import (
    DEFAULT_WARN_CHECKS,
    SANITY_CHECKS,
    ErrorLog,
    Recipe,
    RowError,
    detect_format,
    parse,
)
from tco.ingest.rows import file_error
from tco.store import RunResult, Store, StoreError, SyncRecord, open_store

log = logging.getLogger("tco.app.live")

# Two points equal in these fields are one measurement whatever file or spelling it came from
# (the store's point_hash leaves out the same provenance fields).
_CONTENT_FIELDS = [
    f for f in POINT_FIELDS if f not in {"source", "model_raw", "hardware_raw", "framework_raw", "precision_raw"}
]  # fmt: skip
CONTENT_FIELDS = _CONTENT_FIELDS
# How long the watch thread waits on the store's change notification before it looks again,
# and how soon a failed refresh is retried.
WATCH_INTERVAL_S = 1.0
SANITY_SETTING = "TCO_SANITY_WARN"


def open_seeded_store(database: str | Path) -> Store:
    from tco.shipped_pricing import load_shipped_tables

    if isinstance(database, str) and database.startswith("sqlite:///"):
        Path(database.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    store = open_store(database)
    store.seed_tables(load_shipped_tables())
    return store


def base_points(shipped_data: bool) -> tuple[pl.DataFrame, str]:
    """The points served whatever the store holds, and their content version."""
    from tco.ingest.shipped import dataset_version, load_shipped_points

    frame = load_shipped_points() if shipped_data else empty_points_frame()
    return frame, dataset_version(frame)


def dataset_version_for(
    base_version: str, run_ids: Collection[str], catalog_token: str = ""
) -> str:
    """The dataset version of ``base`` plus these live runs and catalog edits (see
    :class:`LiveService`): catalog edits change the dataset version like an ingest."""
    if not run_ids and not catalog_token:
        return base_version
    digest = hashlib.blake2b(base_version.encode(), digest_size=6)
    for run_id in sorted(run_ids):
        digest.update(b"\n" + run_id.encode())
    if catalog_token:
        digest.update(b"\ncatalog\n" + catalog_token.encode())
    return f"ds-{digest.hexdigest()}"


class SyncBrief(msgspec.Struct, kw_only=True, frozen=True):
    status: str  # ok | partial | failed
    finished_at: dt.datetime
    rows_added: int


class Health(msgspec.Struct, kw_only=True, frozen=True):
    status: str
    dataset_version: str
    points: int
    last_sync: SyncBrief | None = None  # the last sync from a public source (GET /v1/sync)


class LiveService(Service):
    """A Service on ``base`` plus the store's runs.

    The dataset version is the base's content version while the store holds no run, and
    otherwise a hash of it with the ids of the live runs: it changes on every ingest or delete,
    returns to an earlier value when the same runs are live again, and every process serving
    one store computes the same one (so ETags agree across workers).
    """

    def __init__(
        self,
        *,
        store: Store,
        base: pl.DataFrame,
        base_version: str,
        catalog: dict[str, Hardware],
        default_table: str,
        sanity_warn: frozenset[str] = DEFAULT_WARN_CHECKS,
    ) -> None:
        self.store = store
        self.catalog_entries = store.catalog  # the catalog routes and every dataset load use it
        self.sanity_warn = sanity_warn  # the checks an ingest without ?strict= only warns on
        self._base = base
        self._base_version = base_version
        self._base_catalog = catalog
        self._catalog_token = ""
        self._added_hardware: dict[str, Hardware] = {}
        self._refresh_lock = threading.Lock()
        self._rebuild_queued = False  # a background rebuild is waiting to start (under _queue_lock)
        self._queue_lock = threading.Lock()
        points, version, self.generation = self._load()
        super().__init__(
            points=points,
            dataset_version=version,
            tables=store,
            catalog={**catalog, **self._added_hardware},
            default_table=default_table,
        )
        self.sync_schedule: tuple[str, float] | None = None  # (source, every_s): serve --sync
        self.last_sync: SyncRecord | None = None
        self._read_sync_state()

    def health(self) -> Health:
        """Liveness: the dataset version served, its points, and the last sync."""
        last = self.last_sync
        return Health(
            status="ok",
            dataset_version=self.index.dataset_version,
            points=self.index.points.height,
            last_sync=None
            if last is None
            else SyncBrief(
                status=last.status,
                finished_at=last.finished_at,
                rows_added=int(last.summary.get("rows_added", 0)),
            ),
        )

    def _read_sync_state(self) -> None:
        recent = self.store.last_syncs(1)
        self.last_sync = recent[0] if recent else None
        self.synced_at = self.store.last_success_at()

    @property
    def base(self) -> pl.DataFrame:
        """The points served whatever the store holds (shipped, or none)."""
        return self._base

    @property
    def base_version(self) -> str:
        return self._base_version

    def hardware_keys(self) -> frozenset[str]:
        """Every hardware key an offer may name: the shipped catalog's and those added to the
        store's catalog, read from the store now (an accelerator added through another worker
        counts at once, not after this one's next refresh)."""
        added = self.catalog_entries.latest_entries("hardware")
        return frozenset(self._base_catalog) | {e.key for e in added}

    def _load(self) -> tuple[pl.DataFrame, str, int]:
        """(points, dataset version, store generation), all describing one store state."""
        while True:
            dataset = self.store.load_dataset()
            run_ids = [r.id for r in self.store.list_runs()]
            self._catalog_token, self._added_hardware = apply_catalog(self.catalog_entries)
            # Generations only grow: unchanged means no write landed between the two reads.
            if self.store.dataset_generation() == dataset.generation:
                break
        if not run_ids:
            return self._base, self._version(run_ids), dataset.generation
        stored = dataset.points
        # A measurement both shipped and stored (the shipped file imported) is served once. The
        # two-column semi-join finds the few candidates in milliseconds; usually there are none.
        if stored.join(self._base, on=["date", "tput_per_gpu"], how="semi").height:
            stored = stored.join(self._base, on=_CONTENT_FIELDS, how="anti", nulls_equal=True)
        points = pl.concat([self._base, stored], how="vertical")
        return points, self._version(run_ids), dataset.generation

    def _version(self, run_ids: list[str]) -> str:
        return dataset_version_for(self._base_version, run_ids, self._catalog_token)

    def refresh(self) -> str:
        """Rebuild the index if the store's runs changed since it was built; returns the dataset
        version served now.

        The new index is built completely, then swapped in (``Service.set_points``): readers
        keep answering from the old one meanwhile and never see a half-built state. One rebuild
        at a time; a caller that waited finds the store already caught up and returns at once.
        """
        with self._refresh_lock:
            return self._refresh_locked()

    def _refresh_locked(self) -> str:
        self._read_sync_state()
        if self.store.dataset_generation() != self.generation:
            points, version, generation = self._load()
            self.hardware_catalog = {**self._base_catalog, **self._added_hardware}
            self.set_points(points, version)
            self.generation = generation
        return self.index.dataset_version

    def refresh_soon(self) -> str:
        """Have the index rebuilt in a background thread; returns the dataset version the store
        holds now, which the index serves once rebuilt. Coalesced: commits arriving while a
        rebuild runs share the next one, so a bulk import rebuilds a few times, not per post."""
        with self._queue_lock:
            queued, self._rebuild_queued = self._rebuild_queued, True
        if not queued:  # else the queued rebuild has not read the store yet: it will see this
            threading.Thread(
                target=self._queued_refresh, name="tco-dataset-rebuild", daemon=True
            ).start()
        return self._version([r.id for r in self.store.list_runs()])

    def _queued_refresh(self) -> None:
        with self._refresh_lock:
            with self._queue_lock:
                self._rebuild_queued = False  # commits from now on need another rebuild
            try:
                self._refresh_locked()
            except Exception:  # keep serving the last good index; the next refresh retries
                log.exception("rebuilding the benchmark dataset failed")

    def watch(self, interval_s: float = WATCH_INTERVAL_S) -> None:
        """Refresh when the store changes, in a daemon thread. With ``--workers N`` or
        replicas each process has its own index; this is how a run ingested through another
        worker or replica, or with ``tco import``, reaches this one. The thread waits on the
        store's change notification (PostgreSQL: LISTEN/NOTIFY, heard within milliseconds;
        SQLite: its data_version, a pragma asked a few times a second), so no request and no
        idle tick queries the database; a failed refresh is retried every ``interval_s``."""

        def loop() -> None:
            changes = self.store.changes
            seen = changes.version()
            while True:
                try:
                    current = changes.wait(seen, interval_s)
                except StoreError:  # the store was closed: nothing left to watch
                    return
                if current == seen:
                    continue
                try:
                    self.refresh()
                    seen = current
                except Exception:  # keep serving the last good index; retried next tick
                    log.exception("refreshing the benchmark dataset failed")
                    time.sleep(interval_s)

        threading.Thread(target=loop, name="tco-dataset-watch", daemon=True).start()


def service_from_store(database: str | Path, *, shipped_data: bool = True) -> LiveService:
    from tco.shipped_pricing import DEFAULT_PRICING_TABLE, load_catalog

    store = open_seeded_store(database)
    base, base_version = base_points(shipped_data)
    return LiveService(
        store=store,
        base=base,
        base_version=base_version,
        catalog=load_catalog(),
        default_table=DEFAULT_PRICING_TABLE,
        sanity_warn=warn_checks(None, os.environ.get(SANITY_SETTING)),
    )


def warn_checks(strict: bool | None, setting: str | None = None) -> frozenset[str]:
    """The sanity checks that only warn: none when strict, all when ``strict`` is False, and
    otherwise the setting (comma-separated check names, ``all`` or ``none``; default
    ``DEFAULT_WARN_CHECKS``). Raises ValueError naming an unknown check."""
    if strict is not None:
        return frozenset() if strict else frozenset(SANITY_CHECKS)
    if setting is None or not setting.strip():
        return DEFAULT_WARN_CHECKS
    names = {n.strip() for n in setting.split(",") if n.strip()}
    if names == {"all"}:
        return frozenset(SANITY_CHECKS)
    if names == {"none"}:
        return frozenset()
    unknown = sorted(names - set(SANITY_CHECKS))
    if unknown:
        raise ValueError(
            f"unknown sanity check(s) {', '.join(unknown)} in {SANITY_SETTING}; "
            f"expected all, none or some of {', '.join(SANITY_CHECKS)}"
        )
    return frozenset(names)


class Imported(msgspec.Struct, kw_only=True, frozen=True):
    """One payload ingested as one run (or found already stored)."""

    format: str
    rows: int
    result: RunResult
    warnings: list[RowError]
    warnings_total: int
    notes: list[str] = []  # how a tool's file was read (statistics used, values derived)


def import_run(
    store: Store,
    payload: bytes,
    *,
    source: str,
    actor: str,
    request_id: str | None,
    warn: Collection[str],
    format: str | None = None,
    content_type: str | None = None,
    date: dt.date | None = None,
    today: dt.date | None = None,
    on_phase: Callable[[str], None] = lambda phase: None,
    recipe: Recipe | None = None,
) -> Imported:
    """Parse and store one payload atomically: every row, or IngestError and nothing stored.

    Rows already stored (by content) are counted as duplicates, so re-importing is a no-op.
    ``on_phase`` hears "parsing" and then "storing" (for a progress display).
    """
    name = format or detect_format(payload, content_type)
    findings = ErrorLog(warn)
    on_phase("parsing")
    points = parse(
        payload, format=name, source=source, date=date, today=today, log=findings, recipe=recipe
    )
    if not points:
        raise file_error("payload", "no rows")
    on_phase("storing")
    result = store.add_run(points, source=source, format=name, actor=actor, request_id=request_id)
    return Imported(
        format=name,
        rows=len(points),
        result=result,
        warnings=findings.warnings,
        warnings_total=findings.warnings_total,
        notes=findings.notes,
    )
