"""The application layer: the use cases between the HTTP handlers (tco.api) and the pure domain
(tco.domain), shared by the API and the CLI, with their caches and answers.

- ``service``: ``Service``, the reads on one frontier index (quote, curves, history,
  frontiers, compare, catalog, points) and the shipped, database-free service of the CLI;
- ``live``: ``LiveService``, a Service on a store (its runs, catalog and sync state, the index
  kept in step with the store), ``import_run``, health;
- ``runs``: ingest and delete a run, and their answers;
- ``changes``: the change log per dataset version (with its answer cache), the sync state;
- ``catalog``: the store's catalog entries, listed and applied to this process.
"""

from tco.app.catalog import apply_catalog, list_entries
from tco.app.changes import ChangesResponse, SyncState, cached_change_log, change_log, sync_state
from tco.app.live import Health, LiveService, import_run, service_from_store
from tco.app.runs import RunDeleted, RunDetail, RunIngested, ingest_run, remove_run
from tco.app.service import Service, shipped_service

__all__ = [
    "ChangesResponse",
    "Health",
    "LiveService",
    "RunDeleted",
    "RunDetail",
    "RunIngested",
    "Service",
    "SyncState",
    "apply_catalog",
    "cached_change_log",
    "change_log",
    "import_run",
    "ingest_run",
    "list_entries",
    "remove_run",
    "service_from_store",
    "shipped_service",
    "sync_state",
]
