"""POST /v1/runs with benchmark tools' files: the recipe as query parameters, refused naming
what is missing without it, a 422 listing the formats for an unknown shape, and the imported
points quoted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from tco.domain.quote_full import expanded
from tests.api.problems import problem

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tools"
VLLM = (FIXTURES / "nebius_h200_gptoss120b_vllm_tp8_conc16_isl1024_osl1024.json").read_bytes()
SGLANG = (FIXTURES / "datacrunch_h200_llama33_70b_online_output.jsonl").read_bytes()
RECIPE = {"model": "gpt-oss-120b", "hardware": "h200", "gpus": 8, "tp": 8, "framework": "vllm",
          "precision": "fp4", "spec_method": "none", "isl": 1024, "osl": 1024}  # fmt: skip


def post(client: TestClient[Any], key: str, body: bytes, ctype: str, **params: Any) -> Any:
    return client.post(
        "/v1/runs", content=body, params=params, headers={"X-API-Key": key, "content-type": ctype}
    )


def test_vllm_file_with_recipe_is_stored_and_quoted(
    client: TestClient[Any], editor_key: str
) -> None:
    response = post(client, editor_key, VLLM, "application/json", **RECIPE)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["format"] == "vllm_bench" and body["rows_added"] == 1
    assert any("median TPOT" in note for note in body["notes"])
    quote = client.get(
        "/v1/quotes", params={"model": "gpt-oss-120b", "isl": 1024, "osl": 1024, "targets": "60"}
    ).json()
    best = expanded(quote)["targets"][0]["cheapest"]
    assert best["hardware"] == "h200" and best["recipe"]["framework"] == "vllm"


def test_tool_file_without_recipe_names_the_missing_fields(
    client: TestClient[Any], editor_key: str
) -> None:
    response = post(client, editor_key, VLLM, "application/json")
    body = problem(response, 422)
    assert [e["field"] for e in body["errors"]] == [
        "hardware", "framework", "precision", "spec_method", "gpus", "tp"
    ]  # fmt: skip
    assert "query parameters" in body["detail"]


def test_sglang_jsonl_is_detected_and_becomes_a_curve(
    client: TestClient[Any], editor_key: str
) -> None:
    params = RECIPE | {"model": "llama-3.3-70b", "framework": "sglang", "precision": "bf16",
                       "date": "2024-12-14"}  # fmt: skip
    for ctype in ("application/jsonl", "application/json"):
        response = post(client, editor_key, SGLANG, ctype, **params)
        assert response.status_code in (200, 201), response.text
        assert response.json()["format"] == "sglang_bench"
        assert response.json()["rows"] == 7


def test_unknown_shape_gets_a_422_listing_the_formats(
    client: TestClient[Any], editor_key: str
) -> None:
    body = problem(post(client, editor_key, b'{"hello": "world"}', "application/json"), 422)
    for name in ("native_json", "inferencex_agg", "vllm_bench", "sglang_bench", "aiperf",
                 "guidellm", "llmperf"):  # fmt: skip
        assert name in body["detail"]
