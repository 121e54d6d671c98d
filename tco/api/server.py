"""``tco serve``: uvicorn (uvloop + httptools) on the app built from the store.

uvicorn rather than granian, measured side by side by ``make bench`` (tests/perf/bench_http.py:
same app factory, same load generator, one worker, 2 shared cores). On ``GET /v1/quotes``, the
route tco exists for, uvicorn served at least as many requests/s in every run (5,159 vs 4,269
in the README's) while spending less server CPU per quote request (197 vs 300 us; 253-277 vs
317-357 us in runs on a busier machine): on a 2-core box that CPU is the capacity left for
everything else. granian is faster only on the near-empty ``/healthz``, where its Rust HTTP
stack dominates. Start-up to the first 200 is alike (0.6-0.9 s). uvicorn is also the server
litestar is tested against.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

from litestar import Litestar


def build_app() -> Litestar:
    """App factory each worker process calls (settings come from the environment)."""
    from tco.api.app import create_app
    from tco.app.live import service_from_store

    database = os.environ.get("TCO_DATABASE_URL", "sqlite:///var/tco.db")
    shipped = os.environ.get("TCO_SHIPPED_DATA", "1") != "0"
    service = service_from_store(database, shipped_data=shipped)
    service.watch()  # each worker process picks up runs ingested through the others
    if os.environ.get("TCO_SYNC"):
        from tco.sync.client import DEFAULT_BASE_URL, ClientSettings
        from tco.sync.schedule import SyncScheduler, parse_duration

        settings = ClientSettings(base_url=os.environ.get("TCO_INFERENCEX_URL") or DEFAULT_BASE_URL)
        every = parse_duration(os.environ.get("TCO_SYNC_EVERY", "6h"))
        first = float(os.environ.get("TCO_SYNC_FIRST_DELAY_S", "5"))
        SyncScheduler(service, every_s=every, settings=settings).start(first_delay_s=first)
    return create_app(service, service.store)


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve(
    *,
    host: str,
    port: int,
    database: str,
    workers: int,
    shipped_data: bool,
    sync: str | None = None,
    sync_every: str = "6h",
    sync_base_url: str | None = None,
) -> int:
    import uvicorn

    from tco.api.http_protocol import LimitedHttpToolsProtocol

    if workers < 1:
        print(f"tco serve: --workers must be at least 1, got {workers}", file=sys.stderr)
        return 2
    from tco.store import StoreError, open_store

    try:  # here, once: a wrong URL or a server that is down is one line, not a traceback
        open_store(database).close()  # (and the schema is migrated before workers start)
    except StoreError as exc:
        print(f"tco serve: {exc}", file=sys.stderr)
        return 2
    # Workers are separate processes that build the app from these variables.
    os.environ["TCO_DATABASE_URL"] = database
    os.environ["TCO_SHIPPED_DATA"] = "1" if shipped_data else "0"
    if sync:
        os.environ["TCO_SYNC"] = sync
        os.environ["TCO_SYNC_EVERY"] = sync_every
        if sync_base_url:
            os.environ["TCO_INFERENCEX_URL"] = sync_base_url
    else:
        os.environ.pop("TCO_SYNC", None)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, restores the previous handlers, then
    # re-raises the signal; with these handlers that ends as a clean exit 0, not a kill.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_cleanly)
    try:
        uvicorn.run(
            "tco.api.server:build_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            loop="uvloop",
            # httptools, with limits on the request head and problem+json for its own errors
            http=LimitedHttpToolsProtocol,
            access_log=False,  # request lines could carry keys in query strings: never logged
            server_header=False,
            log_level="info",
        )
    except SystemExit as exc:  # uvicorn exits this way when it cannot bind (port in use)
        if exc.code:
            print(f"tco serve: cannot serve on {host}:{port}", file=sys.stderr)
            return 1
    return 0
