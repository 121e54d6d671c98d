"""The server syncs by itself (tco serve --sync inferencex --sync-every ...), off the request
path, one sync at a time, and a failed sync never breaks serving."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from tco.api.app import create_app
from tco.api.auth import AuthSettings
from tco.app.live import LiveService, service_from_store
from tco.cli import main
from tco.sync.client import ClientSettings
from tco.sync.schedule import SyncScheduler, parse_duration
from tests.server.harness import free_port, running_server
from tests.sync.replay import Replay, replay_server


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveService]:
    service = service_from_store(f"sqlite:///{tmp_path / 'tco.db'}", shipped_data=False)
    yield service
    service.store.close()


def scheduler(service: LiveService, url: str) -> SyncScheduler:
    settings = ClientSettings(base_url=url, attempts=2, backoff_initial_s=0.01)
    return SyncScheduler(service, every_s=3600, settings=settings)


def test_a_scheduled_sync_lands_in_the_index_and_in_sync_and_healthz(live: LiveService) -> None:
    with TestClient(create_app(live, live.store, auth=AuthSettings())) as client:
        assert client.get("/healthz").json()["last_sync"] is None
        with replay_server() as (url, replay):
            job = scheduler(live, url)
            job.tick()
            assert live.index.points.height == 340  # rebuilt and swapped in
            requests = len(replay.seen)
            job.tick()  # not due again for an hour: nothing is asked
            assert len(replay.seen) == requests
        state: dict[str, Any] = client.get("/v1/sync").json()
        health: dict[str, Any] = client.get("/healthz").json()
        quote = client.get("/v1/quotes", params={"model": "dsr1", "isl": 8192, "osl": 1024, "targets": "50"})  # fmt: skip
    assert state["last"]["status"] == "ok" and state["last"]["summary"]["rows_added"] == 340
    assert state["schedule"] == {"source": f"inferencex {url}", "every_s": 3600.0}
    assert len(state["recent"]) == 1
    assert health["last_sync"]["status"] == "ok" and health["last_sync"]["rows_added"] == 340
    synced = quote.json()["assumptions"]["freshness"]["synced_at"]
    assert synced is not None and synced == state["last_success_at"].replace("+00:00", "Z")


def test_a_failed_sync_never_breaks_serving(live: LiveService) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with TestClient(create_app(live, live.store, auth=AuthSettings())) as client:
        scheduler(live, dead).tick()  # does not raise
        assert client.get("/healthz").status_code == 200
        assert client.get("/healthz").json()["last_sync"]["status"] == "failed"
        assert client.get("/v1/sync").json()["last_success_at"] is None


def test_durations() -> None:
    assert [parse_duration(t) for t in ("90", "90s", "30m", "6h", "1d")] == [
        90, 90, 1800, 21600, 86400,
    ]  # fmt: skip
    for bad in ("", "6x", "0h", "-1h"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert main(["serve", "--sync", "inferencex", "--sync-every", "soon"]) == 2


@pytest.mark.slow
def test_tco_serve_sync_syncs_by_itself(tmp_path: Path) -> None:
    with replay_server(Replay()) as (url, _):
        env = {
            "TCO_SYNC": "inferencex",
            "TCO_SYNC_EVERY": "1h",
            "TCO_INFERENCEX_URL": url,
            "TCO_SYNC_FIRST_DELAY_S": "0",
        }
        db = f"sqlite:///{tmp_path / 'tco.db'}"
        with running_server(db, tmp_path / "serve.log", **env) as server:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                health = httpx.get(f"{server.url}/healthz").json()
                if health["last_sync"] is not None and health["points"] == 340:
                    break
                time.sleep(0.2)
            state = httpx.get(f"{server.url}/v1/sync").json()
    assert health["last_sync"]["status"] == "ok", health
    assert health["points"] == 340
    assert state["schedule"]["every_s"] == 3600.0


def test_after_a_failure_the_next_sync_comes_sooner(live: LiveService) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    job = scheduler(live, dead)
    job.tick()
    assert not job.due()
    finished = live.store.last_syncs(1)[0].finished_at
    job.now = lambda: finished + dt.timedelta(minutes=16)
    assert job.due()  # 15 minutes after a failure, not the hour
