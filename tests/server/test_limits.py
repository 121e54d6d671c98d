"""The request-head limits and the error shape against the real ``tco serve``: what uvicorn's
HTTP protocol answers itself (an over-long URL, headers over their limits, a request it cannot
parse) is a problem+json like every answer of the app, and so are the app's own 413 and refused
CORS preflight. Raw sockets: an HTTP client would refuse to send most of these."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.server.harness import Server, running_server

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("limits")
    with running_server(f"sqlite:///{path / 'tco.db'}", path / "server.log") as server:
        yield server


def exchange(server: Server, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` and read the answer until the server closes (every answer here does)."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        # refused before it read everything: the answer is still there to read
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def problem_of(answer: tuple[int, dict[str, str], bytes], status: int) -> dict[str, Any]:
    got, headers, body = answer
    assert got == status, body
    assert headers["content-type"] == PROBLEM
    problem: dict[str, Any] = json.loads(body)
    assert problem["status"] == status
    return problem


def get(target: bytes, *headers: bytes) -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: t\r\n" + b"".join(h + b"\r\n" for h in headers) + b"Connection: close\r\n\r\n"  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("length", [17_000, 70_000, 1_000_000])
def test_a_url_over_the_limit_is_a_414_problem(server: Server, length: int) -> None:
    # 70,000 was a text/plain 400 "Invalid HTTP request received." (httptools' URL parser limit)
    answer = exchange(server, get(b"/healthz?x=" + b"a" * length))
    assert problem_of(answer, 414)["field"] == "URL"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("request_bytes", "detail"),
    [
        (get(b"/healthz", b"X-Big: " + b"a" * 200_000), "headers: over the 65536-byte limit in all"),
        (get(b"/healthz", *(b"X-%d: 1" % i for i in range(20_000))), "headers: more than 100 header fields"),
        (get(b"/healthz", *(b"X-%d: " % i + b"a" * 1000 for i in range(70))), "headers: over the 65536-byte limit in all"),
        # a header that never ends: refused as it grows, not buffered to the end
        (b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 2_000_000, "headers: over the 65536-byte limit in all"),
    ],
    ids=["200-kb-header", "20000-headers", "70-kb-in-all", "endless-header"],
)  # fmt: skip
def test_headers_over_the_limits_are_a_431_problem(
    server: Server, request_bytes: bytes, detail: str
) -> None:
    # each of these got a 200 before
    problem = problem_of(exchange(server, request_bytes), 431)
    assert (problem["field"], problem["detail"]) == ("headers", detail)


@pytest.mark.slow
def test_headers_within_the_limits_are_served(server: Server) -> None:
    status, _, _ = exchange(server, get(b"/healthz", *(b"X-%d: " % i + b"a" * 600 for i in range(97))))  # fmt: skip
    assert status == 200


@pytest.mark.slow
def test_a_request_the_server_cannot_parse_is_a_400_problem(server: Server) -> None:
    problem = problem_of(exchange(server, b"NOT HTTP AT ALL\r\n\r\n"), 400)
    assert problem["field"] == "request"


@pytest.mark.slow
def test_a_body_over_the_limit_is_a_413_problem(server: Server) -> None:
    request = (
        b"POST /v1/quotes HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Content-Length: 20000000\r\nConnection: close\r\n\r\n" + b" " * 65536
    )
    problem = problem_of(exchange(server, request), 413)
    assert (problem["field"], problem["detail"]) == ("body", "body: over the 10485760-byte limit of this operation")  # fmt: skip


@pytest.mark.slow
def test_a_refused_cors_preflight_is_a_problem(server: Server) -> None:
    request = (
        b"OPTIONS /v1/quotes HTTP/1.1\r\nHost: t\r\nOrigin: https://elsewhere.example\r\n"
        b"Access-Control-Request-Method: DELETE\r\nConnection: close\r\n\r\n"
    )
    problem = problem_of(exchange(server, request), 400)
    assert problem["field"] == "Access-Control-Request-Method"
