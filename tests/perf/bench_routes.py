"""Every path, not only the cached one (issue #16): requests/s of five tco routes as a ratio
to a bare Litestar route (tests/perf/bare_app.py) served by uvicorn with the same settings, in
the same run, through bench_http's load generator.

Routes: ``/healthz``; ``GET /v1/quotes`` with the same query each time (an answer-cache hit);
``GET /v1/quotes`` whose targets differ on every request (a miss: engine, encoding, ETag,
compression); ``POST /v1/quotes``; ``GET /v1/curves`` with the same query each time (a hit) and
with a utilization that differs on every request (a miss: the 60-target quote behind a chart).
A second ``tco serve --workers 2`` answers the quote hit and miss too, for the multi-core line.
Routes alternate in rounds so load from other processes hits all alike; counts and time are
bounded; loopback.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import uvloop

from tests.perf.bench_http import (
    HOST,
    VENV_BIN,
    RouteStats,
    _tree_cpu_s,
    fire,
    get_request,
    running_server,
    tco_serve_command,
    wait_healthy,
)

ROOT = Path(__file__).resolve().parents[2]
QUERY = "model=dsr1&isl=8192&osl=1024"
POST_BODY = b'{"model":"dsr1","isl":8192,"osl":1024,"targets":[20,50,100]}'
ROUNDS = 3
DEADLINE_S = 60.0  # per route and server; a slower route reports fewer requests
WARMUP = 100
# requests per route over all rounds: fewer where one request costs milliseconds
COUNTS = {"bare": 3000, "healthz": 3000, "quote hit": 3000, "quote miss": 600, "POST quote": 600, "curves": 600, "curves miss": 300}  # fmt: skip
WORKER_ROUTES = ("quote hit", "quote miss")  # what the --workers 2 server answers
WORKERS_LABEL = "2 workers: "


def bare_command(port: int, database_url: str) -> list[str]:
    return [str(VENV_BIN / "uvicorn"), "--app-dir", str(ROOT), "--host", HOST, "--port", str(port),
            "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
            "tests.perf.bare_app:app"]  # fmt: skip


def _miss(port: int) -> Callable[[int], bytes]:
    # A distinct third target per request (and per run of this benchmark): never an answer-cache hit.
    # (fire numbers requests from 0 in every round: the count here runs across rounds)
    salt, numbers = time.time_ns() % 1000, itertools.count()

    def make(i: int) -> bytes:
        path = f"/v1/quotes?{QUERY}&targets=20,50,{100 + salt + next(numbers) / 1000:.3f}"
        return (
            f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept-Encoding: gzip\r\n\r\n".encode()
        )

    return make


def _curves_miss(port: int) -> Callable[[int], bytes]:
    # A distinct utilization per request: the same chart work, never an answer-cache hit.
    salt, numbers = time.time_ns() % 1000, itertools.count()

    def make(i: int) -> bytes:
        utilization = 0.5 + (salt * 10_000 + next(numbers) % 10_000) / 1e8
        path = f"/v1/curves?{QUERY}&utilization={utilization:.8f}"
        return (
            f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept-Encoding: gzip\r\n\r\n".encode()
        )

    return make


def _post(port: int) -> Callable[[int], bytes]:
    request = (
        f"POST /v1/quotes HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept-Encoding: gzip\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(POST_BODY)}\r\n\r\n"
    ).encode() + POST_BODY
    return lambda i: request


def tco_routes(port: int) -> dict[str, Callable[[int], bytes]]:
    return {
        "healthz": get_request(port, "/healthz"),
        "quote hit": get_request(port, f"/v1/quotes?{QUERY}&targets=20,50,100"),
        "quote miss": _miss(port),
        "POST quote": _post(port),
        "curves": get_request(port, f"/v1/curves?{QUERY}"),
        "curves miss": _curves_miss(port),
    }


def _workers_command(port: int, database_url: str) -> list[str]:
    return [*tco_serve_command(port, database_url), "--workers", "2"]


def _round(port: int, pid: int, name: str, make: Callable[[int], bytes], count: int,
           deadline: float, s: RouteStats) -> None:  # fmt: skip
    cpu, start = _tree_cpu_s(pid), time.perf_counter()
    uvloop.run(fire(port, make, count, deadline, s, label=name))
    s.elapsed_s += time.perf_counter() - start
    s.server_cpu_s += _tree_cpu_s(pid) - cpu


def measure(baseline: str | None = None) -> dict[str, RouteStats]:
    """``baseline``: a checkout of other tco code (e.g. ``git worktree add /tmp/before
    origin/main``) served beside this one, its rows labelled "before" and this code's "after"."""
    stats: dict[str, RouteStats] = {}
    with contextlib.ExitStack() as stack:
        bare_port, bare = stack.enter_context(running_server(bare_command))
        servers = {"": stack.enter_context(running_server(tco_serve_command))}
        if baseline:
            # PYTHONPATH comes before the venv's editable install of this checkout
            env = {"PYTHONPATH": baseline}
            servers = {"before: ": stack.enter_context(running_server(tco_serve_command, env)),
                       "after: ": servers[""]}  # fmt: skip
        workers = stack.enter_context(running_server(_workers_command))
        for port, process in [*servers.values(), workers]:
            wait_healthy(port, process)
        _wait_bare(bare_port, bare)
        routes: dict[str, tuple[int, int, Callable[[int], bytes]]] = {
            "bare": (bare_port, bare.pid, get_request(bare_port, "/bare"))
        }
        for name in tco_routes(0):
            for label, (port, process) in servers.items():
                routes[label + name] = (port, process.pid, tco_routes(port)[name])
            if name in WORKER_ROUTES:
                port, process = workers
                routes[WORKERS_LABEL + name] = (port, process.pid, tco_routes(port)[name])
        deadlines = {name: time.perf_counter() + DEADLINE_S for name in routes}
        for name, (p, _, make) in routes.items():
            uvloop.run(fire(p, make, WARMUP, deadlines[name], RouteStats(), label=name))
        deadlines = {name: time.perf_counter() + DEADLINE_S for name in routes}
        stats = {name: RouteStats() for name in routes}
        for _ in range(ROUNDS):
            for name, (p, pid, make) in routes.items():
                count = COUNTS[name.split(": ")[-1]] // ROUNDS
                _round(p, pid, name, make, count, deadlines[name], stats[name])
    return stats


