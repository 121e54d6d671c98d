"""Ingestion: 100k InferenceX API rows through ``POST /v1/runs`` of a real ``tco serve``
(granian, one worker, fresh SQLite file, shipped data loaded), and ``GET /v1/quotes`` latency on
the same server before and after. Target: the 100k rows in under 15 s.

The rows are the 435 shipped API rows (real measurements) re-dated 1..230 days earlier, so every
row is distinct and the dataset gains 230 benchmark dates. They go in as 20 posts of 5,000 rows
(8 MB each; the body limit is 10 MB), sent one after another: each post parses, stores and
rebuilds the frontier index before it answers. Peak memory is the server process's peak RSS
(VmHWM), read from /proc.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import statistics
import time
from pathlib import Path
from typing import Any

from tco.store import Role, SqliteStore
from tests.perf.bench_http import HOST, running_server, tco_serve_command, wait_healthy

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


def _request(conn: http.client.HTTPConnection, method: str, path: str, **kw: Any) -> bytes:
    conn.request(method, path, **kw)
    response = conn.getresponse()
    body = response.read()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: {response.status} {body[:300]!r}")
    return body


def quote_ms(conn: http.client.HTTPConnection, path: str) -> tuple[float, float]:
    """(first request, median of the next QUOTES) in ms."""
    times = []
    for _ in range(QUOTES + 1):
        start = time.perf_counter()
        _request(conn, "GET", path)
        times.append((time.perf_counter() - start) * 1e3)
    return times[0], statistics.median(times[1:])


def peak_rss_mb(pid: int) -> float:
    """Largest VmHWM of ``pid`` and its descendants (granian runs the app in a child)."""
    peak, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except FileNotFoundError:
            continue
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
        peak = max(peak, kb)
        stack.extend(int(child) for child in children)
    return peak / 1024


def run() -> str:
    batches = synthetic_batches()
    urls: list[str] = []

    def command(port: int, database_url: str) -> list[str]:
        urls.append(database_url)
        return tco_serve_command(port, database_url)

    with running_server(command) as (port, process):
        wait_healthy(port, process)
        with SqliteStore(urls[0]) as store:
            key = store.create_key("bench", Role.EDITOR, actor="bench")
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        try:
            rss_before = peak_rss_mb(process.pid)
            before = quote_ms(conn, QUOTE_PATH)
            post_s: list[float] = []
            added = 0
            start = time.perf_counter()
            for body in batches:
                sent = time.perf_counter()
                answer = _request(conn, "POST", "/v1/runs", body=body,
                                  headers={"X-API-Key": key, "Content-Type": "application/json"})  # fmt: skip
                post_s.append(time.perf_counter() - sent)
                added += json.loads(answer)["rows_added"]
            ingest_s = time.perf_counter() - start
            health = json.loads(_request(conn, "GET", "/healthz"))
            after = quote_ms(conn, QUOTE_PATH)
            # an as-of date inside the synthetic range: the first request builds that view
            as_of = quote_ms(conn, QUOTE_PATH + "&as_of=2026-01-15")
            rss_after = peak_rss_mb(process.pid)
        finally:
            conn.close()
    if added != ROWS:
        raise RuntimeError(f"{added} rows added, expected {ROWS}")
    verdict = "met" if ingest_s < TARGET_S else "MISSED"
    mb = sum(map(len, batches)) / 1e6
    return "\n".join(
        [
            f"{ROWS:,} InferenceX API rows ({mb:.0f} MB of JSON) in {len(batches)} sequential "
            f"`POST /v1/runs` of {BATCH_ROWS:,} to a real `tco serve` (granian, 1 worker, "
            f"SQLite file, shipped data loaded); each post parses, stores and rebuilds the index "
            f"before answering. Quotes: `GET {QUOTE_PATH}`, first request and median of {QUOTES}.",
            "",
            "| measure | value | target |",
            "|---|---|---|",
            f"| ingest 100k rows, total s | {ingest_s:.2f} | < {TARGET_S:g} s: {verdict} |",
            f"| rows/s | {ROWS / ingest_s:,.0f} | |",
            f"| POST s: median / max (max is the last, largest rebuild) | {statistics.median(post_s):.2f} / {max(post_s):.2f} | |",
            f"| points served after | {health['points']:,} | |",
            f"| server peak RSS MB: before / after | {rss_before:.0f} / {rss_after:.0f} | |",
            f"| quote ms before: first / median | {before[0]:.1f} / {before[1]:.1f} | |",
            f"| quote ms after: first / median | {after[0]:.1f} / {after[1]:.1f} | ratio {after[1] / before[1]:.2f}x |",
            f"| quote ms after, as_of=2026-01-15: first / median | {as_of[0]:.1f} / {as_of[1]:.1f} | |",
        ]
    )


if __name__ == "__main__":
    print(run())
