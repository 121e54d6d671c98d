"""``tco serve --workers 2``: each worker keeps its own answer caches, and a price edit made
through any worker is in every worker's next answers (within LATEST_RECHECK_S), never an old
cached one."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tco.store.sqlite import LATEST_RECHECK_S
from tests.api.pricing_support import AWS_H100
from tests.server.harness import create_key, running_server

QUOTE = "/v1/quotes?model=dsr1&isl=8192&osl=1024&targets=20,50&pricing=w"
REQUESTS = 40  # each on a new connection, which either worker may accept


def _quotes(url: str) -> list[tuple[int, float, str]]:
    answers = []
    for _ in range(REQUESTS):
        with httpx.Client(base_url=url, timeout=30) as client:  # a new connection each
            r = client.get(QUOTE)
            assert r.status_code == 200, r.text
            body = r.json()
            cheapest = body["targets"][0]["options"][0]
            price = body["offers"][cheapest["offer"]]["usd_per_gpu_hour"]
            # the generated request id starts with its process' random prefix
            answers.append(
                (body["assumptions"]["pricing_version"], price, r.headers["x-request-id"][:16])
            )
    return answers


@pytest.mark.slow
def test_a_price_edit_reaches_every_worker_cache(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'tco.db'}"
    key = create_key(database, "w-editor", "editor")
    with (
        running_server(database, tmp_path / "server.log", shipped_data=True, workers=2) as server,
        httpx.Client(base_url=server.url, headers={"X-API-Key": key}, timeout=30) as client,
    ):
        created = client.post("/v1/pricing/tables", json={"name": "w", "offers": [AWS_H100]})
        assert created.status_code == 201, created.text
        time.sleep(LATEST_RECHECK_S * 2)
        before = _quotes(server.url)  # fills both workers' caches
        assert {(v, p) for v, p, _ in before} == {(1, AWS_H100["usd_per_gpu_hour"])}
        cheaper = {**AWS_H100, "usd_per_gpu_hour": 3.44}
        put = client.put(
            "/v1/pricing/tables/w", json={"offers": [cheaper]}, headers={"If-Match": '"w-v1"'}
        )
        assert put.status_code == 200, put.text
        time.sleep(LATEST_RECHECK_S * 2)
        after = _quotes(server.url)
        assert {(v, p) for v, p, _ in after} == {(2, 3.44)}
        workers = {w for *_, w in before + after}
        assert 1 <= len(workers) <= 2  # which worker accepts a connection is the kernel's choice
