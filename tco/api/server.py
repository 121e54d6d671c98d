"""``tco serve``: granian (ASGI interface, uvloop) on the app built from the store.

granian rather than uvicorn (uvloop + httptools), measured side by side by ``make bench``
(tests/perf/bench_http.py: same app factory, same load generator, one worker, 2 shared cores).
In 9 runs granian served more requests/s on ``/healthz`` in 8 (1.4-2.0x while that route cost
the app ~30 µs; 1.1-1.4x once guards and middleware made it ~250 µs) and on ``GET /v1/quotes``
in 7 (up to 1.5x), and had the lower quote p99 in 8: its HTTP stack runs in Rust on its own
thread. Start-up to the first 200 (tests/perf/bench_startup.py) is alike on a quiet machine
(0.7-1.0 s); under heavy load from other processes granian's was slower (2.6-3.7 s against
2.0-2.4 s). It stops cleanly on SIGTERM/SIGINT and supervises ``--workers N`` processes that
share one socket.
"""

from __future__ import annotations

import os
import sys

from litestar import Litestar


def build_app() -> Litestar:
    """App factory each worker process calls (settings come from the environment)."""
    from tco.api.app import create_app
    from tco.app_state import service_from_store

    database = os.environ.get("TCO_DATABASE_URL", "sqlite:///var/tco.db")
    shipped = os.environ.get("TCO_SHIPPED_DATA", "1") != "0"
    service = service_from_store(database, shipped_data=shipped)
    service.watch()  # each worker process picks up runs ingested through the others
    return create_app(service, service.store)


def serve(*, host: str, port: int, database: str, workers: int, shipped_data: bool) -> int:
    from granian import Granian
    from granian.constants import Interfaces, Loops

    if workers < 1:
        print(f"tco serve: --workers must be at least 1, got {workers}", file=sys.stderr)
        return 2
    # Workers are separate processes that build the app from these variables.
    os.environ["TCO_DATABASE_URL"] = database
    os.environ["TCO_SHIPPED_DATA"] = "1" if shipped_data else "0"
    server = Granian(
        "tco.api.server:build_app",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        loop=Loops.uvloop,
        workers=workers,
        websockets=False,
        log_access=False,
    )
    try:
        server.serve()
    except RuntimeError as exc:  # how granian reports a socket it cannot bind (port in use)
        print(f"tco serve: cannot serve on {host}:{port}: {exc}", file=sys.stderr)
        return 1
    return 0
