"""``GET /v1/changes`` (what each dataset version changed) and ``GET /v1/sync`` (the last syncs)."""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections import OrderedDict
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Request, Response, get
from litestar.openapi.spec import Example
from litestar.params import Parameter

from tco.api.deps import ServiceDep
from tco.api.http import CACHE_HEADERS, CACHED_READ_RESPONSES, CsvOperation, cached, with_head
from tco.api.quote_query import TARGETS_PATTERN, Pricing, PricingVersion, parse_targets
from tco.app.changes import DEFAULT_TARGETS, MAX_VERSIONS, ChangesResponse, change_log, change_rows
from tco.app.live import LiveService
from tco.app.service import Service
from tco.domain.pricing import PricingTable
from tco.store import SyncRecord


class SyncSchedule(msgspec.Struct, kw_only=True, frozen=True):
    source: str
    every_s: float


class SyncState(msgspec.Struct, kw_only=True, frozen=True):
    last: SyncRecord | None  # the newest finished sync, whatever its status
    last_success_at: dt.datetime | None  # the newest that stored its data (ok or partial)
    recent: list[SyncRecord]  # newest first, at most 10
    schedule: SyncSchedule | None  # this server's own schedule (tco serve --sync), if any


# A change log replays every version after since (an index build each): answers are kept per
# store generation (which any ingest or delete bumps), table version and query.
_ANSWERS = 32
# Weak keys: a service (and its store) that goes away takes its answers with it.
_answers: weakref.WeakKeyDictionary[
    LiveService, OrderedDict[tuple[object, ...], ChangesResponse]
] = weakref.WeakKeyDictionary()
_answers_lock = threading.Lock()


def _changes(
    live: LiveService, table: PricingTable, since: str, targets: list[float], limit: int
) -> ChangesResponse:
    key = (live.store.dataset_generation(), table.name, table.version, since, tuple(targets), limit)
    with _answers_lock:
        answers = _answers.setdefault(live, OrderedDict())
        if key in answers:
            answers.move_to_end(key)
            return answers[key]
    answer = change_log(live, table, since, targets, limit)
    with _answers_lock:
        answers[key] = answer
        while len(answers) > _ANSWERS:
            answers.popitem(last=False)
    return answer


def _live(service: Service) -> LiveService:
    if not isinstance(service, LiveService):
        raise TypeError("the change log needs the store-backed service")
    return service


@get(
    "/v1/changes",
    operation_id="listChanges",
    summary="Per dataset version since a version or date: arrivals, frontier moves, cheapest changes",
    responses=CACHED_READ_RESPONSES,
    operation_class=CsvOperation,
    response_headers=CACHE_HEADERS,
    tags=["benchmarks"],
)
async def get_changes(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    since: Annotated[
        str,
        Parameter(
            min_length=1,
            max_length=100,
            description="A dataset version (ds-...), a store generation number, or a date "
            "(YYYY-MM-DD: versions stored from that day on); 0: every version",
            examples=[Example(value="0")],
        ),
    ] = "0",
    targets: Annotated[
        str,
        Parameter(
            description="Comma-separated tok/s/user targets for the cheapest answers",
            min_length=1,
            max_length=2000,
            schema_extra={"pattern": TARGETS_PATTERN},
        ),
    ] = ",".join(f"{t:g}" for t in DEFAULT_TARGETS),
    pricing: Pricing = None,
    pricing_version: PricingVersion = None,
    limit: Annotated[int, Parameter(ge=1, le=MAX_VERSIONS)] = 20,
) -> Response[ChangesResponse]:
    """For each dataset version after ``since`` (one per stored run, oldest first): what
    arrived (points, new recipes, new hardware), which recipes' frontiers moved (max throughput
    and max interactivity before/after), and which cheapest answers changed per model/workload
    at the targets (old and new hardware, recipe, $/M tokens and their ratio)."""
    live = _live(service)
    table = service.table(pricing, pricing_version)
    wanted = parse_targets(targets)
    # replays the dataset's versions (an index build each): off the event loop
    answer = await anyio.to_thread.run_sync(lambda: _changes(live, table, since, wanted, limit))
    return cached(request, answer, lambda: change_rows(answer))


@get(
    "/v1/sync",
    operation_id="getSync",
    summary="The last syncs from public sources and this server's sync schedule",
    responses=CACHED_READ_RESPONSES,
    response_headers=CACHE_HEADERS,
    tags=["ops"],
)
async def get_sync(request: Request[Any, Any, Any], service: ServiceDep) -> Response[SyncState]:
    """The last 10 syncs (source, start and end times, rows seen, added, duplicate and
    rejected, with reasons, the dataset version they made, or the error), the time of the last
    successful one, and the schedule of `tco serve --sync` (absent: this server does not sync
    by itself)."""
    live = _live(service)

    def read() -> SyncState:
        recent = live.store.last_syncs(10)
        return SyncState(
            last=recent[0] if recent else None,
            last_success_at=live.store.last_success_at(),
            recent=recent,
            schedule=None
            if live.sync_schedule is None
            else SyncSchedule(source=live.sync_schedule[0], every_s=live.sync_schedule[1]),
        )

    return cached(request, await anyio.to_thread.run_sync(read))


CHANGES_HANDLERS = [*with_head(get_changes), *with_head(get_sync)]
