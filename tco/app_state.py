"""Wiring: open the store, seed shipped prices, load shipped + ingested points, build a Service."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tco.service import Service
from tco.store import Store, open_store


def dataset_frame(store: Store | None, shipped_data: bool) -> tuple[pl.DataFrame, str]:
    """Shipped benchmarks plus the store's ingested runs, and the version naming them both."""
    from tco.domain.points import empty_points_frame
    from tco.ingest.shipped import dataset_version, load_shipped_points

    frames = [load_shipped_points()] if shipped_data else [empty_points_frame()]
    if store is not None:
        frames.append(store.load_points())
    points = pl.concat(frames, how="vertical") if len(frames) > 1 else frames[0]
    return points, dataset_version(points)


def open_seeded_store(database: str | Path) -> Store:
    from tco.shipped_pricing import load_shipped_tables

    if isinstance(database, str) and database.startswith("sqlite:///"):
        Path(database.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    store = open_store(database)
    store.seed_tables(load_shipped_tables())
    return store


def service_from_store(database: str | Path, *, shipped_data: bool = True) -> Service:
    from tco.shipped_pricing import DEFAULT_PRICING_TABLE, load_catalog

    store = open_seeded_store(database)
    points, version = dataset_frame(store, shipped_data)
    return Service(
        points=points,
        dataset_version=version,
        tables=store,
        catalog=load_catalog(),
        default_table=DEFAULT_PRICING_TABLE,
    )
