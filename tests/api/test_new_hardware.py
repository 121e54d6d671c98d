"""The shipped points on hardware and models that tco did not know (benchmarks/new_hardware/):
TPU v7 Ironwood with Qwen3.5-397B, Intel Gaudi 3 with GLM-4.7, MiniMax M3 on B200/H200, quoted
with their sources through the API; curves and the widget's GET quote work for them."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tco.domain.quote_full import expanded

APP = "SemiAnalysisAI/InferenceX-app"


def get(client: TestClient[Any], path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return expanded(response.json())


def test_tpu_v7_is_quoted_per_chip_with_its_source(client: TestClient[Any]) -> None:
    body = {"model": "qwen3.5-397b-a17b", "isl": 8192, "osl": 1024, "targets": [20],
            "hardware": ["tpuv7"], "demand": {"kind": "output_tokens_per_s", "value": 10000}}  # fmt: skip
    response = client.post("/v1/quotes", json=body)
    assert response.status_code == 200, response.text
    best = expanded(response.json())["targets"][0]["cheapest"]
    assert best["hardware"] == "tpuv7"
    # one accelerator = one chip: 4 chips per replica although TP is 8 TensorCore devices
    assert best["recipe"]["gpus_per_replica"] == 4
    assert best["offer"]["usd_per_gpu_hour"] == 1.21 and best["offer"]["status"] == "published"
    knots = best["operating_point"]["knots"]
    assert all(k["source"].startswith(f"{APP} packages/app/src/lib/tpuv7") for k in knots)
    assert any(c.startswith("stand-in date: 2026-09-07") for c in best["caveats"])
    assert best["capacity"]["gpus"] % 4 == 0 and best["capacity"]["nodes"] is not None


def test_tpu_v7_throughput_per_chip_is_the_posts(client: TestClient[Any]) -> None:
    points = get(client, "/v1/points", model="qwen3.5-397b-a17b", hardware="tpuv7", limit=50)
    items = points["points"]
    at256 = [p for p in items if p["conc"] == 256]
    assert len(at256) == 1 and round(at256[0]["tput_per_gpu"], 1) == 9363.8  # "9,364 ... /chip"
    assert at256[0]["num_gpu"] == 4 and at256[0]["date_stand_in"] is True


def test_gaudi3_glm47_is_quoted_at_a_given_price_and_says_what_is_unknown(
    client: TestClient[Any],
) -> None:
    # no sourced Gaudi 3 price is shipped: the buyer gives theirs, and the answer echoes it
    body = {"model": "glm-4.7", "isl": 1024, "osl": 1024, "targets": [15],
            "price_overrides": {"gaudi3": 2.0},
            "demand": {"kind": "output_tokens_per_s", "value": 500}}  # fmt: skip
    response = client.post("/v1/quotes", json=body)
    assert response.status_code == 200, response.text
    answer = expanded(response.json())
    assert answer["assumptions"]["price_overrides"] == {"gaudi3": 2.0}
    best = answer["targets"][0]["cheapest"]
    assert best["hardware"] == "gaudi3" and best["recipe"]["gpus_per_replica"] == 8
    assert best["operating_point"]["knots"][0]["source"] == (
        f"{APP} glm-4.7/results/glm47_gaudi3_summary.json @ 806f0013"
    )
    capacity = best["capacity"]
    assert capacity["nodes"] is None and capacity["all_in_kw"] is None  # not sourced: not assumed
    assert any("no sourced GPUs per node" in n for n in capacity["notes"])
    assert any("no sourced all-in kW" in n for n in capacity["notes"])


def test_minimax_m3_on_h200_and_b200(client: TestClient[Any]) -> None:
    answer = get(client, "/v1/quotes", model="minimax-m3", isl=8192, osl=1024, targets="30")
    hardware = {o["hardware"] for o in answer["targets"][0]["options"]}
    assert hardware == {"h200", "b200"}
    for o in answer["targets"][0]["options"]:
        assert (
            "minimax-m3-vllm-fp8-h200-vs-b200-low-concurrency.mdx"
            in (o["operating_point"]["knots"][0]["source"])
        )
    curves = get(client, "/v1/curves", model="minimax-m3", isl=1024, osl=1024)
    assert curves  # the widget's curves endpoint answers for the new model
    catalog = get(client, "/v1/catalog")
    models = {m["key"] for m in catalog["models"]}
    assert {"minimax-m3", "glm-4.7", "qwen3.5-397b-a17b"} <= models
