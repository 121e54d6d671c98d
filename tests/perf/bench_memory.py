"""Memory under a long run of writes: a real ``tco serve`` (uvicorn, one worker, fresh SQLite
file, shipped data loaded) takes 1,000 ``PUT``s of a 2,000-offer pricing table (each with the
If-Match of the version before), and after each one reads the new version, an older one (so
every version is read at least once, old ones many times) and quotes against both (``GET
/v1/quotes?pricing_version=N``). Every cache in the process is bounded (tco/lru.py), so the
server's resident memory must stop growing once the caches are full: target, under 20 MB of
growth from the end of the warm-up to the end. RSS is the server's VmRSS, read from /proc.

Writes are unthrottled here (``TCO_WRITE_BURST``): throttled, 1,000 writes take 1,000 s.
``python -m tests.perf memory``; ``TCO_BENCH_MEMORY_WRITES`` shortens the run.
"""

from __future__ import annotations

import json
import os
import random
import time
from typing import Any

from tco.shipped_pricing import load_catalog
from tests.perf.bench_http import editor_server, process_tree, request_ok, status_kb

WRITES = int(os.environ.get("TCO_BENCH_MEMORY_WRITES", "1000"))
WARMUP_WRITES = WRITES // 5  # the caches fill within the first ~130 writes (see below)
OFFERS = 2000
TABLE = "bench-large"
TARGET_GROWTH_MB = 20.0
QUOTE = "/v1/quotes?model=dsr1&isl=8192&osl=1024&targets=20,50"


def rss_mb(pid: int) -> float:
    """Current resident set (VmRSS) of ``pid`` and its descendants, MB."""
    return sum(status_kb(p, "VmRSS") for p in process_tree(pid)) / 1024


def offers(version: int) -> list[dict[str, Any]]:
    """2,000 distinct offers (hardware x provider), every price moved by the version."""
    hardware = sorted(load_catalog())
    return [
        {"hardware": hardware[i % len(hardware)], "provider": f"provider-{i // len(hardware):04d}",
         "kind": "on_demand", "usd_per_gpu_hour": round(1.0 + (i % 97) * 0.11 + version * 0.001, 6),
         "region": "us-east-1", "source": f"bench quote #{i}", "source_date": "2026-09-01",
         "notes": f"offer {i} of version {version}"}
        for i in range(OFFERS)
    ]  # fmt: skip


def run() -> str:
    unthrottled = {"TCO_WRITE_BURST": "1000000", "TCO_WRITE_RATE_PER_S": "1000000"}
    saved = {name: os.environ.get(name) for name in unthrottled}
    os.environ.update(unthrottled)  # inherited by the server (and only by it: restored below)
    try:
        return _measure()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value


def _measure() -> str:
    rng = random.Random(7)
    rss: dict[str, float] = {}
    start = time.perf_counter()
    with editor_server() as (process, conn, headers):
        request_ok(conn, "GET", QUOTE)
        rss["before"] = rss_mb(process.pid)
        body = json.dumps({"name": TABLE, "description": "v1", "offers": offers(1)})
        request_ok(conn, "POST", "/v1/pricing/tables", body=body, headers=headers)
        for version in range(2, WRITES + 2):
            body = json.dumps({"description": f"v{version}", "offers": offers(version)})
            put = {**headers, "If-Match": f'"{TABLE}-v{version - 1}"'}
            request_ok(conn, "PUT", f"/v1/pricing/tables/{TABLE}", body=body, headers=put)
            older = rng.randint(1, version - 1)
            for pinned in (version, older):
                request_ok(conn, "GET", f"/v1/pricing/tables/{TABLE}?version={pinned}")
                request_ok(conn, "GET", f"{QUOTE}&pricing={TABLE}&pricing_version={pinned}")
            if version - 1 == WARMUP_WRITES:
                rss["after warm-up"] = rss_mb(process.pid)
        rss["after"] = rss_mb(process.pid)
    elapsed = time.perf_counter() - start
    growth = rss["after"] - rss["after warm-up"]
    verdict = "met" if growth < TARGET_GROWTH_MB else "MISSED"
    return "\n".join(
        [
            f"A real `tco serve` (uvicorn, 1 worker, SQLite file, shipped data): {WRITES:,} "
            f"`PUT`s of a {OFFERS:,}-offer table with If-Match, each followed by reads of the new "
            f"version and of a random older one and a quote pinned to each "
            f"({4 * WRITES:,} reads in all, every version read), in {elapsed:.0f} s. Warm-up: "
            f"the first {WARMUP_WRITES:,} writes. Server VmRSS, MB; "
            f"{os.cpu_count()} cores, 1-minute load average {os.getloadavg()[0]:.1f}.",
            "",
            "| measure | MB |",
            "|---|---|",
            f"| RSS before the first write | {rss['before']:.0f} |",
            f"| RSS after warm-up ({WARMUP_WRITES:,} writes) | {rss['after warm-up']:.0f} |",
            f"| RSS after {WRITES:,} writes | {rss['after']:.0f} |",
            f"| growth after warm-up (target < {TARGET_GROWTH_MB:g}) | {growth:+.1f} ({verdict}) |",
            f"| growth from before the first write | {rss['after'] - rss['before']:+.1f} |",
        ]
    )


if __name__ == "__main__":
    print(run())
