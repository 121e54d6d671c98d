"""Benchmark runs as use cases: ingest a payload as one run (then the index follows), delete
one, and the answers the API gives for them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import msgspec

from tco.app.live import LiveService, import_run
from tco.domain.points import Point
from tco.ingest import Recipe
from tco.store import RunInfo

__all__ = ["RunDeleted", "RunDetail", "RunIngested", "RunWarning", "ingest_run", "remove_run"]


class RunWarning(msgspec.Struct, kw_only=True, frozen=True):
    index: int  # 0-based row of the payload
    field: str
    check: str  # the sanity check, one of tco.ingest.SANITY_CHECKS
    reason: str


class RunIngested(msgspec.Struct, kw_only=True, frozen=True):
    run_id: str | None  # None when every row was already stored: nothing was recorded
    format: str
    source: str
    rows: int  # rows in the payload
    rows_added: int
    duplicates: int  # rows already stored (by content), in this or an earlier run
    existing_run_ids: list[str]  # the earlier runs holding those duplicates
    warnings: list[RunWarning]  # the first 100 sanity findings that did not reject the payload
    warnings_total: int
    dataset_version: str  # of the store after this ingest; served once the index is rebuilt
    dataset_generation: int  # the store's, after this ingest
    notes: list[str] = []  # how a benchmark tool's file was read (statistic, derived values)


class RunDetail(msgspec.Struct, kw_only=True, frozen=True):
    run: RunInfo
    points: list[Point]


class RunDeleted(msgspec.Struct, kw_only=True, frozen=True):
    run_id: str
    dataset_version: str
    dataset_generation: int


def ingest_run(
    live: LiveService,
    payload: bytes,
    *,
    source: str,
    actor: str,
    request_id: str | None,
    warn: Collection[str],
    format: str | None,
    content_type: str | None,
    date: dt.date | None,
    recipe: Recipe | None,
    wait: bool,
) -> RunIngested:
    """Parse and store ``payload`` as one run, atomically (tco.app.live.import_run: IngestError
    or the store's InvalidData, and nothing stored), then have the index follow.

    The index is rebuilt in the background either way, readers keep the old one until the
    atomic swap. With ``wait``, before answering, so the poster's next read sees its run; a
    bulk importer can skip the wait and let one rebuild cover several posts."""
    imported = import_run(
        live.store, payload, source=source, actor=actor, request_id=request_id, warn=warn,
        format=format, content_type=content_type, date=date, recipe=recipe,
    )  # fmt: skip
    result = imported.result
    version = live.refresh() if wait or result.run_id is None else live.refresh_soon()
    return RunIngested(
        run_id=result.run_id,
        format=imported.format,
        source=source,
        rows=imported.rows,
        rows_added=result.rows_added,
        duplicates=result.duplicates,
        existing_run_ids=list(result.existing_run_ids),
        warnings=[
            RunWarning(index=w.index, field=w.field, check=w.check or "", reason=w.reason)
            for w in imported.warnings
        ],
        warnings_total=imported.warnings_total,
        dataset_version=version,
        dataset_generation=result.dataset_generation,
        notes=imported.notes,
    )


def remove_run(live: LiveService, run_id: str, *, actor: str, request_id: str | None) -> RunDeleted:
    """Delete a run's points (the store's NotFound for an unknown id); the run stays in the
    audit log. As for an ingest: rebuilt before answering, readers on the old index until the
    swap."""
    live.store.delete_run(run_id, actor=actor, request_id=request_id)
    version = live.refresh()
    return RunDeleted(run_id=run_id, dataset_version=version, dataset_generation=live.generation)
