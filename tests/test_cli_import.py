"""``tco import``: each file one atomic run, re-import a no-op, bad files rejected whole, and
``--no-shipped-data`` serving exactly what was imported."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tco.app.live import service_from_store
from tco.cli import main
from tco.store import open_store

ROOT = Path(__file__).resolve().parents[1]
API_FILE = ROOT / "benchmarks" / "inferencex_api_dsr1_latest.json"
AGG_FILES = sorted((ROOT / "benchmarks" / "inferencex_runner_agg").glob("agg_*.json"))


def stored_runs(url: str) -> list[tuple[str, int]]:
    with open_store(url) as store:
        return [(r.source, r.row_count) for r in store.list_runs()]


def test_import_is_atomic_per_file_and_idempotent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'tco.db'}"
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(API_FILE.read_bytes()[:4000])
    assert main(["import", str(API_FILE), str(truncated), "--database", url]) == 1
    out, err = capsys.readouterr()
    assert f"{API_FILE}: inferencex_api, 435 rows: 435 added, 0 already stored, 8 warning(s); run run_" in out  # fmt: skip
    assert f"{truncated}: rejected, nothing stored: 1 error(s)\n  file payload: invalid JSON" in err
    assert "  warning: row 150 num_decode_gpu [disagg_gpus]: 36 prefill + 36 decode GPUs" in err
    assert stored_runs(url) == [(str(API_FILE), 435)]

    assert main(["import", str(API_FILE), "--database", url]) == 0
    assert "435 rows: 0 added, 435 already stored, 8 warning(s); no new run" in capsys.readouterr().out  # fmt: skip
    assert main(["import", *map(str, AGG_FILES), "--date", "2026-05-20", "--database", url]) == 0
    assert capsys.readouterr().out.count("inferencex_agg, 1 rows: 1 added") == 3
    assert len(stored_runs(url)) == 4

    only_imported = service_from_store(url, shipped_data=False)
    try:
        assert only_imported.index.points.height == 438
        assert only_imported.catalog().models[0].key == "dsr1"
    finally:
        only_imported.store.close()


def test_strict_rejects_what_the_default_only_warns_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'tco.db'}"
    assert main(["import", str(API_FILE), "--strict", "--database", url]) == 1
    err = capsys.readouterr().err
    assert "rejected, nothing stored: 8 error(s)" in err
    assert "  row 150 num_decode_gpu: 36 prefill + 36 decode GPUs contradict" in err
    assert stored_runs(url) == []
    agg = str(AGG_FILES[0])
    assert main(["import", agg, "--database", url]) == 1  # runner files need --date
    assert "row 0 date: runner files carry no date: pass date=" in capsys.readouterr().err


def test_a_future_date_is_refused_even_with_no_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'tco.db'}"
    agg = str(AGG_FILES[0])
    assert main(["import", agg, "--date", "2099-01-01", "--no-strict", "--database", url]) == 1
    assert "row 0 date: 2099-01-01 is in the future (today is " in capsys.readouterr().err
    assert stored_runs(url) == []


@pytest.mark.parametrize("forced", [[], ["--format", "native_json"]], ids=["detected", "forced"])
def test_json_nested_1000_deep_is_rejected_not_a_recursion_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], forced: list[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'tco.db'}"
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 1000 + b"]" * 1000)
    assert main(["import", str(deep), *forced, "--database", url]) == 1
    assert "  file payload: JSON nested deeper than 64 levels" in capsys.readouterr().err
    assert stored_runs(url) == []


def test_large_files_report_progress_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = json.loads(API_FILE.read_bytes())
    earlier = [r | {"date": (dt.date.fromisoformat(r["date"]) - dt.timedelta(days=1)).isoformat()} for r in rows]  # fmt: skip
    big = tmp_path / "big.json"
    big.write_text(json.dumps(rows + earlier))
    assert big.stat().st_size > 1_000_000
    assert main(["import", str(big), "--database", f"sqlite:///{tmp_path / 'tco.db'}"]) == 0
    out, err = capsys.readouterr()
    assert err.startswith(f"{big}  parsing...\n{big}  storing...\n")  # not a terminal: lines
    assert "870 rows: 870 added" in out


def test_serve_without_shipped_data_by_flag_or_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    shipped: list[bool] = []
    monkeypatch.setattr("tco.api.server.serve", lambda **kw: shipped.append(kw["shipped_data"]) or 0)  # fmt: skip
    monkeypatch.delenv("TCO_SHIPPED_DATA", raising=False)
    assert main(["serve"]) == main(["serve", "--no-shipped-data"]) == 0
    monkeypatch.setenv("TCO_SHIPPED_DATA", "0")
    assert main(["serve"]) == 0
    assert shipped == [True, False, False]


def test_import_of_a_tool_file_takes_its_recipe_sidecar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'tco.db'}"
    source = ROOT / "tests" / "fixtures" / "tools" / "together_70b_summary.json"
    copy = tmp_path / "summary.json"
    copy.write_bytes(source.read_bytes())
    assert main(["import", str(copy), "--database", url]) == 1
    assert "hardware: missing from the recipe" in capsys.readouterr().err
    recipe = {"model": "llama-2-70b", "hardware": "h100", "gpus": 8, "tp": 8,
              "framework": "vllm", "precision": "bf16", "spec_method": "unknown"}  # fmt: skip
    (tmp_path / "summary.json.recipe.json").write_text(json.dumps(recipe))
    assert main(["import", str(copy), "--database", url]) == 0
    out, err = capsys.readouterr()
    assert "llmperf, 1 rows: 1 added" in out and "note: interactivity = 1 / median TPOT" in err


def test_catalog_add_hardware_then_import_a_run_on_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'tco.db'}"
    args = ["catalog", "add-hardware", "--key", "acme-cli1", "--display-name", "Acme CLI1",
            "--source", "Acme datasheet", "--memory-gb", "96", "--database", url]  # fmt: skip
    assert main(args) == 2  # memory without its source
    assert "memory_gb given without its source" in capsys.readouterr().err
    assert main([*args[:-2], "--memory-source", "Acme datasheet p.1", "--database", url]) == 0
    assert "added hardware 'acme-cli1' (version 1)" in capsys.readouterr().out
    assert main(["catalog", "list", "--database", url]) == 0
    assert "hardware\tacme-cli1\tv1\tcli" in capsys.readouterr().out
    tool = ROOT / "tests" / "fixtures" / "tools" / "together_70b_summary.json"
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({"model": "llama-2-70b", "hardware": "acme-cli1", "gpus": 4,
                                  "tp": 4, "framework": "vllm", "precision": "bf16",
                                  "spec_method": "unknown"}))  # fmt: skip
    assert main(["import", str(tool), "--recipe", str(recipe), "--database", url]) == 0
    assert "llmperf, 1 rows: 1 added" in capsys.readouterr().out