def _wait_bare(port: int, process: subprocess.Popen[bytes]) -> None:
    import urllib.request

    for _ in range(3000):
        if process.poll() is not None:
            raise RuntimeError("bare app exited")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/bare", timeout=1):
                return
        except OSError:
            time.sleep(0.01)
    raise TimeoutError("bare app did not answer")


def table(stats: dict[str, RouteStats]) -> list[str]:
    bare = stats["bare"].requests / stats["bare"].elapsed_s
    lines = [
        "| route | requests | req/s | ratio to bare | p50 ms | p99 ms | server CPU µs/req |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s in stats.items():
        q = statistics.quantiles(s.latencies_s, n=100)
        rps = s.requests / s.elapsed_s
        lines.append(f"| {name} | {s.requests} | {rps:,.0f} | {rps / bare:.3f} | {q[49] * 1e3:.2f} | "
                     f"{q[98] * 1e3:.2f} | {s.server_cpu_s / s.requests * 1e6:,.0f} |")  # fmt: skip
    return lines


def ratios(stats: dict[str, RouteStats]) -> list[str]:
    """The two goals that compare tco routes with each other: a curves miss against a 3-target
    quote miss (server CPU per request, goal at most 2x), and 2 workers against 1 (requests/s)."""

    def cpu_us(name: str) -> float:
        return stats[name].server_cpu_s / stats[name].requests * 1e6

    def rps(name: str) -> float:
        return stats[name].requests / stats[name].elapsed_s

    labels = sorted(
        {n.rsplit(": ", 1)[0] + ": " if ": " in n else "" for n in stats} - {WORKERS_LABEL}
    )
    lines = []
    for label in labels:
        if label + "curves miss" in stats:
            lines.append(f"- {label or 'tco: '}curves miss / quote miss, server CPU per request: "
                         f"{cpu_us(label + 'curves miss') / cpu_us(label + 'quote miss'):.2f}x (goal <= 2x)")  # fmt: skip
    one = "after: " if "after: quote hit" in stats else ""  # the 1-worker server of this code
    for name in WORKER_ROUTES:
        gain = rps(WORKERS_LABEL + name) / rps(one + name)
        lines.append(f"- {name}: `--workers 2` / 1 worker, requests/s: {gain:.2f}x "
                     f"({os.cpu_count()} cores, shared with the load generator)")  # fmt: skip
    return lines


def run() -> str:
    """``TCO_BENCH_BASELINE=DIR``: also serve the tco code checked out in DIR (before/after)."""
    load_before = os.getloadavg()[0]
    baseline = os.environ.get("TCO_BENCH_BASELINE")
    stats = measure(baseline)
    head = (
        (
            f"Two `tco serve`s, before = {baseline} and after = this checkout, "
            if baseline
            else "One `tco serve` "
        )
        + f"(1 worker) beside the bare Litestar route, uvicorn settings alike; "
        f"{ROUNDS} alternating rounds, 32 keep-alive connections, Accept-Encoding: gzip; `{QUERY}`, "
        f"hit/POST targets 20,50,100, miss targets 20,50,<distinct per request>; curves the "
        f"default grid, curves miss a distinct utilization per request; `2 workers` is a third "
        f"`tco serve --workers 2` of this code. Load generator on the same {os.cpu_count()} cores; 1-min load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after."
    )
    return "\n".join([head, "", *table(stats), "", *ratios(stats)])
