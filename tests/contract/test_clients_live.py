"""The generated Python client (``make clients``) against the real server over a real socket.

``tco serve`` runs as a subprocess on a free loopback port with its own SQLite database; the
client is generated from the committed openapi/openapi.json and pip-installed from
``clients/python`` into a scratch folder (so an uninstallable package fails here), and the
tests import that installed copy. Expected values come from the
in-process service on the same shipped data, or from the reference article
(shared/data/seed_article.md), so a client or server that drifted from the contract fails here.
"""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import msgspec
import pytest

from tco.app.live import service_from_store
from tco.app.service import Service
from tco.domain.quote import QuoteRequest
from tco.domain.quote_full import compact
from tests.contract.clients import make_clients

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


@pytest.fixture(scope="module")
def tco_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package as ``pip install clients/python`` installs it (generated from the
    committed document; fast when up to date). No build isolation: setuptools comes from the
    lock, and the test needs no index."""
    clients = make_clients()
    site = tmp_path_factory.mktemp("client-site")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(site), str(clients / "python")],
        check=False, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (site / "tco_client" / "py.typed").is_file()
    assert any(site.glob("tco_client-*.dist-info"))
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(site))
        import tco_client

        assert Path(tco_client.__file__).is_relative_to(site)

        yield tco_client
    for name in [m for m in sys.modules if m == "tco_client" or m.startswith("tco_client.")]:
        del sys.modules[name]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("live")
    port = _free_port()
    url = f"http://{HOST}:{port}"
    command = [str(Path(sys.executable).parent / "tco"), "serve", "--host", HOST,
               "--port", str(port), "--database", f"sqlite:///{tmp}/tco.db"]  # fmt: skip
    with (tmp / "server.log").open("wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, (tmp / "server.log").read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "no 200 from /healthz within 30 s"
            time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        try:
            assert server.wait(timeout=15) == 0, (tmp / "server.log").read_text()
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()


@pytest.fixture(scope="module")
def service() -> Service:
    """The in-process service on the same shipped data and seeded prices as the server."""
    return service_from_store(":memory:")


@pytest.fixture
def client(tco_client: ModuleType, base_url: str) -> Iterator[Any]:
    with tco_client.Client(base_url=base_url, raise_on_unexpected_status=True) as c:
        yield c


def test_get_quote_matches_the_in_process_service(client: Any, service: Service) -> None:
    from tco_client.api.quotes import get_quote
    from tco_client.models import FullQuoteResponse

    response = get_quote.sync_detailed(
        client=client, model="dsr1", isl=8192, osl=1024, targets="50"
    )
    assert response.status_code == 200
    quote = response.parsed
    assert isinstance(quote, FullQuoteResponse)
    expected = service.quote(
        QuoteRequest(model="dsr1", isl=8192, osl=1024, targets=[50.0])
    ).targets[0]
    assert expected.cheapest is not None
    # options[0] is the cheapest; its recipe and offer are references into the answer's tables
    cheapest = quote.targets[0].options[0]
    recipe, offer = quote.recipes[cheapest.recipe], quote.offers[cheapest.offer]
    assert cheapest.hardware == expected.cheapest.hardware
    assert recipe.label == expected.cheapest.recipe.label
    assert offer.provider == expected.cheapest.offer.provider
    assert cheapest.usd_per_million_tokens == expected.cheapest.usd_per_million_tokens
    # The price follows from the answer's own numbers (total tokens, utilization 1).
    op = cheapest.operating_point
    assert cheapest.usd_per_million_tokens == pytest.approx(
        offer.usd_per_gpu_hour * 1e6 / (3600 * op.tput_per_gpu), rel=1e-12
    )
    assert op.interactivity >= 50
    top = [o.rank for o in quote.targets[0].options if o.rank > 0]
    assert top == list(range(1, len(expected.options) + 1))
    by_hardware = [
        quote.targets[0].options[i].hardware for i in quote.targets[0].cheapest_per_hardware
    ]
    assert by_hardware == [o.hardware for o in expected.cheapest_per_hardware]
    # The whole body is the in-process answer's one JSON encoding, in the sent form.
    assert response.content == msgspec.json.encode(
        compact(service.quote(QuoteRequest(model="dsr1", isl=8192, osl=1024, targets=[50.0])))
    )


def test_post_quote_answers_the_same_body_as_get(client: Any) -> None:
    from tco_client.api.quotes import create_quote, get_quote
    from tco_client.models import QuoteRequest as ClientQuoteRequest

    posted = create_quote.sync_detailed(
        client=client,
        body=ClientQuoteRequest(model="dsr1", isl=8192, osl=1024, targets=[20, 50, 100]),
    )
    got = get_quote.sync_detailed(
        client=client, model="dsr1", isl=8192, osl=1024, targets="20,50,100"
    )
    assert posted.status_code == got.status_code == 200
    assert posted.content == got.content
    assert [t.target_interactivity for t in posted.parsed.targets] == [20, 50, 100]


def test_compare_reproduces_the_reference_case(client: Any) -> None:
    """MI355X Kimi K2.5 TP8 vLLM, 2026-03-01 vs 2026-03-26 (shared/data/seed_article.md)."""
    from tco_client.api.benchmarks import compare_series
    from tco_client.models import CompareRequest, CompareResponse, SeriesSelector

    def series(date: dt.date) -> Any:
        return SeriesSelector(hardware="mi355x", framework="vllm", tp=8, date=date)

    response = compare_series.sync_detailed(
        client=client,
        body=CompareRequest(
            model="kimi-k2.5", isl=8192, osl=1024,
            baseline=series(dt.date(2026, 3, 1)), candidate=series(dt.date(2026, 3, 26)),
            at_concurrency=[4, 8, 16, 32, 64], at_throughput=[337, 380], extrapolate=True,
        ),
    )  # fmt: skip
    assert response.status_code == 200
    answer = response.parsed
    assert isinstance(answer, CompareResponse)
    matched = {
        r.conc: (
            r.baseline.interactivity,
            r.candidate.interactivity,
            round(r.interactivity_gain, 1),
        )
        for r in answer.at_concurrency
    }
    assert matched == {
        4: (6.6, 78.9, 12.0),
        8: (6.3, 60.8, 9.7),
        16: (6.1, 50.5, 8.3),
        32: (5.6, 36.4, 6.5),
        64: (5.0, 23.3, 4.7),
    }
    assert {r.baseline.method.value for r in answer.at_concurrency} == {"measured"}
    iso = {
        r.tput_per_gpu: (r.baseline.method.value, round(r.baseline.interactivity, 1),
                         r.candidate.method.value, round(r.candidate.interactivity, 1))
        for r in answer.at_throughput
    }  # fmt: skip
    assert iso == {
        337: ("interpolated", 5.0, "measured", 78.9),
        380: ("extrapolated", 4.9, "interpolated", 74.7),
    }
    assert round(answer.at_throughput[0].interactivity_gain, 1) == 15.6
    assert round(answer.at_throughput[0].baseline.conc) == 62
    assert answer.peak_throughput.baseline == 348.5


def test_catalog_names_the_dataset_the_server_serves(client: Any, service: Service) -> None:
    from tco_client.api.benchmarks import get_catalog
    from tco_client.api.ops import get_health

    catalog = get_catalog.sync(client=client)
    health = get_health.sync(client=client)
    assert catalog.dataset_version == health.dataset_version == service.index.dataset_version
    assert catalog.points == health.points == service.index.points.height
    models = {m.key: m for m in catalog.models}
    assert "8192/1024" in models["dsr1"].workloads
    assert "mi355x" in models["kimi-k2.5"].hardware
    assert {"mi355x", "b200", "gb200"} <= {h.key for h in catalog.hardware}


def test_points_are_typed_in_the_client(client: Any) -> None:
    """The reference case's Mar 26 MI355X vLLM TP8 point at conc 4 (78.9 tok/s/user), read as
    typed attributes: the page lists ServedPoint objects, not untyped dicts."""
    from tco_client.api.benchmarks import list_points
    from tco_client.models import ServedPoint

    page = list_points.sync(
        client=client, model="kimi-k2.5", isl=8192, osl=1024, hardware="mi355x", limit=1000
    )
    assert all(isinstance(p, ServedPoint) for p in page.points)
    point = next(
        p for p in page.points
        if p.date == dt.date(2026, 3, 26) and p.framework == "vllm" and p.tp == 8 and p.conc == 4
    )  # fmt: skip
    assert round(point.interactivity, 1) == 78.9
    assert point.gpus_per_replica == 8
    assert point.recipe_id.startswith("r-")


def test_unknown_model_is_a_problem_naming_the_field(client: Any) -> None:
    from tco_client.api.quotes import get_quote
    from tco_client.models import Problem

    response = get_quote.sync_detailed(
        client=client, model="no-such-model", isl=8192, osl=1024, targets="50"
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.parsed
    assert isinstance(problem, Problem)
    assert (problem.status, problem.field) == (422, "model")
    assert "no-such-model" in problem.detail


def test_if_none_match_with_the_etag_gets_304(tco_client: ModuleType, base_url: str) -> None:
    from tco_client.api.quotes import get_quote

    def client_sending(headers: dict[str, str]) -> Any:
        # One client per header set: the generated with_headers() mutates an open httpx client.
        # raise_on_unexpected_status: a 304 the contract did not declare would raise.
        return tco_client.Client(
            base_url=base_url, headers=headers, raise_on_unexpected_status=True
        )

    query = {"model": "dsr1", "isl": 8192, "osl": 1024, "targets": "20,50,100"}
    with client_sending({}) as plain:
        first = get_quote.sync_detailed(client=plain, **query)
    etag = first.headers["etag"]
    assert first.status_code == 200 and etag.startswith('"')
    with client_sending({"If-None-Match": etag}) as conditional:
        again = get_quote.sync_detailed(client=conditional, **query)
    assert (again.status_code, again.content, again.parsed) == (304, b"", None)
    assert again.headers["etag"] == etag
    with client_sending({"If-None-Match": '"stale"'}) as stale:
        assert get_quote.sync_detailed(client=stale, **query).status_code == 200
