"""A local InferenceX: a real HTTP server on 127.0.0.1 that replays recorded API responses.

``/api/v1/availability`` is the recorded response (tests/fixtures/inferencex); history pages are
built from the 435 real rows shipped in benchmarks/ (DeepSeek-R1-0528), one workload per
request, optionally split into pages linked by ``Link: <...>; rel="next"``. Tests script
faults per path (429 with Retry-After, 500, a malformed row) and read back what was asked.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[2]
AVAILABILITY = ROOT / "tests" / "fixtures" / "inferencex" / "availability.json"
ROWS_FILE = ROOT / "benchmarks" / "inferencex_api_dsr1_latest.json"
DISPLAY = {"dsr1": "DeepSeek-R1-0528"}


def shipped_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(ROWS_FILE.read_bytes())
    return rows


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    status: int
    gzipped: bool


@dataclass
class Replay:
    rows: list[dict[str, Any]] = field(default_factory=shipped_rows)
    availability: bytes = field(default_factory=AVAILABILITY.read_bytes)
    page_size: int | None = None  # None: one page per workload
    # path ("/api/v1/availability" or "<display name> <isl>/<osl>") -> statuses to answer first
    faults: dict[str, list[int]] = field(default_factory=dict)
    always_fail: set[str] = field(default_factory=set)  # workload label -> 500 forever
    malformed: dict[str, int] = field(default_factory=dict)  # workload label -> row index
    seen: list[Seen] = field(default_factory=list)
    delay_s: float = 0.0  # per request, to observe how many the client keeps in flight
    in_flight: int = 0
    max_in_flight: int = 0
    # Keep each encoded (and gzipped) answer: for benchmarks, where the server must not
    # compete with the client for the CPU. Only for unchanging rows and no faults.
    memo: dict[tuple[str, bool], tuple[int, bytes, dict[str, str]]] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def history(self, model: str, isl: int, osl: int) -> list[dict[str, Any]]:
        return [
            r
            for r in self.rows
            if DISPLAY.get(r["model"]) == model and r["isl"] == isl and r["osl"] == osl
        ]


class _Handler(BaseHTTPRequestHandler):
    replay: Replay

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        r = self.replay
        # Counted while the request waits, before any byte of the answer is written: once the
        # client has read an answer it may send its next request before this thread gets to
        # run again, and a count that ended after the write saw 3 "in flight" under load.
        with r.lock:
            r.in_flight += 1
            r.max_in_flight = max(r.max_in_flight, r.in_flight)
        try:
            if r.delay_s:
                time.sleep(r.delay_s)
        finally:
            with r.lock:
                r.in_flight -= 1
        self._get()

    def _get(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        memo, key = self.replay.memo, (self.path, accepts_gzip)
        if memo is not None and key in memo:
            self._send(*memo[key])
            return
        status, body, extra = self._answer(parts.path, query)
        gzipped = accepts_gzip and status == 200
        with self.replay.lock:
            self.replay.seen.append(
                Seen(
                    parts.path,
                    query,
                    {k.lower(): v for k, v in self.headers.items()},
                    status,
                    gzipped,
                )
            )
        if gzipped:
            body = gzip.compress(body, compresslevel=6 if memo is None else 1)
            extra["Content-Encoding"] = "gzip"
        if memo is not None:
            memo[key] = (status, body, extra)
        self._send(status, body, extra)

    def _send(self, status: int, body: bytes, extra: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, dict[str, str]]:
        r = self.replay
        if path == "/api/v1/availability":
            key = path
        elif path == "/api/v1/benchmarks/history":
            try:
                model, isl, osl = query["model"][0], int(query["isl"][0]), int(query["osl"][0])
            except (KeyError, ValueError):
                return 400, b'{"error":"model, isl and osl are required"}', {}
            key = f"{model} {isl}/{osl}"
        else:
            return 404, b'{"error":"not found"}', {}
        with r.lock:
            scripted = r.faults.get(key)
            status = scripted.pop(0) if scripted else 200
        if key in r.always_fail:
            status = 500
        if status != 200:
            headers = {"Retry-After": "0"} if status == 429 else {}
            return status, b'{"error":"scripted"}', headers
        if key == path:
            return 200, r.availability, {}
        rows: list[Any] = list(r.history(model, isl, osl))
        if key in r.malformed and rows:
            bad = dict(rows[r.malformed[key]])
            del bad["metrics"]
            rows[r.malformed[key]] = bad
        if r.page_size is None:
            return 200, json.dumps(rows).encode(), {}
        page = int(query.get("page", ["1"])[0])
        start = (page - 1) * r.page_size
        chunk = rows[start : start + r.page_size]
        headers = {}
        if start + r.page_size < len(rows):
            following = urlencode({"model": model, "isl": isl, "osl": osl, "page": page + 1})
            headers["Link"] = f'</api/v1/benchmarks/history?{following}>; rel="next"'
        return 200, json.dumps(chunk).encode(), headers


@contextmanager
def replay_server(replay: Replay | None = None) -> Iterator[tuple[str, Replay]]:
    """(base URL, the replay) of a server running in a daemon thread for the block."""
    state = replay or Replay()
    handler = type("Handler", (_Handler,), {"replay": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
