"""The change log on the reference case: ingest the article's 2026-03-01 MI355X points, then its
2026-03-26 points (taken from the shipped data as tests/domain/test_seed_article.py does), and
GET /v1/changes / tco changes say what moved."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import polars as pl
import pytest
from litestar.testing import TestClient

from tco.api.app import create_app
from tco.api.auth import AuthSettings
from tco.app.live import LiveService, service_from_store
from tco.cli import main
from tco.domain.points import Point
from tco.ingest.shipped import load_shipped_points
from tco.store import RunResult, Store

MAR1, MAR26 = dt.date(2026, 3, 1), dt.date(2026, 3, 26)


def article_points(date: dt.date) -> list[Point]:
    pts = load_shipped_points().filter(
        (pl.col("model") == "kimi-k2.5")
        & (pl.col("hardware") == "mi355x")
        & (pl.col("framework") == "vllm")
        & (pl.col("date") == date)
    )
    return msgspec.convert(pts.to_dicts(), list[Point])


def ingest(store: Store, date: dt.date) -> RunResult:
    return store.add_run(
        article_points(date), source=f"article {date}", format="native_json", actor="t",
        request_id=None,
    )  # fmt: skip


@pytest.fixture
def live() -> Iterator[LiveService]:
    service = service_from_store(":memory:", shipped_data=False)
    ingest(service.store, MAR1)
    ingest(service.store, MAR26)
    service.refresh()
    yield service
    service.store.close()


@pytest.fixture
def client(live: LiveService) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(live, live.store, auth=AuthSettings())) as c:
        yield c


def test_the_reference_case_reads_naturally_in_the_change_log(client: TestClient[Any]) -> None:
    body = client.get("/v1/changes", params={"since": "0", "targets": "5,20,50,100"}).json()
    first, second = body["changes"]
    assert (first["generation"], second["generation"]) == (1, 2)
    assert first["arrived"]["new_hardware"] == ["mi355x"]
    assert [r["label"] for r in first["arrived"]["new_recipes"]] == ["vllm fp4 TP8 (8 GPUs)"]
    assert [r["label"] for r in second["arrived"]["new_recipes"]] == ["vllm fp4 TP4 (4 GPUs)"]
    assert (second["arrived"]["points"], second["arrived"]["first_date"]) == (7, "2026-03-26")
    moves = {m["label"]: m for m in second["frontiers"]}
    tp8 = moves["vllm fp4 TP8 (8 GPUs)"]
    assert (tp8["max_interactivity_before"], tp8["max_interactivity_after"]) == (6.6, 78.9)
    assert (tp8["max_tput_per_gpu_before"], tp8["max_tput_per_gpu_after"]) == (348.5, 1647.0)
    cheapest = {c["target_interactivity"]: c for c in second["cheapest"]}
    # 20 and 50 tok/s/user: out of vLLM 0.16's reach (6.6 max), reachable with 0.18
    assert cheapest[20.0]["before"] is None and cheapest[20.0]["after"]["hardware"] == "mi355x"
    assert cheapest[50.0]["after"] is not None and cheapest[50.0]["ratio"] is None
    assert 100.0 not in cheapest  # unreachable before and after
    # 5 tok/s/user: both reach it; the cost falls with the new run
    five = cheapest[5.0]
    assert five["before"]["label"] == "vllm fp4 TP8 (8 GPUs)"
    assert five["ratio"] == pytest.approx(
        five["after"]["usd_per_million_tokens"] / five["before"]["usd_per_million_tokens"]
    )
    assert five["ratio"] < 0.5
    assert body["dataset_version"] == client.get("/healthz").json()["dataset_version"]


def test_since_takes_a_version_a_generation_or_a_date(client: TestClient[Any]) -> None:
    everything = client.get("/v1/changes").json()
    after_first = everything["changes"][0]["dataset_version"]
    by_version = client.get("/v1/changes", params={"since": after_first}).json()
    by_generation = client.get("/v1/changes", params={"since": "1"}).json()
    assert [c["generation"] for c in by_version["changes"]] == [2]
    assert by_version["changes"] == by_generation["changes"]
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date().isoformat()
    assert client.get("/v1/changes", params={"since": tomorrow}).json()["changes"] == []
    assert len(client.get("/v1/changes", params={"since": "2020-01-01"}).json()["changes"]) == 2
    paged = client.get("/v1/changes", params={"limit": 1}).json()
    assert (len(paged["changes"]), paged["more"]) == (1, True)
    unknown = client.get("/v1/changes", params={"since": "ds-000000000000"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "since"


def test_the_change_log_comes_as_csv(client: TestClient[Any]) -> None:
    response = client.get("/v1/changes", params={"format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    kinds = [r["kind"] for r in rows]
    assert kinds.count("arrived") == 2 and "frontier" in kinds and "cheapest" in kinds
    tp8 = next(r for r in rows if r["kind"] == "frontier" and r["recipe"].endswith("TP8 (8 GPUs)") and r["generation"] == "2")  # fmt: skip
    assert (tp8["max_interactivity_tok_s_user_before"], tp8["max_interactivity_tok_s_user_after"]) == ("6.6", "78.9")  # fmt: skip


def test_cli_changes_prints_the_same_as_a_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'tco.db'}"
    service = service_from_store(db, shipped_data=False)
    ingest(service.store, MAR1)
    ingest(service.store, MAR26)
    service.store.close()
    assert main(["changes", "--since", "0", "--database", db, "--no-shipped-data"]) == 0
    out = capsys.readouterr().out
    assert (
        "frontier  kimi-k2.5 8192/1024  mi355x vllm fp4 TP8 (8 GPUs): max tok/s/user 6.6 -> 78.9, "
        "max tok/s/GPU 348.5 -> 1647" in out
    )
    assert "cheapest  kimi-k2.5 8192/1024 @ 20 tok/s/user: unreachable -> mi355x vllm fp4" in out
    assert main(["changes", "--database", db, "--no-shipped-data", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("dataset_version,generation,run_id,kind")


def test_a_new_run_extends_the_cached_change_log(
    client: TestClient[Any], live: LiveService
) -> None:
    assert len(client.get("/v1/changes").json()["changes"]) == 2
    ingest(live.store, dt.date(2026, 5, 20))  # the runner's INT4 points: a new recipe
    third = client.get("/v1/changes").json()["changes"][-1]
    assert third["generation"] == 3
    assert {r["label"] for r in third["arrived"]["new_recipes"]} == {"vllm int4 MTP TP8 (8 GPUs)"}
