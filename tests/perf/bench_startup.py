"""Start-up: seconds from spawning the server to its first 200 on ``/healthz``, on the shipped
data and a fresh database (seeded on start), median of 5 runs per server. Target: under 2 s."""

from __future__ import annotations

import os
import statistics
import time

from tests.perf.bench_http import SERVERS, running_server, wait_healthy

RUNS = 5
TARGET_S = 2.0


def run() -> str:
    lines = [
        f"Spawn to first 200 on `/healthz`, shipped data, fresh SQLite database, {RUNS} runs "
        f"(1-min load average before the run: {os.getloadavg()[0]:.1f}).",
        "",
        "| server | median s | min s | max s | target |",
        "|---|---|---|---|---|",
    ]
    for name, command in SERVERS.items():
        times_s = []
        for _ in range(RUNS):
            start = time.perf_counter()
            with running_server(command) as (port, process):
                wait_healthy(port, process)
                times_s.append(time.perf_counter() - start)
        median = statistics.median(times_s)
        verdict = "met" if median < TARGET_S else "MISSED"
        lines.append(f"| {name} | {median:.2f} | {min(times_s):.2f} | {max(times_s):.2f} | < {TARGET_S:g} s: {verdict} |")  # fmt: skip
    return "\n".join(lines)
