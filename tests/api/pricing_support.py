"""Shared by the pricing API tests: an app on a file store with one key per role, sample
offers (real, sourced prices from the shipped tables), and a snapshot of everything a write
could change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from tco.api.app import create_app
from tco.api.auth import AuthSettings
from tco.app.live import LiveService, service_from_store
from tco.store import NotFound, SqliteStore

TABLE = "acme-q4"
# From pricing/cloud-public-2026.csv, each with its source.
AWS_H100 = {
    "hardware": "h100",
    "provider": "AWS",
    "kind": "on_demand",
    "usd_per_gpu_hour": 6.88,
    "region": "us-east-1",
    "source": "https://aws.amazon.com/ec2/pricing/on-demand/",
    "source_date": "2026-11-09",
    "notes": "p5.48xlarge: $55.04/hr / 8 GPUs",
}
NEBIUS_H200 = {
    "hardware": "h200",
    "provider": "Nebius",
    "kind": "on_demand",
    "usd_per_gpu_hour": 4.5,
    "source": "tgarg01/silybench-data derived/csv/gpu_prices.csv",
    "source_date": "2026-09-25",
    "notes": "Nebius HGX H200: per GPU",
}
RUNPOD_B200 = {
    "hardware": "b200",
    "provider": "RunPod",
    "kind": "on_demand",
    "usd_per_gpu_hour": 5.98,
    "source": "tgarg01/silybench-data derived/csv/gpu_prices.csv",
    "source_date": "2026-09-25",
    "notes": "RunPod B200 Community / Secure: Secure Cloud $6.79",
}


@dataclass
class Api:
    client: TestClient[Any]
    store: SqliteStore
    service: LiveService
    admin: str
    editor: str
    viewer: str

    def headers(self, key: str, **extra: str) -> dict[str, str]:
        return {"X-API-Key": key, **extra}

    def create(self, name: str = TABLE, offers: list[dict[str, Any]] | None = None) -> str:
        """Create a table as the editor; returns its ETag."""
        body = {"name": name, "description": "Acme Q4", "offers": offers or [AWS_H100, NEBIUS_H200]}
        response = self.client.post(
            "/v1/pricing/tables", json=body, headers=self.headers(self.editor)
        )
        assert response.status_code == 201, response.text
        return response.headers["etag"]


@contextmanager
def make_api(
    tmp_path: Path, *, shipped_data: bool = False, auth: AuthSettings | None = None
) -> Iterator[Api]:
    service = service_from_store(f"sqlite:///{tmp_path / 'tco.db'}", shipped_data=shipped_data)
    store = service.store
    assert isinstance(store, SqliteStore)
    keys = {role: store.create_key(f"{role}-key", role) for role in ("admin", "editor", "viewer")}
    app = create_app(service, store, auth=auth or AuthSettings())
    try:
        with TestClient(app) as client:
            yield Api(client, store, service, keys["admin"], keys["editor"], keys["viewer"])
    finally:
        store.close()


def snapshot(store: SqliteStore, *names: str) -> tuple[object, ...]:
    """Everything a pricing write could change: tables, the named tables' histories, audit."""
    histories: list[object] = []
    for name in names:
        try:
            histories.append(store.list_versions(name))
        except NotFound:
            histories.append(None)
    return (store.list_tables(), histories, store.list_audit(limit=1000))
