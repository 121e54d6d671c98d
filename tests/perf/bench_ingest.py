"""Ingestion: 100k InferenceX API rows through ``POST /v1/runs`` of a real ``tco serve``
(uvicorn, one worker, fresh SQLite file, shipped data loaded), and ``GET /v1/quotes`` latency on
the same server before and after. Target: the 100k rows queryable in under 15 s.

The rows are the 435 shipped API rows (real measurements) re-dated 1..230 days earlier, so every
row is distinct and the dataset gains 230 benchmark dates. They go in as 20 posts of 5,000 rows
(7 MB each; the body limit is 10 MB), one after another, twice on fresh servers: with the
default ``wait=true`` (each post rebuilds the frontier index before answering) and with
``wait=false`` on all but the last post (rebuilds run in the background, shared by the posts
that arrive meanwhile). Peak memory is the server's peak RSS (VmHWM), read from /proc.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.perf.bench_http import _tree_cpu_s, editor_server, process_tree, request_ok, status_kb

API_FILE = Path(__file__).resolve().parents[2] / "benchmarks" / "inferencex_api_dsr1_latest.json"
ROWS = 100_000
BATCH_ROWS = 5_000
TARGET_S = 15.0
QUOTE_PATH = "/v1/quotes?model=dsr1&isl=8192&osl=1024&targets=20,50,100"
QUOTES = 30  # per measurement, after one warm-up request


def synthetic_batches() -> list[bytes]:
    rows: list[dict[str, Any]] = json.loads(API_FILE.read_bytes())
    out: list[dict[str, Any]] = []
    for days in range(1, ROWS // len(rows) + 2):
        for row in rows:
            date = dt.date.fromisoformat(row["date"]) - dt.timedelta(days=days)
            out.append(row | {"date": date.isoformat()})
    out = out[:ROWS]
    return [
        json.dumps(out[i : i + BATCH_ROWS], separators=(",", ":")).encode()
        for i in range(0, ROWS, BATCH_ROWS)
    ]


def quote_ms(conn: http.client.HTTPConnection, path: str) -> tuple[float, float]:
    """(first request, median of the next QUOTES) in ms."""
    times = []
    for _ in range(QUOTES + 1):
        start = time.perf_counter()
        request_ok(conn, "GET", path)
        times.append((time.perf_counter() - start) * 1e3)
    return times[0], statistics.median(times[1:])


def peak_rss_mb(pid: int) -> float:
    """Largest VmHWM of ``pid`` and its descendants (with --workers N the app runs in children)."""
    return max((status_kb(p, "VmHWM") for p in process_tree(pid)), default=0) / 1024


@dataclass
class Measured:
    ingest_s: float
    server_cpu_s: float  # user + system, all threads: what the ingest costs, whatever the load
    post_s: list[float]
    points: int
    rss_mb: tuple[float, float]  # server peak RSS before / after the ingest
    quotes_ms: dict[str, tuple[float, float]]


def ingest(batches: list[bytes], *, wait_each: bool) -> Measured:
    """One fresh server; the clock stops when the last post answers, and that post always
    waits for the index, so every row is queryable then."""
    with editor_server() as (process, conn, headers):
        rss_before = peak_rss_mb(process.pid)
        quotes = {"before": quote_ms(conn, QUOTE_PATH)}
        post_s: list[float] = []
        added = 0
        cpu_before = _tree_cpu_s(process.pid)
        start = time.perf_counter()
        for i, body in enumerate(batches):
            wait = "true" if wait_each or i == len(batches) - 1 else "false"
            sent = time.perf_counter()
            answer = request_ok(conn, "POST", f"/v1/runs?wait={wait}", body=body, headers=headers)
            post_s.append(time.perf_counter() - sent)
            added += json.loads(answer)["rows_added"]
        ingest_s = time.perf_counter() - start
        server_cpu_s = _tree_cpu_s(process.pid) - cpu_before
        points = json.loads(request_ok(conn, "GET", "/healthz"))["points"]
        quotes["after"] = quote_ms(conn, QUOTE_PATH)
        # an as-of date inside the synthetic range: the first request builds that view
        quotes["after, as_of=2026-01-15"] = quote_ms(conn, QUOTE_PATH + "&as_of=2026-01-15")
        rss_after = peak_rss_mb(process.pid)
    if added != ROWS:
        raise RuntimeError(f"{added} rows added, expected {ROWS}")
    return Measured(ingest_s, server_cpu_s, post_s, points, (rss_before, rss_after), quotes)


def run() -> str:
    batches = synthetic_batches()
    load_before = os.getloadavg()[0]
    modes = {
        "each post waits (default)": ingest(batches, wait_each=True),
        "wait=false but the last": ingest(batches, wait_each=False),
    }
    mb = sum(map(len, batches)) / 1e6
    lines = [
        f"{ROWS:,} InferenceX API rows ({mb:.0f} MB of JSON) in {len(batches)} sequential "
        f"`POST /v1/runs` of {BATCH_ROWS:,} to a real `tco serve` (uvicorn, 1 worker, SQLite "
        f"file, shipped data loaded), a fresh server per mode. Default: each post rebuilds the "
        f"frontier index before answering; `wait=false`: posts answer once stored and share "
        f"background rebuilds, the last one waits. Either way the clock stops when all rows are "
        f"queryable. Quotes: `GET {QUOTE_PATH}`, first request / median of {QUOTES}. "
        f"1-minute load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on "
        f"{os.cpu_count()} cores (other processes slow every number here).",
        "",
        "| measure | " + " | ".join(modes) + " |",
        "|---|" + "---|" * len(modes),
    ]

    def row(name: str, cell: Callable[[Measured], str]) -> None:
        lines.append(f"| {name} | " + " | ".join(cell(m) for m in modes.values()) + " |")

    row(f"ingest s (target < {TARGET_S:g})", lambda m: f"{m.ingest_s:.2f} ({'met' if m.ingest_s < TARGET_S else 'MISSED'})")  # fmt: skip
    row("server CPU s during the ingest", lambda m: f"{m.server_cpu_s:.2f}")
    row("rows/s", lambda m: f"{ROWS / m.ingest_s:,.0f}")
    row("POST s: median / max", lambda m: f"{statistics.median(m.post_s):.2f} / {max(m.post_s):.2f}")  # fmt: skip
    row("points served after", lambda m: f"{m.points:,}")
    row("server peak RSS MB: before / after", lambda m: f"{m.rss_mb[0]:.0f} / {m.rss_mb[1]:.0f}")  # fmt: skip
    for name in next(iter(modes.values())).quotes_ms:
        row(f"quote ms {name}", lambda m, n=name: f"{m.quotes_ms[n][0]:.1f} / {m.quotes_ms[n][1]:.1f}")  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
