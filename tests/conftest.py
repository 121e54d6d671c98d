"""Fixtures every test folder may use: the PostgreSQL cluster and the two-backend store, and
the shipped dataset's frontier index and price tables, built once per test session (both are
immutable)."""

from __future__ import annotations

import pytest

from tco.domain.index import FrontierIndex
from tco.domain.pricing import PricingTable
from tco.ingest.shipped import dataset_version, load_shipped_points
from tco.shipped_pricing import load_shipped_tables


@pytest.fixture(scope="session")
def index() -> FrontierIndex:
    points = load_shipped_points()
    return FrontierIndex(points, dataset_version(points))


@pytest.fixture(scope="session")
def tables() -> dict[str, PricingTable]:
    return {t.name: t for t in load_shipped_tables()}


pytest_plugins = ("tests.postgres",)
