"""Shipped price tables and API prices: exact counts, real values, provenance on every row."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest

from tco.domain.pricing import DEFAULT_PRICING_TABLE, OFFER_KINDS, PricingTable
from tco.shipped_pricing import HARDWARE_KEYS, PRICING_DIR, load_api_prices, load_shipped_tables

EXPECTED_COUNTS = {
    "semianalysis-2025-08-hyperscaler": 9,
    "semianalysis-2025-08-neocloud": 9,
    "semianalysis-2025-08-rental-3y": 9,
    "semianalysis-2026-07-hyperscaler": 10,
    "semianalysis-2026-07-neocloud": 10,
    "semianalysis-2026-07-rental-3y": 10,
    "semianalysis-2026-09-hyperscaler": 12,
    "semianalysis-2026-09-rental-3y": 12,
    "cloud-public-2026": 65,
    "owned-example-hgx-h100": 1,  # priced from its owned-TCO inputs (tests/domain/test_procurement_quote.py)
}


@pytest.fixture(scope="module")
def tables() -> dict[str, PricingTable]:
    return {table.name: table for table in load_shipped_tables()}


def _price(table: PricingTable, hardware: str) -> float:
    (offer,) = (o for o in table.offers if o.hardware == hardware)
    return offer.usd_per_gpu_hour


def test_table_names_and_counts(tables: dict[str, PricingTable]) -> None:
    assert {name: len(t.offers) for name, t in tables.items()} == EXPECTED_COUNTS
    assert all(t.version == 1 for t in tables.values())
    assert "semianalysis-2026-09-neocloud" not in tables  # removed upstream, not invented


def test_default_table_is_shipped(tables: dict[str, PricingTable]) -> None:
    assert DEFAULT_PRICING_TABLE == "semianalysis-2026-09-hyperscaler"
    assert DEFAULT_PRICING_TABLE in tables


@pytest.mark.parametrize(
    ("table", "hardware", "usd_per_gpu_hour"),
    [
        ("semianalysis-2026-07-hyperscaler", "h100", 1.17),
        ("semianalysis-2026-09-rental-3y", "b300", 4.25),
        ("semianalysis-2025-08-hyperscaler", "gb300", 2.652),  # as published, not 2.65
        ("semianalysis-2025-08-neocloud", "b300", 2.808),
        ("semianalysis-2026-09-hyperscaler", "tpuv7", 1.21),
        ("semianalysis-2026-09-rental-3y", "vr200", 8.5),
        ("semianalysis-2026-07-rental-3y", "rtx6000pro", 0.52),
    ],
)
def test_real_values(
    tables: dict[str, PricingTable], table: str, hardware: str, usd_per_gpu_hour: float
) -> None:
    assert _price(tables[table], hardware) == usd_per_gpu_hour


def test_semianalysis_provenance(tables: dict[str, PricingTable]) -> None:
    offer = next(o for o in tables["semianalysis-2026-09-rental-3y"].offers if o.hardware == "b300")
    assert offer.kind == "reserved_3y"
    assert offer.source == (
        "SemiAnalysisAI/InferenceX-app packages/constants/src/gpu-keys.ts (HW_REGISTRY)"
        " @ PR #1056 + PR #1071"
    )
    assert offer.effective_from == dt.date(2026, 9, 8)
    assert offer.source_date == "2026-09-08"
    owned = tables["semianalysis-2026-07-hyperscaler"].offers
    assert {o.kind for o in owned} == {"owned"}
    assert "model exact 1.168" in (next(o for o in owned if o.hardware == "h100").notes or "")


def test_every_offer_is_sourced_and_well_formed(tables: dict[str, PricingTable]) -> None:
    for table in tables.values():
        for offer in table.offers:
            assert offer.source.strip(), (table.name, offer)
            assert offer.source_date, (table.name, offer)
            assert offer.kind in OFFER_KINDS
            assert offer.hardware in HARDWARE_KEYS
            assert offer.usd_per_gpu_hour > 0
            assert offer.currency == "USD"


def test_semianalysis_tables_have_one_offer_per_hardware(tables: dict[str, PricingTable]) -> None:
    for name, table in tables.items():
        if name.startswith("semianalysis-"):
            hardware = [o.hardware for o in table.offers]
            assert len(hardware) == len(set(hardware)), name


def test_cloud_table_keeps_stated_dates_and_excludes_duplicates(
    tables: dict[str, PricingTable],
) -> None:
    cloud = tables["cloud-public-2026"].offers
    dates = {o.source_date for o in cloud}
    assert {"undated (2026)", "late 2024", "2026-11-09 (retrieved)"} <= dates
    undated = [o for o in cloud if o.source_date == "undated (2026)"]
    assert all(o.effective_from is None for o in undated)  # never invent a date
    assert not any(o.provider.startswith("SemiAnalysis InferenceX") for o in cloud)
    assert not any("UNVERIFIED" in (o.notes or "") for o in cloud)
    assert not any(o.provider == "TensorWave" and o.hardware == "mi355x" for o in cloud)
    aws_h100 = next(o for o in cloud if o.provider == "AWS" and o.region == "us-east-1")
    assert (aws_h100.hardware, aws_h100.kind) == ("h100", "on_demand")
    assert aws_h100.usd_per_gpu_hour == 6.88
    kinds = {o.kind for o in cloud}
    assert {"reserved_short_term", "reserved_2y", "reserved_1y", "spot"} <= kinds


def test_project_data_lives_in_the_repo() -> None:
    assert PRICING_DIR.parent == Path(__file__).resolve().parents[1]
    assert "shared" not in PRICING_DIR.parts


def test_api_prices() -> None:
    prices = load_api_prices()
    assert len(prices) == 49
    assert len({p.id for p in prices}) == len(prices)
    moonshot = next(p for p in prices if p.id == "kimi-k2.5/moonshot-ai-official")
    assert (moonshot.input_usd_per_m, moonshot.output_usd_per_m) == (0.60, 3.00)
    assert moonshot.cached_input_usd_per_m == 0.10
    assert moonshot.source_date == "2026-06-12 (file); snapshot 2026-07-02"
    dsr1 = [p for p in prices if p.model == "dsr1"]
    assert len(dsr1) == 10
    assert {p.model for p in prices} == {
        "kimi-k2.5", "dsr1", "deepseek-v3", "gpt-oss-120b", "llama-3.3-70b"
    }  # fmt: skip
    bedrock = next(p for p in prices if p.id == "kimi-k2.5/amazon-bedrock")
    assert bedrock.cached_input_usd_per_m is None
    assert all(p.source for p in prices)


def test_loading_a_copied_directory(tmp_path: Path) -> None:
    shutil.copytree(PRICING_DIR, tmp_path / "pricing")
    assert len(load_shipped_tables(tmp_path / "pricing")) == len(EXPECTED_COUNTS)


@pytest.mark.parametrize(
    ("column", "bad", "message"),
    [
        ("hardware", "A100", "unknown hardware"),
        ("kind", "tco_owned", "kind"),
        ("source", "", "empty source"),
        ("usd_per_gpu_hour", "-1", "usd_per_gpu_hour"),
    ],
)
def test_bad_rows_are_rejected_with_file_and_line(
    tmp_path: Path, column: str, bad: str, message: str
) -> None:
    base = tmp_path / "pricing"
    shutil.copytree(PRICING_DIR, base)
    path = base / "semianalysis-2026-07-hyperscaler.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[1][column] = bad
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ValueError, match=rf"semianalysis-2026-07-hyperscaler\.csv:3: .*{message}"):
        load_shipped_tables(base)
