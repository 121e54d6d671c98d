"""The same answers byte for byte on both backends: the reference case (POST /v1/compare of
shared/data/seed_article.md), quotes, curves and frontiers, before and after the same pricing
edit, from a service on SQLite and one on PostgreSQL (both seeded with the shipped data)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from tco.api.app import create_app
from tco.api.auth import AuthSettings
from tco.app.live import service_from_store
from tco.store import Role
from tests.api.pricing_support import AWS_H100
from tests.api.test_seed_article_http import REQUEST as SEED_ARTICLE

GETS = (
    "/v1/quotes?model=kimi-k2.5&isl=8192&osl=1024&targets=20,50&hardware=mi355x,b200",
    "/v1/quotes?model=dsr1&isl=8192&osl=1024&targets=20,50,100&top=5&demand_output_tokens_per_s=5000",
    "/v1/quotes?model=dsr1&isl=8192&osl=1024&targets=20&view=summary",
    "/v1/curves?model=dsr1&isl=8192&osl=1024",
    "/v1/frontiers?model=dsr1&isl=1024&osl=1024",
    "/v1/catalog",
)


@contextmanager
def _client(url: str) -> Iterator[tuple[TestClient[Any], str]]:
    service = service_from_store(url)
    key = service.store.create_key("editor", Role.EDITOR)
    app = create_app(service, service.store, auth=AuthSettings())
    try:
        with TestClient(app) as client:
            yield client, key
    finally:
        service.store.close()


def _answers(client: TestClient[Any]) -> list[tuple[int, bytes]]:
    answers = [(r.status_code, r.content) for r in (client.get(u) for u in GETS)]
    compared = client.post("/v1/compare", json=SEED_ARTICLE)
    return [*answers, (compared.status_code, compared.content)]


def test_both_backends_answer_byte_for_byte_alike(tmp_path: Path, postgres_url: str) -> None:
    results = []
    for url in (f"sqlite:///{tmp_path}/tco.db", postgres_url):
        with _client(url) as (client, key):
            before = _answers(client)
            table = client.get("/v1/quotes?model=dsr1&isl=8192&osl=1024&targets=20").json()
            name = table["assumptions"]["pricing_table"]
            version = table["assumptions"]["pricing_version"]
            edited = client.put(
                f"/v1/pricing/tables/{name}",
                json={"offers": [{**AWS_H100, "hardware": "b200", "usd_per_gpu_hour": 9.5}]},
                headers={"X-API-Key": key, "If-Match": f'"{name}-v{version}"'},
            )
            assert edited.status_code == 200, edited.text
            results.append((before, _answers(client)))
    assert all(status == 200 for status, _ in results[0][0] + results[0][1])
    assert results[0] == results[1]
    assert results[0][0] != results[0][1]  # the edit changed answers, alike on both
