"""One sync: fetch every workload's history, normalize each batch, store it as one run.

A batch is one workload's history (all its pages). Each batch goes through the same
normalizer as ``POST /v1/runs`` (:func:`tco.ingest.parse`, format ``inferencex_api``), so a
synced row and an uploaded row are the same point with the same content hash; the store skips
rows it already holds, which makes a sync idempotent and incremental. A batch is stored in one
transaction: a failure (after the client's retries) leaves the store as it was for that batch,
and the next sync fetches it again. Malformed rows are reported and left out; the rest of their
batch is stored.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Literal

import msgspec

from tco.domain.points import Point
from tco.ingest import DEFAULT_WARN_CHECKS, ErrorLog, IngestError, parse
from tco.ingest.rows import FILE_INDEX
from tco.store import Store, StoreError
from tco.sync.client import (
    InferenceXClient,
    Page,
    SyncHttpError,
    Workload,
    utc_now,
    workloads,
)

SyncStatus = Literal["ok", "partial", "failed", "locked"]
LOCK_NAME = "sync:inferencex"
LOCK_TTL = dt.timedelta(minutes=30)
# Exit codes of `tco sync` (for cron): documented in the README.
EXIT_CODES: dict[str, int] = {"ok": 0, "partial": 1, "failed": 2, "locked": 3}
_REASONS_SHOWN = 20


class Rejection(msgspec.Struct, kw_only=True, frozen=True):
    field: str
    reason: str
    rows: int  # how many rows were rejected for this field and reason


class BatchFailure(msgspec.Struct, kw_only=True, frozen=True):
    workload: str
    error: str


class SyncSummary(msgspec.Struct, kw_only=True, frozen=True):
    source: str
    status: SyncStatus
    started_at: dt.datetime
    finished_at: dt.datetime
    duration_s: float
    requests: int
    workloads: int
    batches_stored: int  # batches that added rows
    batches_unchanged: int  # batches whose every row was already stored
    batches_failed: int
    rows_seen: int
    rows_added: int
    duplicates: int
    rejected: int
    rejections: list[Rejection]  # the most frequent reasons first
    failures: list[BatchFailure]
    skipped_models: list[str]  # availability keys without a known display name
    run_ids: list[str]
    dataset_generation: int
    dataset_version: str | None = None  # filled in by the caller that knows the served base


class Progress(msgspec.Struct, kw_only=True):
    batches_total: int = 0
    batches_done: int = 0
    rows_seen: int = 0
    rows_added: int = 0


def _parse_keeping_good_rows(
    rows: list[msgspec.Raw], *, source: str, today: dt.date, warn: Collection[str]
) -> tuple[list[Point], Counter[tuple[str, str]]]:
    """The batch's valid points and the rejected rows' (field, reason) counts.

    The normalizer is all-or-nothing per payload; the sync wants the good rows of a page with
    a bad one. So: parse the whole batch; on errors, drop the reported rows and parse the rest
    again; when more errors exist than one pass reports, fall back to one row at a time.
    """
    rejected: Counter[tuple[str, str]] = Counter()
    keep = list(range(len(rows)))
    for _ in range(3):
        payload = b"[" + b",".join(rows[i] for i in keep) + b"]"
        try:
            return parse(
                payload, format="inferencex_api", source=source, today=today, log=ErrorLog(warn)
            ), rejected
        except IngestError as exc:
            if any(e.index == FILE_INDEX for e in exc.errors) or exc.total > len(exc.errors):
                break
            bad = {e.index for e in exc.errors}
            for e in exc.errors:
                rejected[(e.field, e.reason)] += 1
            keep = [k for j, k in enumerate(keep) if j not in bad]
            if not keep:
                return [], rejected
    points: list[Point] = []
    rejected.clear()
    for row in rows:
        try:
            points += parse(
                b"[" + row + b"]",
                format="inferencex_api",
                source=source,
                today=today,
                log=ErrorLog(warn),
            )
        except IngestError as exc:
            first = exc.errors[0]
            rejected[(first.field, first.reason)] += 1
    return points, rejected


def run_sync(
    store: Store,
    client: InferenceXClient,
    *,
    models: Sequence[str] = (),
    warn: Collection[str] = DEFAULT_WARN_CHECKS,
    today: dt.date | None = None,
    on_progress: Callable[[Progress], None] = lambda p: None,
    holder: str | None = None,
) -> SyncSummary:
    """Sync once and record the result in the store's sync log. Never raises for network or
    data problems: they end up in the summary (status partial or failed)."""
    started, clock = utc_now(), time.monotonic()
    holder = holder or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
    source = f"inferencex {client.settings.base_url}"
    progress = Progress()
    rejected: Counter[tuple[str, str]] = Counter()
    failures: list[BatchFailure] = []
    run_ids: list[str] = []
    counts = Counter[str]()
    skipped: list[str] = []
    found: list[Workload] = []

    def finish(status: SyncStatus) -> SyncSummary:
        summary = SyncSummary(
            source=source,
            status=status,
            started_at=started,
            finished_at=utc_now(),
            duration_s=round(time.monotonic() - clock, 3),
            requests=client.requests,
            workloads=len(found),
            batches_stored=counts["stored"],
            batches_unchanged=counts["unchanged"],
            batches_failed=len(failures),
            rows_seen=progress.rows_seen,
            rows_added=progress.rows_added,
            duplicates=counts["duplicates"],
            rejected=sum(rejected.values()),
            rejections=[
                Rejection(field=f, reason=r, rows=n)
                for (f, r), n in rejected.most_common(_REASONS_SHOWN)
            ],
            failures=failures,
            skipped_models=skipped,
            run_ids=run_ids,
            dataset_generation=store.dataset_generation(),
        )
        if status != "locked":
            store.record_sync(
                source=source,
                started_at=summary.started_at,
                finished_at=summary.finished_at,
                status=status,
                summary=msgspec.to_builtins(summary),
            )
        return summary

    if not store.try_lock(LOCK_NAME, holder, ttl=LOCK_TTL):
        return finish("locked")
    try:
        try:
            found, skipped = workloads(client.availability(), models)
        except SyncHttpError as exc:
            failures.append(BatchFailure(workload="availability", error=str(exc)))
            return finish("failed")
        if not found:
            failures.append(
                BatchFailure(workload="availability", error=f"no workload for {list(models)}")
            )
            return finish("failed")
        progress.batches_total = len(found)
        on_progress(progress)
        day = today or dt.date.today()
        with ThreadPoolExecutor(max_workers=client.settings.concurrency) as pool:
            pending: dict[Future[list[Page]], Workload] = {
                pool.submit(client.history, w): w for w in found
            }
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    workload = pending.pop(future)
                    _store_batch(
                        store, workload, future, day, warn, progress, rejected, failures,
                        run_ids, counts,
                    )  # fmt: skip
                    store.try_lock(LOCK_NAME, holder, ttl=LOCK_TTL)  # renew the lease
                    on_progress(progress)
        if failures and len(failures) == len(found):
            return finish("failed")
        return finish("partial" if failures or rejected else "ok")
    finally:
        store.unlock(LOCK_NAME, holder)


def _store_batch(
    store: Store,
    workload: Workload,
    future: Future[list[Page]],
    today: dt.date,
    warn: Collection[str],
    progress: Progress,
    rejected: Counter[tuple[str, str]],
    failures: list[BatchFailure],
    run_ids: list[str],
    counts: Counter[str],
) -> None:
    progress.batches_done += 1
    try:
        pages = future.result()
    except SyncHttpError as exc:
        failures.append(BatchFailure(workload=workload.label, error=str(exc)))
        return
    rows = [r for page in pages for r in page.rows]
    progress.rows_seen += len(rows)
    if not rows:
        counts["unchanged"] += 1
        return
    source = pages[0].url
    points, bad = _parse_keeping_good_rows(rows, source=source, today=today, warn=warn)
    rejected.update(bad)
    if not points:
        counts["unchanged"] += 1
        return
    try:
        result = store.add_run(
            points, source=source, format="inferencex_api", actor="sync", request_id=None
        )
    except StoreError as exc:  # the batch's transaction rolled back; the next sync retries it
        failures.append(BatchFailure(workload=workload.label, error=f"not stored: {exc}"))
        return
    counts["duplicates"] += result.duplicates
    progress.rows_added += result.rows_added
    if result.run_id is None:
        counts["unchanged"] += 1
    else:
        counts["stored"] += 1
        run_ids.append(result.run_id)
