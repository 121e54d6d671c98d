"""Browser test harness: a real ``tco serve`` on a free port (tmp sqlite), host pages served
from other local origins, and Debian's Chromium driven by Playwright (never ``playwright
install``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.explorer_support import tco_server
from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, RECORDER, HostServer


@pytest.fixture(scope="module")
def tco_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with tco_server(tmp_path_factory.mktemp("tco-e2e")) as server:
        yield server.origin


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
