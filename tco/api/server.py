"""``tco serve``: uvicorn (uvloop + httptools) on the app built from the store.

uvicorn because it is the reference ASGI server litestar is tested against, its graceful
shutdown is reliable under kill/restart tests, and for this app the server is not the
bottleneck: the numbers are in the README (``make bench``).
"""

from __future__ import annotations

import os


def build_app():  # type: ignore[no-untyped-def]
    """App factory for uvicorn workers (reads settings from the environment)."""
    from tco.api.app import create_app
    from tco.app_state import service_from_store

    database = os.environ.get("TCO_DATABASE_URL", "sqlite:///var/tco.db")
    shipped = os.environ.get("TCO_SHIPPED_DATA", "1") != "0"
    service = service_from_store(database, shipped_data=shipped)
    return create_app(service, service.tables)  # type: ignore[arg-type]


def serve(*, host: str, port: int, database: str, workers: int, shipped_data: bool) -> int:
    import uvicorn

    os.environ["TCO_DATABASE_URL"] = database
    os.environ["TCO_SHIPPED_DATA"] = "1" if shipped_data else "0"
    uvicorn.run(
        "tco.api.server:build_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        server_header=False,
    )
    return 0
