"""Importers for benchmark tools' output files, on the real examples in tests/fixtures/tools/
(provenance in tests/fixtures/tools/README.md): detection without ?format=, the recipe they
need (refused, naming the missing fields, without it), per-GPU throughput from the file's
totals and the GPU count, interactivity from median TPOT, sweeps as one curve."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tco.ingest import ErrorLog, IngestError, Recipe, detect_format, parse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tools"
VLLM = (FIXTURES / "nebius_h200_gptoss120b_vllm_tp8_conc16_isl1024_osl1024.json").read_bytes()
SGLANG = (FIXTURES / "datacrunch_h200_llama33_70b_online_output.jsonl").read_bytes()
AIPERF = (
    FIXTURES / "anud18_rtx5090_qwen36-35b-a3b-nvfp4_vllm_chatbot_c16_profile_export_aiperf.json"
).read_bytes()
LLMPERF = (FIXTURES / "together_70b_summary.json").read_bytes()
GUIDELLM = (FIXTURES / "guidellm_schema_example_benchmarks.json").read_bytes()
TODAY = dt.date(2026, 12, 1)

H200_TP8 = Recipe(hardware="h200", gpus=8, tp=8, framework="vllm", precision="fp8",
                  spec_method="none")  # fmt: skip


@pytest.mark.parametrize(
    ("payload", "name"),
    [(VLLM, "vllm_bench"), (SGLANG, "sglang_bench"), (AIPERF, "aiperf"), (LLMPERF, "llmperf"),
     (GUIDELLM, "guidellm")],
)  # fmt: skip
def test_every_tool_format_is_detected_without_format(payload: bytes, name: str) -> None:
    assert detect_format(payload) == name
    assert detect_format(payload, "application/json") == name


def test_unknown_shape_lists_every_format() -> None:
    with pytest.raises(IngestError) as caught:
        detect_format(b'{"hello": 1}')
    reason = caught.value.errors[0].reason
    for name in ("native_json", "inferencex_api", "vllm_bench", "sglang_bench", "aiperf",
                 "guidellm", "llmperf"):  # fmt: skip
        assert name in reason


def test_without_a_recipe_the_upload_is_refused_naming_what_is_missing() -> None:
    with pytest.raises(IngestError) as caught:
        parse(VLLM, source="t", today=TODAY)
    fields = [e.field for e in caught.value.errors]
    assert fields == ["hardware", "framework", "precision", "spec_method", "gpus", "tp"]
    assert "query parameters" in caught.value.errors[0].reason
    # the vLLM file has a date but no fixed lengths: model and date come from the file
    with pytest.raises(IngestError) as caught:
        parse(SGLANG, source="t", today=TODAY, recipe=Recipe(hardware="h200"))
    assert "date" in [e.field for e in caught.value.errors]
    assert "model" in [e.field for e in caught.value.errors]


def test_vllm_bench_serve_real_file() -> None:
    log = ErrorLog()
    [point] = parse(
        VLLM, source="t", today=TODAY, log=log,
        recipe=Recipe(model="gpt-oss-120b", hardware="h200", gpus=8, tp=8, framework="vllm",
                      precision="fp4", spec_method="none", isl=1024, osl=1024),
    )  # fmt: skip
    doc = json.loads(VLLM)
    assert point.model == "gpt-oss-120b" and point.model_raw == "/home/models/openai--gpt-oss-120b"
    assert point.date == dt.date(2026, 6, 11)  # from the file's "date": "20260611-060111"
    assert point.conc == 16 and (point.isl, point.osl) == (1024, 1024)
    assert point.tput_per_gpu == doc["total_token_throughput"] / 8
    assert point.output_tput_per_gpu == doc["output_throughput"] / 8
    assert point.interactivity == pytest.approx(1000 / doc["median_tpot_ms"])
    assert point.tpot_s == doc["median_tpot_ms"] / 1000
    assert point.ttft_s == doc["median_ttft_ms"] / 1000
    assert point.ttft_p90_s == doc["p90_ttft_ms"] / 1000
    assert point.ttft_p99_s == doc["p99_ttft_ms"] / 1000
    assert any("median TPOT" in n for n in log.notes)


def test_vllm_mean_tpot_statistic_on_request() -> None:
    [point] = parse(
        VLLM, source="t", today=TODAY,
        recipe=Recipe(model="gpt-oss-120b", hardware="h200", gpus=8, tp=8, framework="vllm",
                      precision="fp4", spec_method="none", isl=1024, osl=1024,
                      tpot_statistic="mean"),
    )  # fmt: skip
    assert point.tpot_s == json.loads(VLLM)["mean_tpot_ms"] / 1000


def test_vllm_without_lengths_asks_for_isl_osl() -> None:
    with pytest.raises(IngestError) as caught:
        parse(VLLM, source="t", today=TODAY,
              recipe=Recipe(model="gpt-oss-120b", hardware="h200", gpus=8, tp=8,
                            framework="vllm", precision="fp4", spec_method="none"))  # fmt: skip
    assert caught.value.errors[0].field == "isl"


def test_sglang_jsonl_sweep_is_one_curve() -> None:
    log = ErrorLog()
    points = parse(
        SGLANG, source="t", today=TODAY, log=log, date=dt.date(2024, 12, 14),
        recipe=Recipe(model="llama-3.3-70b", hardware="h200", gpus=8, tp=8,
                      framework="sglang", precision="bf16", spec_method="none",
                      isl=1024, osl=1024),
    )  # fmt: skip
    lines = [json.loads(line) for line in SGLANG.splitlines()]
    assert len(points) == len(lines) == 7
    first, line = points[0], lines[0]
    # request-rate sweep: conc is the measured mean concurrency, as bench_serving defines it
    assert first.conc == round(
        line["completed"] * line["mean_e2e_latency_ms"] / 1000 / line["duration"]
    )
    assert first.tput_per_gpu == pytest.approx(
        (line["total_input_tokens"] / line["duration"] + line["output_throughput"]) / 8
    )
    assert first.interactivity == pytest.approx(1000 / line["median_itl_ms"])
    assert {(p.isl, p.osl) for p in points} == {(1024, 1024)}
    assert any("ITL" in n for n in log.notes) and any(
        "measured mean concurrency" in n for n in log.notes
    )


def test_aiperf_real_file() -> None:
    [point] = parse(
        AIPERF, source="t", today=TODAY,
        recipe=Recipe(hardware="rtx5090", gpus=1, tp=1, framework="vllm", precision="fp4",
                      spec_method="none", isl=1024, osl=1024),
    )  # fmt: skip
    doc = json.loads(AIPERF)
    assert point.model == "qwen3.6-35b-a3b"  # the served name qwen3.6-nvfp4 is an alias
    assert point.conc == 16 and point.date == dt.date(2026, 7, 3)
    assert point.tput_per_gpu == doc["total_token_throughput"]["avg"]
    assert point.tpot_s == doc["inter_token_latency"]["p50"] / 1000
    assert point.ttft_p99_s == doc["time_to_first_token"]["p99"] / 1000


def test_llmperf_real_summary() -> None:
    [point] = parse(
        LLMPERF, source="t", today=TODAY,
        recipe=Recipe(model="llama-2-70b", hardware="h100", gpus=8, tp=8, framework="vllm",
                      precision="bf16", spec_method="unknown"),
    )  # fmt: skip
    doc = json.loads(LLMPERF)
    assert (point.isl, point.osl, point.conc) == (550, 150, 5)
    assert point.date == dt.date(2023, 12, 19)
    assert point.output_tput_per_gpu == doc["results_mean_output_throughput_token_per_s"] / 8
    assert point.tpot_s == doc["results_inter_token_latency_s_quantiles_p50"]


def test_guidellm_benchmarks_become_one_curve() -> None:
    points = parse(
        GUIDELLM, source="t", today=TODAY,
        recipe=Recipe(model="llama-3.3-70b", hardware="h200", gpus=8, tp=8, framework="vllm",
                      precision="fp8", spec_method="none", isl=1024, osl=1024),
    )  # fmt: skip
    assert [p.conc for p in points] == [1, 4]
    assert points[1].tpot_s == 0.025


def test_disaggregated_recipe_divides_pools_like_inferencex() -> None:
    [point] = parse(
        VLLM, source="t", today=TODAY,
        recipe=Recipe(model="gpt-oss-120b", hardware="h200", prefill_gpus=2, decode_gpus=6,
                      prefill_tp=2, decode_tp=6, framework="vllm", precision="fp4",
                      spec_method="none", isl=1024, osl=1024),
    )  # fmt: skip
    doc = json.loads(VLLM)
    assert point.disagg and (point.num_prefill_gpu, point.num_decode_gpu) == (2, 6)
    assert point.tput_per_gpu == doc["total_token_throughput"] / 8
    assert point.output_tput_per_gpu == doc["output_throughput"] / 6


def test_a_recipe_for_a_format_that_has_its_own_is_refused() -> None:
    native = (
        Path(__file__).resolve().parents[1] / "fixtures" / "ingest" / "native_points.json"
    ).read_bytes()
    with pytest.raises(IngestError) as caught:
        parse(native, source="t", recipe=H200_TP8)
    assert caught.value.errors[0].field == "recipe"
