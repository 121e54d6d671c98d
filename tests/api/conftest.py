"""Shared fixtures for HTTP tests: the real app on a fresh in-memory store, per test.

- ``service``: a Service on a seeded ``:memory:`` SQLite store (shipped price tables and
  benchmarks); ``service.tables`` is that store. Fresh per test (~0.1 s), so writes never leak.
- ``store``: the same store, typed as a Store, for tests that create keys or read the audit log.
- ``app`` / ``client``: ``create_app(service, store)`` with the default auth settings (reads
  open, 60-write burst; not taken from the environment) and a litestar ``TestClient`` on it
  (in-process ASGI, no socket).
- ``admin_key`` / ``editor_key``: plaintext API keys created in that store; send them as
  ``headers={"X-API-Key": admin_key}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tco.api.app import create_app
from tco.api.auth import AuthSettings
from tco.app.live import service_from_store
from tco.app.service import Service
from tco.store import Role, Store


@pytest.fixture
def service() -> Iterator[Service]:
    service = service_from_store(":memory:")
    yield service
    service.tables.close()  # type: ignore[attr-defined]


@pytest.fixture
def store(service: Service) -> Store:
    return service.tables  # type: ignore[return-value]


@pytest.fixture
def app(service: Service, store: Store) -> Litestar:
    return create_app(service, store, auth=AuthSettings())


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Any]]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def admin_key(store: Store) -> str:
    return store.create_key("test-admin", Role.ADMIN, actor="tests")


@pytest.fixture
def editor_key(store: Store) -> str:
    return store.create_key("test-editor", Role.EDITOR, actor="tests")
