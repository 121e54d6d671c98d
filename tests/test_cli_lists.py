"""``tco models | hardware | tables | points | gpu-hour``: readable tables with units in the
headers, JSON equal to the HTTP answer's body, CSV at full precision, help on every flag."""

from __future__ import annotations

import argparse
import csv
import io

import msgspec
import pytest
from litestar.testing import TestClient

from tco.api.app import create_app
from tco.api.auth import AuthSettings
from tco.app.live import service_from_store
from tco.app.service import PointsQuery, shipped_service
from tco.cli import main
from tco.cli_lists import LIST_COMMANDS, add_list_commands

GPU_HOUR = {
    "capex_usd_per_server": 310000, "gpus_per_server": 8, "lifetime_years": 4,
    "all_in_kw_per_gpu": 1.37, "pue": 1.58, "usd_per_kwh": 0.0806,
    "colocation_usd_per_kw_month": 184.06,
}  # fmt: skip
GPU_HOUR_ARGS = [
    "gpu-hour",
    *(a for k, v in GPU_HOUR.items() for a in (f"--{k.replace('_', '-')}", str(v))),
]


def run(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    assert main(args) == 0
    return capsys.readouterr().out


def test_every_flag_of_the_listing_commands_has_help() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    add_list_commands(sub)
    for name, command in sub.choices.items():
        assert name in LIST_COMMANDS
        assert command.description or any(a.dest == name for a in sub._choices_actions)
        missing = [a.dest for a in command._actions if a.dest != "help" and not a.help]
        assert missing == [], name


def test_models_table_has_units_and_json_is_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, ["models"])
    header = out.splitlines()[0]
    assert "workloads (isl/osl tokens)" in header and "points" in header
    assert any(line.startswith("kimi-k2.5 ") and "8192/1024" in line for line in out.splitlines())
    expected = msgspec.json.encode(shipped_service().catalog().models)
    assert run(capsys, ["models", "--format", "json"]).encode() == expected + b"\n"


def test_hardware_rounds_for_people_and_csv_keeps_precision(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = run(capsys, ["hardware"])
    assert "memory GB" in out and "all-in kW/GPU" in out
    rows = list(csv.DictReader(io.StringIO(run(capsys, ["hardware", "--format", "csv"]))))
    catalog = {h.key: h for h in shipped_service().catalog().hardware}
    assert {r["hardware"] for r in rows} == set(catalog)
    for r in rows:
        kw = catalog[r["hardware"]].all_in_kw_per_gpu
        assert r["all_in_kw_per_gpu"] == ("" if kw is None else str(kw))


def test_tables_lists_every_table_and_one_tables_offers(capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(run(capsys, ["tables", "--format", "csv"]))))
    assert "cloud-public-2026" in {r["table"] for r in rows}
    out = run(capsys, ["tables", "cloud-public-2026"])
    assert out.startswith("cloud-public-2026 v1: 65 offers")
    assert "$/GPU-hour" in out.splitlines()[1]
    offers = run(capsys, ["tables", "cloud-public-2026", "--format", "csv"])
    assert len(list(csv.DictReader(io.StringIO(offers)))) == 65


def test_points_json_is_the_points_page(capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "points",
        "--model",
        "kimi-k2.5",
        "--isl",
        "8192",
        "--osl",
        "1024",
        "--hardware",
        "mi355x",
    ]
    out = run(capsys, [*args, "--limit", "5"])
    assert "tok/s/GPU" in out.splitlines()[0] and "tok/s/user" in out.splitlines()[0]
    assert "5 of 14 points" in out
    page = shipped_service().points(
        PointsQuery(model="kimi-k2.5", isl=8192, osl=1024, hardware="mi355x", limit=5)
    )
    assert run(capsys, [*args, "--limit", "5", "--format", "json"]).encode() == (
        msgspec.json.encode(page) + b"\n"
    )


def test_gpu_hour_is_the_http_answer(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, GPU_HOUR_ARGS)
    assert out.startswith("owned cost $1.6258 per GPU-hour")
    assert "capital     $1.1059/GPU-h" in out
    service = service_from_store(":memory:")
    try:
        with TestClient(create_app(service, service.tables, auth=AuthSettings())) as client:  # type: ignore[arg-type]
            http = client.post("/v1/tco/gpu-hour", json=GPU_HOUR)
    finally:
        service.tables.close()  # type: ignore[attr-defined]
    cli = run(capsys, [*GPU_HOUR_ARGS, "--format", "json"])
    assert msgspec.json.decode(cli.encode()) == http.json()


def test_gpu_hour_without_a_required_input_says_which(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="lifetime_years"):
        main(["gpu-hour", "--capex-usd-per-gpu", "30000", "--all-in-kw-per-gpu", "1.4",
              "--usd-per-kwh", "0.1"])  # fmt: skip


def test_compare_header_names_both_series(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, [
        "compare", "--model", "kimi-k2.5", "--isl", "8192", "--osl", "1024",
        "--baseline", "hardware=mi355x,framework=vllm,tp=8,date=2026-03-01",
        "--candidate", "hardware=mi355x,framework=vllm,tp=4,date=2026-03-26",
    ])  # fmt: skip
    assert out.splitlines()[0] == (
        "kimi-k2.5 8192/1024: baseline mi355x vllm fp4 TP8 (8 GPUs) 2026-03-01 "
        "-> candidate mi355x vllm fp4 TP4 (4 GPUs) 2026-03-26"
    )
