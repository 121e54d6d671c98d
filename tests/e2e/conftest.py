"""Browser test harness: a real ``tco serve`` on a free port (tmp sqlite), host pages served
from other local origins, and Debian's Chromium driven by Playwright (never ``playwright
install``)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, RECORDER, HostServer, free_port

SERVER_START_TIMEOUT_S = 90.0


@pytest.fixture(scope="module")
def tco_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("tco-e2e")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    command = [
        str(Path(sys.executable).with_name("tco")),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database",
        f"sqlite:///{tmp / 'tco.db'}",
    ]
    with (tmp / "serve.log").open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT_S
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"tco serve exited: {(tmp / 'serve.log').read_text()}")
                try:
                    if httpx.get(f"{origin}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"tco serve not healthy after {SERVER_START_TIMEOUT_S}s")
                time.sleep(0.2)
            yield origin
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def host() -> Iterator[HostServer]:
    server = HostServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def other_origin() -> Iterator[HostServer]:
    server = HostServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 900, "height": 1000})
    context.add_init_script(RECORDER)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"
