"""The open catalog through the API: a new model and a new accelerator are added (with sources,
unknown values absent), a run referencing them is accepted, and they are quoted; If-Match,
history and the dataset version behave as for pricing tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from tco.domain.quote_full import expanded
from tests.api.problems import problem

VLLM = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "tools"
    / "nebius_h200_gptoss120b_vllm_tp8_conc16_isl1024_osl1024.json"
).read_bytes()
MODEL = {"key": "llama-4-maverick", "display_name": "Llama 4 Maverick",
         "aliases": ["meta-llama/Llama-4-Maverick-17B-128E-Instruct"],
         "source": "https://huggingface.co/meta-llama/Llama-4-Maverick-17B-128E-Instruct"}  # fmt: skip
ACCELERATOR = {"key": "acme-x1", "display_name": "Acme X1", "vendor": "Acme",
               "source": "Acme X1 datasheet rev B", "memory_gb": 144,
               "memory_source": "Acme X1 datasheet rev B, p. 2"}  # fmt: skip
RECIPE = {"hardware": "acme-x1", "gpus": 8, "tp": 8, "framework": "vllm", "precision": "fp8",
          "spec_method": "none", "isl": 1024, "osl": 1024}  # fmt: skip


def run(client: TestClient[Any], key: str, model: str, hardware: str) -> Any:
    return client.post(
        "/v1/runs",
        content=VLLM,
        params=RECIPE | {"model": model, "hardware": hardware},
        headers={"X-API-Key": key, "content-type": "application/json"},
    )


def test_new_model_and_accelerator_added_through_the_api_and_quoted(
    client: TestClient[Any], editor_key: str
) -> None:
    auth = {"X-API-Key": editor_key}
    refused = problem(run(client, editor_key, "llama-4-maverick", "h200"), 422)
    assert "unknown model 'llama-4-maverick'" in refused["detail"]
    assert "POST /v1/catalog/models" in refused["detail"]  # says how to add it
    before = client.get("/healthz").json()["dataset_version"]

    created = client.post("/v1/catalog/models", json=MODEL, headers=auth)
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"models-llama-4-maverick-v1"'
    assert created.json()["dataset_version"] != before  # a catalog edit is a dataset change
    hw = client.post("/v1/catalog/hardware", json=ACCELERATOR, headers=auth)
    assert hw.status_code == 201, hw.text

    stored = run(client, editor_key, "meta-llama/Llama-4-Maverick-17B-128E-Instruct", "acme-x1")
    assert stored.status_code == 201, stored.text
    body = {"model": "llama-4-maverick", "isl": 1024, "osl": 1024, "targets": [50],
            "price_overrides": {"acme-x1": 2.5},
            "demand": {"kind": "output_tokens_per_s", "value": 5000}}  # fmt: skip
    response = client.post("/v1/quotes", json=body)
    assert response.status_code == 200, response.text
    best = expanded(response.json())["targets"][0]["cheapest"]
    assert best["hardware"] == "acme-x1" and best["offer"]["usd_per_gpu_hour"] == 2.5
    capacity = best["capacity"]
    assert capacity["gpus"] % 8 == 0
    assert capacity["nodes"] is None and capacity["all_in_kw"] is None  # not given: not assumed
    assert any("no sourced GPUs per node for Acme X1" in n for n in capacity["notes"])
    hardware = {h["key"]: h for h in client.get("/v1/catalog").json()["hardware"]}
    assert hardware["acme-x1"]["memory_gb"] == 144


def test_put_needs_if_match_and_keeps_history(client: TestClient[Any], editor_key: str) -> None:
    auth = {"X-API-Key": editor_key}
    entry = ACCELERATOR | {"key": "acme-x2", "display_name": "Acme X2"}
    assert client.post("/v1/catalog/hardware", json=entry, headers=auth).status_code == 201
    assert problem(client.post("/v1/catalog/hardware", json=entry, headers=auth), 409)
    changed = entry | {"all_in_kw_per_gpu": 1.1, "all_in_kw_source": "Acme sizing guide",
                       "all_in_kw_source_date": "2026-10-01"}  # fmt: skip
    url = "/v1/catalog/hardware/acme-x2"
    problem(client.put(url, json=changed, headers=auth), 428)
    ok = client.put(url, json=changed, headers=auth | {"If-Match": '"hardware-acme-x2-v1"'})
    assert ok.status_code == 200, ok.text
    assert ok.headers["etag"] == '"hardware-acme-x2-v2"'
    problem(
        client.put(url, json=changed, headers=auth | {"If-Match": '"hardware-acme-x2-v1"'}), 412
    )
    history = client.get(f"{url}/versions").json()
    assert [v["version"] for v in history] == [2, 1]
    assert "all_in_kw_per_gpu" in history[0]["changed"]
    assert client.get(url, params={"version": 1}).json()["entry"].get("all_in_kw_per_gpu") is None
    listed = {i["key"]: i for i in client.get("/v1/catalog/hardware").json()}
    assert listed["h100"]["shipped"] and listed["acme-x2"]["version"] == 2


def test_a_value_without_its_source_is_refused(client: TestClient[Any], editor_key: str) -> None:
    entry = {"key": "acme-x3", "display_name": "Acme X3", "source": "datasheet",
             "all_in_kw_per_gpu": 1.0}  # fmt: skip
    body = problem(
        client.post("/v1/catalog/hardware", json=entry, headers={"X-API-Key": editor_key}), 422
    )
    assert body["field"] == "all_in_kw_per_gpu"
    shipped = {"key": "h100", "display_name": "again", "source": "x"}
    problem(
        client.post("/v1/catalog/hardware", json=shipped, headers={"X-API-Key": editor_key}), 409
    )


def test_hardware_added_through_the_catalog_can_be_priced_and_quoted(
    client: TestClient[Any], editor_key: str
) -> None:
    auth = {"X-API-Key": editor_key}
    accelerator = ACCELERATOR | {"key": "acme-x4", "display_name": "Acme X4"}
    # a test table's own price (nothing shipped): the offer is what the quote must echo
    offer = {"hardware": "acme-x4", "provider": "Acme Cloud", "kind": "on_demand",
             "usd_per_gpu_hour": 3.1, "source": "Acme Cloud price list (test input)"}  # fmt: skip
    table = {"name": "acme-prices", "offers": [offer]}
    refused = problem(client.post("/v1/pricing/tables", json=table, headers=auth), 422)
    assert refused["field"] == "offers[0].hardware"
    assert "unknown hardware 'acme-x4' (known: b200," in refused["detail"]
    assert "add it with POST /v1/catalog/hardware" in refused["detail"]
    assert client.get("/v1/pricing/tables/acme-prices").status_code == 404  # nothing stored

    assert client.post("/v1/catalog/hardware", json=accelerator, headers=auth).status_code == 201
    stored = run(client, editor_key, "gpt-oss-120b", "acme-x4")
    assert stored.status_code == 201, stored.text
    created = client.post("/v1/pricing/tables", json=table, headers=auth)
    assert created.status_code == 201, created.text
    assert created.json()["offers"][0]["hardware"] == "acme-x4"

    params = {"model": "gpt-oss-120b", "isl": 1024, "osl": 1024, "targets": "50",
              "pricing": "acme-prices"}  # fmt: skip
    response = client.get("/v1/quotes", params=params)
    assert response.status_code == 200, response.text
    answer = expanded(response.json())
    assert answer["assumptions"]["pricing_table"] == "acme-prices"
    best = answer["targets"][0]["cheapest"]
    assert best["hardware"] == "acme-x4"
    assert best["offer"]["provider"] == "Acme Cloud" and best["offer"]["usd_per_gpu_hour"] == 3.1
    # the table, read as CSV and written back with PUT, keeps the added hardware
    csv = client.get("/v1/pricing/tables/acme-prices", headers={"Accept": "text/csv"})
    replaced = client.put(
        "/v1/pricing/tables/acme-prices",
        content=csv.content,
        headers=auth | {"If-Match": '"acme-prices-v1"', "content-type": "text/csv"},
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.headers["etag"] == '"acme-prices-v2"'
