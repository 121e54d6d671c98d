"""Two real ``tco serve`` replicas on one PostgreSQL database: every guarantee one process
gives holds across them (If-Match races, the write rate limit, changes seen within 2 s, no
acknowledged write lost to a ``kill -9``, a replica started while the other writes)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.api.pricing_support import AWS_H100, NEBIUS_H200
from tests.server.harness import Server, create_key, running_server

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
NATIVE_JSON = (FIXTURES / "native_points.json").read_bytes()
VISIBLE_WITHIN_S = 2.0
TABLE = "shared"


def _until(check: Callable[[], bool], timeout_s: float) -> float:
    """Seconds until ``check()`` is true; fails after ``timeout_s``."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout_s, f"not seen within {timeout_s} s"
        time.sleep(0.02)
    return time.monotonic() - started


def _create(server: Server, key: str, name: str, price: float) -> httpx.Response:
    return httpx.post(
        f"{server.url}/v1/pricing/tables",
        json={"name": name, "offers": [{**AWS_H100, "usd_per_gpu_hour": price}]},
        headers={"X-API-Key": key},
        timeout=10,
    )


@pytest.fixture
def editor(postgres_url: str) -> str:
    return create_key(postgres_url, "editor", "editor")


@pytest.fixture
def replicas(postgres_url: str, editor: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    with ExitStack() as stack:
        a = stack.enter_context(running_server(postgres_url, tmp_path / "a.log"))
        b = stack.enter_context(running_server(postgres_url, tmp_path / "b.log"))
        yield a, b


@pytest.mark.slow
def test_twenty_if_match_writers_over_two_replicas_exactly_one_wins(
    replicas: tuple[Server, Server], editor: str
) -> None:
    a, b = replicas
    assert _create(a, editor, TABLE, 6.0).status_code == 201
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    lock = threading.Lock()

    def put(i: int) -> None:
        server = (a, b)[i % 2]
        with httpx.Client(base_url=server.url, timeout=30) as client:
            client.get("/healthz")  # connected before the barrier: the PUTs race, not connects
            barrier.wait()
            r = client.put(
                f"/v1/pricing/tables/{TABLE}",
                json={"offers": [{**NEBIUS_H200, "usd_per_gpu_hour": 4.0 + i / 100}]},
                headers={"X-API-Key": editor, "If-Match": f'"{TABLE}-v1"'},
            )
        with lock:
            statuses.append(r.status_code)

    threads = [threading.Thread(target=put, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [412] * 19
    for server in (a, b):
        versions = httpx.get(f"{server.url}/v1/pricing/tables/{TABLE}/versions").json()
        assert [v["version"] for v in versions] == [1, 2]


@pytest.mark.slow
def test_the_write_rate_limit_per_key_is_shared_by_the_replicas(
    postgres_url: str, editor: str, tmp_path: Path
) -> None:
    limits = {"TCO_WRITE_BURST": "4", "TCO_WRITE_RATE_PER_S": "0.001"}
    with (
        running_server(postgres_url, tmp_path / "a.log", **limits) as a,
        running_server(postgres_url, tmp_path / "b.log", **limits) as b,
    ):
        # 4 writes at once in all, whichever replica takes them; then 429 on both.
        created = [_create((a, b)[i % 2], editor, f"t-{i}", 2.0).status_code for i in range(4)]
        assert created == [201] * 4
        for server in (a, b):
            refused = _create(server, editor, "one-too-many", 2.0)
            assert refused.status_code == 429, refused.text
            assert int(refused.headers["retry-after"]) >= 900  # one token at 0.001/s


@pytest.mark.slow
def test_pricing_and_dataset_changes_reach_the_other_replica_within_2_s(
    replicas: tuple[Server, Server], editor: str
) -> None:
    a, b = replicas
    assert _create(a, editor, TABLE, 6.0).status_code == 201
    _until(lambda: httpx.get(f"{b.url}/v1/pricing/tables/{TABLE}").status_code == 200, 2.0)
    put = httpx.put(
        f"{a.url}/v1/pricing/tables/{TABLE}",
        json={"offers": [{**NEBIUS_H200, "usd_per_gpu_hour": 4.25}]},
        headers={"X-API-Key": editor, "If-Match": f'"{TABLE}-v1"'},
    )
    assert put.status_code == 200

    def b_has_v2() -> bool:
        r = httpx.get(f"{b.url}/v1/pricing/tables/{TABLE}")
        return (
            r.headers.get("etag") == f'"{TABLE}-v2"'
            and r.json()["offers"][0]["usd_per_gpu_hour"] == 4.25
        )

    assert _until(b_has_v2, VISIBLE_WITHIN_S) < VISIBLE_WITHIN_S

    before = httpx.get(f"{b.url}/healthz").json()["dataset_version"]
    posted = httpx.post(
        f"{a.url}/v1/runs",
        content=NATIVE_JSON,
        headers={"X-API-Key": editor, "content-type": "application/json"},
        timeout=30,
    )
    assert posted.status_code == 201, posted.text
    version = posted.json()["dataset_version"]
    assert version != before

    def b_serves_it() -> bool:
        return bool(httpx.get(f"{b.url}/healthz").json()["dataset_version"] == version)

    assert _until(b_serves_it, VISIBLE_WITHIN_S) < VISIBLE_WITHIN_S
    assert httpx.get(f"{b.url}/healthz").json()["points"] == 2


def _writer(
    server: Server, key: str, acked: dict[str, float], stop: threading.Event, prefix: str
) -> None:
    """Create tables until the server goes or ``stop``; records each acknowledged one."""
    with httpx.Client(base_url=server.url, headers={"X-API-Key": key}, timeout=10) as client:
        for i in range(100_000):
            if stop.is_set():
                return
            price = round(1.0 + i / 1000, 3)
            try:
                r = client.post(
                    "/v1/pricing/tables",
                    json={"name": f"{prefix}-{i}", "offers": [{**AWS_H100, "usd_per_gpu_hour": price}]},
                )  # fmt: skip
            except httpx.TransportError:
                return  # killed mid-request: that write was never acknowledged
            assert r.status_code == 201, r.text
            acked[f"{prefix}-{i}"] = price


def _stored_prices(server: Server) -> dict[str, float]:
    tables = httpx.get(f"{server.url}/v1/pricing/tables", timeout=30).json()
    prices = {}
    for t in tables:
        table = httpx.get(f"{server.url}/v1/pricing/tables/{t['name']}", timeout=30).json()
        prices[t["name"]] = table["offers"][0]["usd_per_gpu_hour"]
    return prices


@pytest.mark.slow
def test_kill_9_of_a_replica_mid_write_loses_no_acknowledged_write(
    postgres_url: str, tmp_path: Path
) -> None:
    key = create_key(postgres_url, "loader", "editor")
    unthrottled = {"TCO_WRITE_BURST": "100000", "TCO_WRITE_RATE_PER_S": "1000"}
    acked: dict[str, float] = {}
    with running_server(postgres_url, tmp_path / "b.log", **unthrottled) as b:
        with running_server(postgres_url, tmp_path / "a.log", **unthrottled) as a:
            stop = threading.Event()
            writers = [
                threading.Thread(target=_writer, args=(a, key, acked, stop, f"w{n}"))
                for n in range(3)
            ]
            for w in writers:
                w.start()
            _until(lambda: len(acked) >= 30, 60.0)
            a.kill_9()  # mid-stream: every writer has a request in flight or about to be
            for w in writers:
                w.join(timeout=30)
            assert not any(w.is_alive() for w in writers)
        stored = _stored_prices(b)  # the surviving replica answers for the database
    assert len(acked) >= 30
    missing = {name: price for name, price in acked.items() if stored.get(name) != price}
    assert missing == {}


@pytest.mark.slow
def test_a_replica_started_while_the_other_writes_serves_every_write(
    postgres_url: str, tmp_path: Path
) -> None:
    key = create_key(postgres_url, "loader", "editor")
    unthrottled = {"TCO_WRITE_BURST": "100000", "TCO_WRITE_RATE_PER_S": "1000"}
    acked: dict[str, float] = {}
    stop = threading.Event()
    with running_server(postgres_url, tmp_path / "a.log", **unthrottled) as a:
        writer = threading.Thread(target=_writer, args=(a, key, acked, stop, "t"))
        writer.start()
        try:
            _until(lambda: len(acked) >= 5, 60.0)
            # Starting while writes land: B migrates nothing twice, seeds nothing twice, and
            # begins serving with whatever is committed.
            with running_server(postgres_url, tmp_path / "b.log", **unthrottled) as b:
                during = len(acked)
                _until(lambda: len(acked) >= during + 10, 60.0)  # writes go on meanwhile
                stop.set()
                writer.join(timeout=30)
                stored = _stored_prices(b)
                versions = {
                    s.url: httpx.get(f"{s.url}/healthz").json()["dataset_version"] for s in (a, b)
                }
        finally:
            stop.set()
            writer.join(timeout=30)
    assert {n: p for n, p in acked.items() if stored.get(n) != p} == {}
    assert len(set(versions.values())) == 1
