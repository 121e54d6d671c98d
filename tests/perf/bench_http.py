"""HTTP throughput: ``GET /v1/quotes`` (3 targets) against the trivial ``/healthz`` of the same
server in the same run, for each ASGI server tco could ship.

The load generator is a minimal HTTP/1.1 keep-alive client on uvloop (raw sockets, one request
in flight per connection): httpx.AsyncClient tops out near 300 requests/s here, so it would
measure itself rather than the server. The generator runs on the same 2 cores as the server, so
beside requests/s the table gives the CPU each side spent per request (the server's CPU per
request does not depend on the generator). Routes alternate in rounds so that load from other
processes on the machine hits both alike. Loopback only; request counts and time are bounded.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvloop

from tco.store import Role, SqliteStore

HOST = "127.0.0.1"
QUOTE_PATH = "/v1/quotes?model=dsr1&isl=8192&osl=1024&targets=20,50,100"
TRIVIAL_PATH = "/healthz"
REQUESTS_PER_ROUTE = 3000
ROUNDS = 3  # per route, alternating, REQUESTS_PER_ROUTE / ROUNDS requests each
CONCURRENCY = 32
WARMUP_REQUESTS = 200
DEADLINE_S = 120.0  # whole run per server; a slower server reports fewer requests
TARGET_RATIO = 0.70
VENV_BIN = Path(sys.executable).parent
CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def tco_serve_command(port: int, database_url: str) -> list[str]:
    return [str(VENV_BIN / "tco"), "serve", "--host", HOST, "--port", str(port),
            "--database", database_url]  # fmt: skip


def granian_command(port: int, database_url: str) -> list[str]:
    # The alternative to uvicorn: the same app factory under granian (ASGI, uvloop).
    return [str(VENV_BIN / "granian"), "--interface", "asgi", "--factory", "--host", HOST,
            "--port", str(port), "--loop", "uvloop", "--no-ws", "--log-level", "warning",
            "tco.api.server:build_app"]  # fmt: skip


# What tco serve runs (uvicorn, see tco/api/server.py) and the server it was chosen over.
SERVERS: dict[str, Callable[[int, str], list[str]]] = {
    "uvicorn (tco serve)": tco_serve_command,
    "granian": granian_command,
}


def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    """Return as soon as ``/healthz`` answers 200."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}{TRIVIAL_PATH}", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.01)
    raise TimeoutError(f"no 200 from {TRIVIAL_PATH} within {timeout_s} s")


@contextmanager
def running_server(
    command: Callable[[int, str], list[str]], env: dict[str, str] | None = None
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Spawn ``command(port, database_url)`` on a free port and a fresh database; stop it on
    exit. ``env``: variables to set for it besides the environment's."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{tmp}/tco.db"
        log_path = Path(tmp, "server.log")
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command(port, database_url),
                env={**os.environ, **(env or {}), "TCO_DATABASE_URL": database_url},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            yield port, process
        except Exception as exc:
            exc.add_note("server log (tail):\n" + log_path.read_text(errors="replace")[-3000:])
            raise
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def editor_server() -> Iterator[
    tuple[subprocess.Popen[bytes], http.client.HTTPConnection, dict[str, str]]
]:
    """A real ``tco serve`` on a fresh SQLite file, an editor key made in its store, and one
    keep-alive connection with the headers a JSON write sends (the key among them)."""
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
            yield process, conn, {"X-API-Key": key, "Content-Type": "application/json"}
        finally:
            conn.close()


def request_ok(conn: http.client.HTTPConnection, method: str, path: str, **kw: Any) -> bytes:
    """The body of a 2xx answer; anything else ends the benchmark with the answer's head."""
    conn.request(method, path, **kw)
    response = conn.getresponse()
    body = response.read()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: {response.status} {body[:300]!r}")
    return body


def process_tree(pid: int) -> Iterator[int]:
    """``pid`` and its live descendants (granian and ``--workers N`` fork the app's processes)."""
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:  # it exited meanwhile
            continue
        yield current
        stack.extend(int(child) for child in children)


def status_kb(pid: int, field: str) -> int:
    """A ``/proc/PID/status`` memory field (VmRSS, VmHWM) in kB; 0 once the process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next(
        int(line.split()[1]) for line in status.splitlines() if line.startswith(f"{field}:")
    )


def _tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its descendants."""
    total = 0.0
    for current in process_tree(pid):
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS_PER_S
    return total


@dataclass
class RouteStats:
    requests: int = 0
    elapsed_s: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)


