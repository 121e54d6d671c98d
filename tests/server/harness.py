"""``tco serve`` as a real process on a free 127.0.0.1 port, for tests that need a socket, a
second client process, or ``kill -9``.

The server runs in its own process group: with ``--workers N`` uvicorn runs the app in worker
processes under a supervisor, so "kill the server" means the whole group (a SIGKILL to the
supervisor alone would leave the workers serving, and writing).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

TCO = str(Path(sys.executable).with_name("tco"))
START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create_key(database_url: str, name: str, role: str) -> str:
    """``tco keys create``: the key is the last line of stdout."""
    done = subprocess.run(
        [TCO, "keys", "create", "--name", name, "--role", role, "--database", database_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def kill_9(self) -> None:
        """SIGKILL to the whole server (supervisor and worker): no shutdown code runs."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill_9()
        # The worker may outlive a supervisor that died first; nothing of the group survives.
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


@contextmanager
def running_server(
    database_url: str, log: Path, *, shipped_data: bool = False, workers: int = 1, **env: str
) -> Iterator[Server]:
    """``tco serve`` on the database (by default without the shipped benchmarks: faster start,
    pricing only)."""
    port = free_port()
    shipped = [] if shipped_data else ["--no-shipped-data"]
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                TCO,
                "serve",
                "--port",
                str(port),
                "--database",
                database_url,
                "--workers",
                str(workers),
                *shipped,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
            start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_healthy(server)
        yield server
    finally:
        server.stop()


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"tco serve exited with {server.process.returncode}: {server.log.read_text()}"
            )
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(
        f"tco serve did not answer within {START_TIMEOUT_S} s: {server.log.read_text()}"
    )
