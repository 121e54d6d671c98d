"""Durability against the real server: kill -9 in the middle of a stream of writes, restart on
the same database; every acknowledged write is there and the file is intact."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.api.pricing_support import AWS_H100, NEBIUS_H200
from tests.server.harness import create_key, running_server

ACKS_BEFORE_KILL = 60
STREAM = "stream"


@pytest.mark.slow
def test_kill_9_mid_stream_loses_no_acknowledged_write(tmp_path: Path) -> None:
    path = tmp_path / "tco.db"
    database = f"sqlite:///{path}"
    key = create_key(database, "loader", "editor")
    headers = {"X-API-Key": key}
    created: dict[str, float] = {}  # table -> price, for each acknowledged create
    replaced: dict[int, float] = {}  # version of STREAM -> price, for each acknowledged replace
    ended_by: list[str] = []  # how each writer stopped
    lock = threading.Lock()

    def creator(url: str) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
            for i in range(100_000):
                offer = {**AWS_H100, "usd_per_gpu_hour": 1.0 + i / 1000}
                try:
                    r = client.post(
                        "/v1/pricing/tables", json={"name": f"t-{i}", "offers": [offer]}
                    )
                except httpx.TransportError:
                    ended_by.append("server gone")
                    return
                assert r.status_code == 201, r.text
                with lock:
                    created[f"t-{i}"] = offer["usd_per_gpu_hour"]

    def replacer(url: str, etag: str) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
            for i in range(100_000):
                offer = {**NEBIUS_H200, "usd_per_gpu_hour": 2.0 + i / 1000}
                try:
                    r = client.put(
                        f"/v1/pricing/tables/{STREAM}",
                        json={"offers": [offer]},
                        headers={"If-Match": etag},
                    )
                except httpx.TransportError:
                    ended_by.append("server gone")
                    return
                assert r.status_code == 200, r.text
                etag = r.headers["etag"]
                with lock:
                    replaced[int(r.headers["x-pricing-version"])] = offer["usd_per_gpu_hour"]

    with running_server(database, tmp_path / "first.log", TCO_WRITE_BURST="1000000") as server:
        first = httpx.post(
            f"{server.url}/v1/pricing/tables",
            json={"name": STREAM, "offers": [NEBIUS_H200]},
            headers=headers,
        )
        assert first.status_code == 201
        writers = [
            threading.Thread(target=creator, args=(server.url,)),
            threading.Thread(target=replacer, args=(server.url, first.headers["etag"])),
        ]
        for w in writers:
            w.start()
        deadline = time.monotonic() + 15
        while len(created) + len(replaced) < ACKS_BEFORE_KILL and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill_9()
        for w in writers:
            w.join(timeout=30)
    assert ended_by == ["server gone", "server gone"]  # both were mid-stream at the kill
    assert len(created) + len(replaced) >= ACKS_BEFORE_KILL

    with (
        running_server(database, tmp_path / "second.log") as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        for name, price in created.items():
            r = client.get(f"/v1/pricing/tables/{name}")
            assert r.status_code == 200, name
            assert r.json()["offers"][0]["usd_per_gpu_hour"] == price
        versions = {
            v["version"] for v in client.get(f"/v1/pricing/tables/{STREAM}/versions").json()
        }
        assert set(replaced) <= versions
        for version, price in replaced.items():
            r = client.get(f"/v1/pricing/tables/{STREAM}", params={"version": version})
            assert r.json()["offers"][0]["usd_per_gpu_hour"] == price

    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
