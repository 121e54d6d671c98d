"""Importers against what the current tool versions write.

Always: the GuideLLM 0.8.1 report and the AIPerf 0.13.0 profile export in tests/fixtures/tools/
that the real tools wrote against tests/tools/mock_openai.py (the commands below), and both
tools run here again against that mock, each output imported (AIPerf's through POST /v1/runs).

Each tool runs from its own scratch venv (.venv-tools/<tool>, installed with --require-hashes
from requirements/tools-<tool>.lock, rebuilt only when the lock changes): guidellm pins click<8.5
and aiperf ruamel-yaml<0.19, where the dev lock has click 8.5.1 and ruamel-yaml 0.19.1. `make
test` builds both before the suite starts (AIPerf 1.2 GB, no torch, ~80 s from PyPI here;
GuideLLM 5.9 GB, ~110 s: torch is a hard dependency of guidellm 0.8.1 itself and of
transformers' `kernels`); run alone, the fixture builds them. Offline: the
tokenizer is a word-level one built locally (no hub), the server is the local mock on
127.0.0.1; aiperf gets the tokenizer's absolute path (its HF_HUB_OFFLINE mode looks local
paths up in the hub cache and fails).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from tco.api.app import create_app
from tco.app.live import service_from_store
from tco.ingest import Recipe, detect_format, parse
from tco.store import Role

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "tools" / "guidellm_0.8.1_mock_concurrent2_benchmarks.json"
LOCK = ROOT / "requirements" / "tools-guidellm.lock"
AIPERF_FIXTURE = (
    ROOT / "tests" / "fixtures" / "tools" / "aiperf_0.13.0_mock_c2_profile_export_aiperf.json"
)
RECIPE = Recipe(model="llama-3.3-70b", hardware="h200", gpus=8, tp=8, framework="vllm",
                precision="fp8", spec_method="none", isl=32, osl=16)  # fmt: skip
TOKENIZER_SCRIPT = """
import sys
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast
tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
tok.pre_tokenizer = pre_tokenizers.Whitespace()
tok.train_from_iterator([" ".join(f"w{i}" for i in range(500))], trainers.WordLevelTrainer(special_tokens=["[UNK]"]))
PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]").save_pretrained(sys.argv[1])
"""


def guidellm_command(bin_dir: Path, port: int, tokenizer: Path, output: Path) -> list[str]:
    """How the fixture was written (the model name is the local tokenizer's directory)."""
    return [
        str(bin_dir / "guidellm"), "run",
        "--backend", f"kind=openai_http,target=http://127.0.0.1:{port},model={tokenizer}",
        "--data", "kind=synthetic_text,prompt_tokens=32,output_tokens=16",
        "--profile", "kind=concurrent,streams=2",
        "--constraint", "kind=max_requests,count=8",
        "--output", f"kind=json,path={output}",
        "--disable-console-interactive",
    ]  # fmt: skip


def check_report(payload: bytes) -> None:
    assert detect_format(payload) == "guidellm"
    [point] = parse(payload, source="guidellm", recipe=RECIPE, today=None)
    metrics = json.loads(payload)["benchmarks"][0]["metrics"]
    assert point.conc == 2  # the concurrent strategy's streams
    assert point.tpot_s == metrics["time_per_output_token_ms"]["successful"]["median"] / 1000
    assert point.tput_per_gpu == metrics["tokens_per_second"]["successful"]["mean"] / 8
    assert point.ttft_p99_s == (
        metrics["time_to_first_token_ms"]["successful"]["percentiles"]["p99"] / 1000
    )


def test_the_report_guidellm_wrote_is_imported() -> None:
    check_report(FIXTURE.read_bytes())


def aiperf_command(bin_dir: Path, port: int, tokenizer: Path, artifacts: Path) -> list[str]:
    """How the AIPerf fixture was written."""
    return [
        str(bin_dir / "aiperf"), "profile", "--model", "mock-model",
        "--url", f"http://127.0.0.1:{port}", "--endpoint-type", "chat", "--streaming",
        "--tokenizer", str(tokenizer), "--concurrency", "2", "--request-count", "8",
        "--synthetic-input-tokens-mean", "32", "--output-tokens-mean", "16",
        "--artifact-dir", str(artifacts), "--no-gpu-telemetry", "--no-server-metrics",
    ]  # fmt: skip


def check_aiperf(payload: bytes) -> None:
    assert detect_format(payload) == "aiperf"
    [point] = parse(payload, source="aiperf", recipe=RECIPE)
    doc = json.loads(payload)
    assert point.conc == 2 and point.model_raw == "mock-model"
    assert point.tput_per_gpu == doc["total_token_throughput"]["avg"] / 8
    assert point.tpot_s == doc["inter_token_latency"]["p50"] / 1000
    assert point.ttft_p90_s == doc["time_to_first_token"]["p90"] / 1000


def test_the_export_aiperf_wrote_is_imported() -> None:
    check_aiperf(AIPERF_FIXTURE.read_bytes())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tool_venv(tool: str) -> Path:
    """The bin/ of a scratch venv with ``tool`` from its hash lock (built once per lock; the
    Makefile's .venv-tools/aiperf/.lock-installed rule builds the same one)."""
    given = os.environ.get(f"TCO_{tool.upper()}_BIN")  # a venv built from the same lock
    if given:
        return Path(given)
    lock = ROOT / "requirements" / f"tools-{tool}.lock"
    venv = ROOT / ".venv-tools" / tool
    stamp = venv / ".lock-installed"
    venv.parent.mkdir(exist_ok=True)
    # Two sessions on one checkout (a second pytest, make test) build it once, not over each other.
    with (venv.parent / f".{tool}.build-lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not stamp.exists() or stamp.read_text() != lock.read_text():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run(
                [str(venv / "bin" / "pip"), "install", "-q", "--require-hashes", "-r", str(lock)],
                check=True,
            )
            stamp.write_text(lock.read_text())
    return venv / "bin"


@pytest.fixture(scope="session")
def guidellm_bin() -> Path:
    return tool_venv("guidellm")


@pytest.fixture(scope="session")
def aiperf_bin() -> Path:
    return tool_venv("aiperf")


@pytest.fixture
def mock_server() -> Iterator[int]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tests.tools.mock_openai", str(port)], cwd=ROOT)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_guidellm_run_now_is_imported(guidellm_bin: Path, mock_server: int, tmp_path: Path) -> None:
    tokenizer = tmp_path / "tokenizer"
    subprocess.run(
        [str(guidellm_bin / "python"), "-c", TOKENIZER_SCRIPT, str(tokenizer)], check=True
    )
    output = tmp_path / "benchmarks.json"
    env = os.environ | {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    subprocess.run(
        guidellm_command(guidellm_bin, mock_server, tokenizer, output),
        check=True, env=env, timeout=300, capture_output=True,
    )  # fmt: skip
    check_report(output.read_bytes())


def test_aiperf_run_now_is_imported(aiperf_bin: Path, mock_server: int, tmp_path: Path) -> None:
    tokenizer = tmp_path / "tokenizer"
    subprocess.run([str(aiperf_bin / "python"), "-c", TOKENIZER_SCRIPT, str(tokenizer)], check=True)
    artifacts = tmp_path / "aiperf"
    subprocess.run(
        aiperf_command(aiperf_bin, mock_server, tokenizer, artifacts),
        check=True, timeout=300, capture_output=True,
    )  # fmt: skip
    export = (artifacts / "profile_export_aiperf.json").read_bytes()
    check_aiperf(export)
    # What it wrote, through the API an editor uploads with: stored as one point of the recipe.
    doc = json.loads(export)
    service = service_from_store(":memory:")
    key = service.tables.create_key("aiperf-e2e", Role.EDITOR, actor="tests")  # type: ignore[attr-defined]
    recipe = {f: getattr(RECIPE, f) for f in ("model", "hardware", "gpus", "tp", "framework",
              "precision", "spec_method", "isl", "osl")}  # fmt: skip
    with TestClient(create_app(service, service.tables)) as client:  # type: ignore[arg-type]
        upload = client.post(
            "/v1/runs", content=export, params=recipe,
            headers={"X-API-Key": key, "content-type": "application/json"},
        )  # fmt: skip
        assert upload.status_code == 201, upload.text
        assert upload.json()["format"] == "aiperf" and upload.json()["rows_added"] == 1
        points = client.get("/v1/points", params={"model": "llama-3.3-70b", "isl": 32, "osl": 16})
    [point] = points.json()["points"]
    assert point["model_raw"] == "mock-model" and point["conc"] == 2
    assert point["tput_per_gpu"] == doc["total_token_throughput"]["avg"] / 8
    assert point["tpot_s"] == doc["inter_token_latency"]["p50"] / 1000
    assert point["interactivity"] == pytest.approx(1000 / doc["inter_token_latency"]["p50"])
    assert point["ttft_p90_s"] == doc["time_to_first_token"]["p90"] / 1000
    # the mock's pacing, measured by the real tool: 16 tokens, ~5 ms apart, after ~20 ms
    assert doc["request_count"]["avg"] == 8
    assert 0.004 < point["tpot_s"] < 0.05 and 0.015 < point["ttft_s"] < 0.5
