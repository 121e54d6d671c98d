"""The browser tests' ``tco serve``: a real server on a free port and a fresh database whose
editor key the test knows (created with ``tco keys create`` before the server starts); and the
explorer's page helpers."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page

from tests.e2e.harness import free_port

SERVER_START_TIMEOUT_S = 90.0
READY = '() => ["ready", "error"].includes(document.body.dataset.state)'


@dataclass(frozen=True)
class Server:
    origin: str
    editor_key: str

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(f"{self.origin}{path}", params=params, timeout=30)
        response.raise_for_status()
        return response.json()


@contextmanager
def tco_server(tmp: Path) -> Iterator[Server]:
    tco = str(Path(sys.executable).with_name("tco"))
    database = f"sqlite:///{tmp / 'tco.db'}"
    created = subprocess.run(
        [
            tco,
            "keys",
            "create",
            "--name",
            "explorer-e2e",
            "--role",
            "editor",
            "--database",
            database,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    key = created.stdout.strip().splitlines()[-1].strip()
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    command = [tco, "serve", "--host", "127.0.0.1", "--port", str(port), "--database", database]
    with (tmp / "serve.log").open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT_S
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"tco serve exited: {(tmp / 'serve.log').read_text()}")
                try:
                    if httpx.get(f"{origin}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"tco serve not healthy after {SERVER_START_TIMEOUT_S}s")
                time.sleep(0.2)
            yield Server(origin=origin, editor_key=key)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def open_view(page: Page, origin: str, query: str) -> None:
    page.goto(f"{origin}/?{query}")
    wait_ready(page)


def wait_ready(page: Page) -> None:
    page.wait_for_function(READY)
    state = page.evaluate("document.body.dataset.state")
    assert state == "ready", page.locator("#status").inner_text()


def series_counts(page: Page, chart: str) -> list[int]:
    """Points drawn per series of one chart, in order."""
    return page.eval_on_selector_all(
        f"figure[data-chart={chart}] svg g[data-series]",
        "gs => gs.map(g => g.querySelectorAll('circle.pt').length)",
    )
