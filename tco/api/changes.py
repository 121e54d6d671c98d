"""``GET /v1/changes`` (what each dataset version changed) and ``GET /v1/sync`` (the last syncs)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from litestar import Request, Response, get
from litestar.openapi.spec import Example
from litestar.params import Parameter

from tco.api.deps import LiveServiceDep
from tco.api.http import CACHE_HEADERS, CACHED_READ_RESPONSES, CsvOperation, cached, with_head
from tco.api.quote_query import TARGETS_PATTERN, Pricing, PricingVersion, parse_targets
from tco.app.changes import (
    DEFAULT_TARGETS,
    MAX_VERSIONS,
    ChangesResponse,
    SyncState,
    cached_change_log,
    change_rows,
    sync_state,
)


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
    service: LiveServiceDep,
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
    table = service.table(pricing, pricing_version)
    wanted = parse_targets(targets)
    # replays the dataset's versions (an index build each): off the event loop
    answer = await anyio.to_thread.run_sync(
        lambda: cached_change_log(service, table, since, wanted, limit)
    )
    return cached(request, answer, lambda: change_rows(answer))


@get(
    "/v1/sync",
    operation_id="getSync",
    summary="The last syncs from public sources and this server's sync schedule",
    responses=CACHED_READ_RESPONSES,
    response_headers=CACHE_HEADERS,
    tags=["ops"],
)
async def get_sync(request: Request[Any, Any, Any], service: LiveServiceDep) -> Response[SyncState]:
    """The last 10 syncs (source, start and end times, rows seen, added, duplicate and
    rejected, with reasons, the dataset version they made, or the error), the time of the last
    successful one, and the schedule of `tco serve --sync` (absent: this server does not sync
    by itself)."""
    return cached(request, await anyio.to_thread.run_sync(sync_state, service))


CHANGES_HANDLERS = [*with_head(get_changes), *with_head(get_sync)]
