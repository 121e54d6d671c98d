"""Optimistic concurrency against the real server: clients racing with the same If-Match."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.pricing_support import AWS_H100, NEBIUS_H200
from tests.server.harness import create_key, running_server

CLIENTS = 20
ROUNDS = 3
TABLE = "race"
URL = f"/v1/pricing/tables/{TABLE}"


def _price(round_: int, client: int) -> float:
    return 5.0 + round_ + client / 100  # tells every attempted write apart


def _race(url: str, key: str, etag: str, round_: int) -> list[httpx.Response]:
    """CLIENTS replaces with the same If-Match, one connection each, released at once."""
    barrier = threading.Barrier(CLIENTS)

    def put(i: int) -> httpx.Response:
        offer = {**NEBIUS_H200, "usd_per_gpu_hour": _price(round_, i)}
        with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=30) as client:
            client.get("/healthz")  # connected before the barrier, so the PUTs start together
            barrier.wait()
            return client.put(
                URL,
                json={"offers": [offer]},
                headers={"If-Match": etag, "X-Request-ID": f"r{round_}-c{i}"},
            )

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(put, range(CLIENTS)))


@pytest.mark.slow
def test_twenty_clients_with_the_same_if_match_exactly_one_wins(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'tco.db'}"
    key = create_key(database, "race-editor", "editor")
    # The burst allows the 61 writes of this test at once (the default is 60).
    with (
        running_server(database, tmp_path / "server.log", TCO_WRITE_BURST="1000") as server,
        httpx.Client(base_url=server.url, headers={"X-API-Key": key}, timeout=30) as client,
    ):
        created = client.post("/v1/pricing/tables", json={"name": TABLE, "offers": [AWS_H100]})
        assert created.status_code == 201
        etag = created.headers["etag"]
        winners: list[str] = []
        for round_ in range(ROUNDS):
            responses = _race(server.url, key, etag, round_)
            assert Counter(r.status_code for r in responses) == {200: 1, 412: CLIENTS - 1}
            winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
            winners.append(f"r{round_}-c{winner}")
            for r in responses:
                if r.status_code == 412:
                    problem: dict[str, Any] = r.json()
                    assert r.headers["content-type"].startswith("application/problem+json")
                    assert problem["field"] == "If-Match"
                    stale = f"at version {round_ + 2}, not the expected version {round_ + 1}"
                    assert stale in problem["detail"]
            etag = responses[winner].headers["etag"]
            assert etag == f'"{TABLE}-v{round_ + 2}"'
            table = client.get(URL).json()
            assert [o["usd_per_gpu_hour"] for o in table["offers"]] == [_price(round_, winner)]

        # The history holds exactly the accepted writes: the create, then one per round.
        history = client.get(f"{URL}/versions").json()
        assert [v["version"] for v in history] == list(range(1, ROUNDS + 2))
        assert [v["request_id"] for v in history[1:]] == winners
