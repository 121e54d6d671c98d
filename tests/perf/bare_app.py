"""The yardstick of tests/perf/bench_routes.py: a bare Litestar app with one GET route that
returns a small msgspec struct (no middleware, guards, hooks or database), served by uvicorn
with tco serve's settings (uvloop, httptools, no access log)."""

from __future__ import annotations

import msgspec
from litestar import Litestar, get


class Small(msgspec.Struct, frozen=True):
    status: str
    dataset_version: str
    points: int


@get("/bare", sync_to_thread=False)
def bare() -> Small:
    return Small(status="ok", dataset_version="ds-000000000000", points=658)


app = Litestar(route_handlers=[bare], debug=False)
