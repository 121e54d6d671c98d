"""Sync at scale: 100k InferenceX API rows through ``tco sync``'s client and runner from a local
replay of the API, against the same rows through plain ``POST /v1/runs`` (bench_ingest, a real
``tco serve``); then a store holding 1M points, and the 10-target quote on it.

The rows are the 340 shipped API rows that ``/api/v1/availability`` covers (DeepSeek-R1 1k/1k
and 8k/1k), re-dated 1..295 days earlier, so every row is distinct and every recipe gains a long
history: the shape a sync brings. The replay serves them in pages of 5,000 (Link: rel="next"),
gzipped, pre-encoded (the server must not compete with the client for the 2 cores). The sync is
timed until its rows are queryable: stored, and the frontier index rebuilt.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec
import polars as pl

from tco.app.live import service_from_store
from tco.domain.points import Point
from tco.domain.quote import QuoteRequest
from tco.ingest.shipped import load_shipped_points
from tco.sync.client import ClientSettings, InferenceXClient
from tco.sync.runner import run_sync
from tests.perf import bench_ingest
from tests.sync.replay import ROWS_FILE, Replay, replay_server

ROWS = 100_000
PAGE_ROWS = 5_000
TARGET_S = 15.0
STORE_POINTS = 1_000_000
STORE_BATCH = 100_000
QUOTE_TARGETS = [float(t) for t in range(10, 110, 10)]
QUOTE_REPEAT = 200
QUOTE_TARGET_MS = 20.0


def synthetic_rows() -> list[dict[str, Any]]:
    rows = [
        r
        for r in json.loads(ROWS_FILE.read_bytes())
        if (r["isl"], r["osl"]) in ((1024, 1024), (8192, 1024))
    ]
    out: list[dict[str, Any]] = []
    days = 0
    while len(out) < ROWS:
        days += 1
        for row in rows:
            date = dt.date.fromisoformat(row["date"]) - dt.timedelta(days=days)
            out.append(row | {"date": date.isoformat()})
    return out[:ROWS]


def measure_sync(rows: list[dict[str, Any]], tmp: Path) -> tuple[float, float, int, int]:
    """(seconds until queryable, of which the sync itself, rows added, requests)."""
    service = service_from_store(f"sqlite:///{tmp / 'sync.db'}")
    replay = Replay(rows=rows, page_size=PAGE_ROWS, memo={})
    try:
        with replay_server(replay) as (url, _):
            # warm the replay's encoded pages, into a throwaway store
            warm = service_from_store(f"sqlite:///{tmp / 'warm.db'}", shipped_data=False)
            with InferenceXClient(ClientSettings(base_url=url)) as client:
                run_sync(warm.store, client)
            warm.store.close()
            gc.collect()
            start = time.perf_counter()
            with InferenceXClient(ClientSettings(base_url=url)) as client:
                summary = run_sync(service.store, client)
            synced = time.perf_counter() - start
            service.refresh()
            total = time.perf_counter() - start
    finally:
        service.store.close()
    if summary.rows_added != ROWS:
        raise RuntimeError(f"sync added {summary.rows_added} rows, expected {ROWS}: {summary}")
    return total, synced, summary.rows_added, summary.requests


def measure_post(rows: list[dict[str, Any]]) -> float:
    batches = [
        json.dumps(rows[i : i + PAGE_ROWS], separators=(",", ":")).encode()
        for i in range(0, ROWS, PAGE_ROWS)
    ]
    saved = bench_ingest.ROWS
    bench_ingest.ROWS = len(rows)
    try:
        return bench_ingest.ingest(batches, wait_each=False).ingest_s
    finally:
        bench_ingest.ROWS = saved


def store_million(tmp: Path) -> dict[str, float]:
    """1M stored points (the shipped points re-dated), then a server on that store: load time
    and the warm 10-target quote (freshness included) on the latest view."""
    shipped = load_shipped_points()
    per_batch = STORE_BATCH // shipped.height + 1
    database = f"sqlite:///{tmp / 'million.db'}"
    service = service_from_store(database, shipped_data=False)
    start = time.perf_counter()
    stored, copy = 0, 0
    try:
        while stored < STORE_POINTS:
            frames = []
            for _ in range(per_batch):
                copy += 1
                frames.append(shipped.with_columns(pl.col("date") - pl.duration(days=copy)))
            frame = pl.concat(frames).head(min(STORE_BATCH, STORE_POINTS - stored))
            points = msgspec.convert(frame.to_dicts(), list[Point])
            stored += service.store.add_run(
                points, source=f"bench {copy}", format="native_json", actor="bench", request_id=None
            ).rows_added
        write_s = time.perf_counter() - start
    finally:
        service.store.close()
    start = time.perf_counter()
    live = service_from_store(database, shipped_data=False)
    load_s = time.perf_counter() - start
    try:
        request = QuoteRequest(model="dsr1", isl=8192, osl=1024, targets=QUOTE_TARGETS)
        first = time.perf_counter()
        live.quote(request)
        first_ms = (time.perf_counter() - first) * 1e3
        samples = []
        for _ in range(QUOTE_REPEAT):
            t = time.perf_counter()
            live.quote(request)
            samples.append((time.perf_counter() - t) * 1e3)
        points = live.index.points.height
    finally:
        live.store.close()
    return {
        "points": points,
        "write_s": write_s,
        "load_s": load_s,
        "first_ms": first_ms,
        "quote_ms": statistics.median(samples),
    }


def run() -> str:
    rows = synthetic_rows()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        total, synced, added, requests = measure_sync(rows, tmp)
        post_s = measure_post(rows)
        million = store_million(tmp)
    ratio = total / post_s
    return "\n".join(
        [
            f"{ROWS:,} InferenceX API rows from a local replay of the API (pages of {PAGE_ROWS:,}, "
            f"gzip, {requests} requests) through `tco sync`'s client and runner into a fresh "
            f"SQLite file with the shipped data, until queryable (stored + index rebuilt); the "
            f"same rows as {ROWS // PAGE_ROWS} `POST /v1/runs` (wait=false but the last) to a "
            f"real `tco serve`. Then {STORE_POINTS:,} points stored, a service opened on them, "
            f"and the 10-target quote (10..100 tok/s/user, freshness included), median of "
            f"{QUOTE_REPEAT}. Load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} "
            f"after, {os.cpu_count()} cores.",
            "",
            "| measure | value |",
            "|---|---:|",
            f"| sync of {added:,} rows until queryable, s (target < {TARGET_S:g}) | {total:.2f} "
            f"({'met' if total < TARGET_S else 'MISSED'}) |",
            f"| of which fetch + normalize + store, s | {synced:.2f} |",
            f"| the same rows through POST /v1/runs, s | {post_s:.2f} |",
            f"| sync / POST ratio | {ratio:.2f}x |",
            f"| {million['points']:,.0f} points: writing them, s | {million['write_s']:.1f} |",
            f"| opening a service on them (snapshot load + index), s | {million['load_s']:.2f} |",
            f"| first quote on it, ms | {million['first_ms']:.1f} |",
            f"| warm 10-target quote, ms (target < {QUOTE_TARGET_MS:g}) | "
            f"{million['quote_ms']:.2f} ({'met' if million['quote_ms'] < QUOTE_TARGET_MS else 'MISSED'}) |",
        ]
    )


if __name__ == "__main__":
    print(run())