def get_request(port: int, path: str) -> Callable[[int], bytes]:
    """A factory of the same GET for every request (``i`` is the request's number)."""
    # Accept-Encoding as every browser and CDN sends it (the widget's and the cache's traffic).
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept-Encoding: gzip\r\n\r\n".encode()
    )
    return lambda i: request


async def fire(
    port: int, make_request: Callable[[int], bytes], count: int, deadline: float,
    stats: RouteStats, concurrency: int = CONCURRENCY, label: str = "",
) -> None:  # fmt: skip
    """``count`` requests over ``concurrency`` keep-alive connections, one in flight on each;
    request ``i`` sends ``make_request(i)``, whose response must be a 200 with Content-Length."""
    remaining = iter(range(count))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            for i in remaining:
                if time.perf_counter() > deadline:
                    return
                request = make_request(i)
                sent = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                if head[9:12] != b"200":
                    raise RuntimeError(f"{label or request[:60]!r}: {head[:12]!r}")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                stats.latencies_s.append(time.perf_counter() - sent)
                stats.requests += 1
        finally:
            writer.close()
            await writer.wait_closed()

    await asyncio.gather(*(connection() for _ in range(concurrency)))


def measure(port: int, server_pid: int) -> dict[str, RouteStats]:
    routes = {"quote": QUOTE_PATH, "trivial": TRIVIAL_PATH}
    stats = {name: RouteStats() for name in routes}
    deadline = time.perf_counter() + DEADLINE_S
    for path in routes.values():
        uvloop.run(fire(port, get_request(port, path), WARMUP_REQUESTS, deadline, RouteStats()))
    for _ in range(ROUNDS):
        for name, path in routes.items():
            s = stats[name]
            server_cpu, client_cpu, start = _tree_cpu_s(server_pid), time.process_time(), time.perf_counter()  # fmt: skip
            uvloop.run(
                fire(port, get_request(port, path), REQUESTS_PER_ROUTE // ROUNDS, deadline, s)
            )
            s.elapsed_s += time.perf_counter() - start
            s.client_cpu_s += time.process_time() - client_cpu
            s.server_cpu_s += _tree_cpu_s(server_pid) - server_cpu
    return stats


def _row(server: str, route: str, s: RouteStats) -> str:
    q = statistics.quantiles(s.latencies_s, n=100)
    return (f"| {server} | {route} | {s.requests} | {s.requests / s.elapsed_s:,.0f} | {q[49] * 1e3:.2f} | "
            f"{q[98] * 1e3:.2f} | {s.server_cpu_s / s.requests * 1e6:,.0f} | {s.client_cpu_s / s.requests * 1e6:,.0f} |")  # fmt: skip


def run() -> str:
    lines = [
        f"`GET {QUOTE_PATH}` (quote) against `GET {TRIVIAL_PATH}` (trivial), {REQUESTS_PER_ROUTE} "
        f"requests per route in {ROUNDS} alternating rounds, {CONCURRENCY} keep-alive connections, "
        f"one worker; load generator on the same {os.cpu_count()} cores "
        f"(1-min load average before the run: {os.getloadavg()[0]:.1f}).",
        "",
        "| server | route | requests | req/s | p50 ms | p99 ms | server CPU µs/req | generator CPU µs/req |",
        "|---|---|---|---|---|---|---|---|",
    ]
    ratios = []
    for name, command in SERVERS.items():
        with running_server(command) as (port, process):
            wait_healthy(port, process)
            stats = measure(port, process.pid)
        lines += [_row(name, route, s) for route, s in stats.items()]
        q, t = stats["quote"], stats["trivial"]
        throughput = (q.requests / q.elapsed_s) / (t.requests / t.elapsed_s)
        cpu = (t.server_cpu_s / t.requests) / (q.server_cpu_s / q.requests)
        ratios.append(f"- {name}: quote/trivial throughput **{throughput:.0%}** (target ≥ {TARGET_RATIO:.0%}); "
                      f"server CPU per trivial request / per quote request {cpu:.0%}")  # fmt: skip
    return "\n".join([*lines, "", *ratios])
