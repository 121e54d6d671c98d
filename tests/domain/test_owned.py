"""Owned TCO per GPU-hour: hand-computed cases, validation, and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tco.domain.owned import (
    OwnedTcoInputs,
    annualized_capital_usd,
    capital_recovery_factor,
    owned_usd_per_gpu_hour,
)
from tco.shipped_pricing import load_owned_example


def _capital_only(
    capex: float, years: float = 4, residual: float = 0.0, rate: float = 0.0
) -> OwnedTcoInputs:
    """Inputs whose only cost is capital (no power, colocation or opex)."""
    return OwnedTcoInputs(
        capex_usd_per_gpu=capex,
        lifetime_years=years,
        residual_fraction=residual,
        cost_of_capital=rate,
        all_in_kw_per_gpu=0.0,
        usd_per_kwh=0.0,
    )


def test_crf_without_cost_of_capital_is_straight_line() -> None:
    """r = 0: CRF = 1/n = 1/4 = 0.25."""
    assert capital_recovery_factor(0.0, 4) == 0.25


def test_crf_with_cost_of_capital() -> None:
    """r = 10 %, n = 2: (1.1)^2 = 1.21; CRF = 0.1 x 1.21 / 0.21 = 0.121 / 0.21 = 0.576190476...
    (two payments of 0.5762 repay 1 dollar at 10 %: 0.5762/1.1 + 0.5762/1.21 = 1)."""
    crf = capital_recovery_factor(0.10, 2)
    assert crf == pytest.approx(0.121 / 0.21, rel=1e-12)
    assert crf / 1.1 + crf / 1.21 == pytest.approx(1.0, rel=1e-12)


def test_capital_straight_line_per_hour() -> None:
    """$35,040 over 4 years, no residual, r = 0: 8,760 $/yr = exactly $1.00 per GPU-hour."""
    result = owned_usd_per_gpu_hour(_capital_only(35_040))
    assert result.capital_usd_per_gpu_hour == pytest.approx(1.0, rel=1e-12)
    assert result.total_usd_per_gpu_hour == pytest.approx(1.0, rel=1e-12)


def test_residual_straight_line() -> None:
    """Residual 25 % at r = 0: capex x 0.75 / n = 35,040 x 0.75 / 4 = 6,570 $/yr = $0.75/h."""
    result = owned_usd_per_gpu_hour(_capital_only(35_040, residual=0.25))
    assert result.capital_usd_per_gpu_hour == pytest.approx(0.75, rel=1e-12)


def test_residual_discounted_at_cost_of_capital() -> None:
    """capex 1,000, residual 50 %, r = 10 %, n = 2: residual PV = 500 / 1.21 = 413.2231;
    (1000 - 413.2231) x 0.5761905 = 338.0952 $/yr (= 1000 x 0.5761905 - 500 x 0.1/0.21)."""
    yearly = annualized_capital_usd(1_000, 0.5, 0.10, 2)
    assert yearly == pytest.approx((1_000 - 500 / 1.21) * 0.121 / 0.21, rel=1e-12)
    assert yearly == pytest.approx(1_000 * 0.121 / 0.21 - 500 * 0.1 / 0.21, rel=1e-12)


def test_power_includes_pue_and_colocation_does_not() -> None:
    """1 kW, PUE 1.5, $0.10/kWh: power = 1 x 1.5 x 8760 x 0.10 / 8760 = $0.15/h.
    Colocation $146/kW-month x 1 kW x 12 = 1,752 $/yr / 8760 = $0.20/h (IT kW, no PUE)."""
    inputs = OwnedTcoInputs(
        capex_usd_per_gpu=1.0,
        lifetime_years=1,
        all_in_kw_per_gpu=1.0,
        pue=1.5,
        usd_per_kwh=0.10,
        colocation_usd_per_kw_month=146.0,
        other_opex_usd_per_gpu_year=876.0,  # $0.10/h
    )
    result = owned_usd_per_gpu_hour(inputs)
    assert result.power_usd_per_gpu_hour == pytest.approx(0.15, rel=1e-12)
    assert result.colocation_usd_per_gpu_hour == pytest.approx(0.20, rel=1e-12)
    assert result.opex_usd_per_gpu_hour == pytest.approx(0.10, rel=1e-12)
    parts = (
        result.capital_usd_per_gpu_hour
        + result.power_usd_per_gpu_hour
        + result.colocation_usd_per_gpu_hour
        + result.opex_usd_per_gpu_hour
    )
    assert result.total_usd_per_gpu_hour == pytest.approx(parts, rel=1e-12)


def test_shipped_owned_example_by_hand() -> None:
    """HGX H100: $310,000 / 8 = $38,750 per GPU; 4 years, r = 0, residual 0.

    capital    = 38,750 / 4 / 8760           = 9,687.50 / 8760 = 1.1058790 $/h
    power      = 1.37 kW x 1.58 x $0.0806    = 2.1646 x 0.0806  = 0.1744668 $/h
    colocation = 184.06 x 1.37 x 12 / 8760   = 3,025.9464 / 8760 = 0.3454277 $/h
    total                                                        = 1.6257734 $/h
    """
    example = load_owned_example()
    result = owned_usd_per_gpu_hour(example.inputs)
    assert result.capex_usd_per_gpu == 38_750
    assert result.capital_usd_per_gpu_hour == pytest.approx(9_687.5 / 8760, rel=1e-12)
    assert result.power_usd_per_gpu_hour == pytest.approx(1.37 * 1.58 * 0.0806, rel=1e-12)
    assert result.colocation_usd_per_gpu_hour == pytest.approx(3_025.9464 / 8760, rel=1e-12)
    assert result.total_usd_per_gpu_hour == pytest.approx(1.6257734, abs=1e-7)
    assert set(example.sources) == set(OwnedTcoInputs.__struct_fields__) - {"capex_usd_per_gpu"}
    assert all(example.sources.values())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lifetime_years": 0}, "lifetime_years"),
        ({"residual_fraction": 1.0}, "residual_fraction"),
        ({"residual_fraction": -0.1}, "residual_fraction"),
        ({"pue": 0.9}, "pue"),
        ({"cost_of_capital": -0.01}, "cost_of_capital"),
        ({"usd_per_kwh": math.nan}, "usd_per_kwh"),
        ({"all_in_kw_per_gpu": -1.0}, "all_in_kw_per_gpu"),
        ({"capex_usd_per_gpu": None}, "capex_usd_per_gpu"),
        ({"capex_usd_per_gpu": 0.0}, "capex_usd_per_gpu"),
        ({"capex_usd_per_server": 80_000.0}, "capex_usd_per_server"),
        ({"capex_usd_per_gpu": None, "capex_usd_per_server": 80_000.0}, "gpus_per_server"),
    ],
)
def test_invalid_inputs_name_the_field(changes: dict[str, object], field: str) -> None:
    base = {
        "capex_usd_per_gpu": 10_000.0,
        "lifetime_years": 4.0,
        "all_in_kw_per_gpu": 1.0,
        "pue": 1.2,
        "usd_per_kwh": 0.1,
    }
    inputs = OwnedTcoInputs(**{**base, **changes})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=f"^{field}:"):
        owned_usd_per_gpu_hour(inputs)


capex = st.floats(min_value=100, max_value=1e6)
years = st.floats(min_value=0.5, max_value=15)
residual = st.floats(min_value=0, max_value=0.9)
rate = st.floats(min_value=0, max_value=0.5)


@given(capex=capex, k=st.floats(min_value=0.01, max_value=100), n=years, res=residual, r=rate)
def test_linear_in_capex_when_other_costs_are_zero(
    capex: float, k: float, n: float, res: float, r: float
) -> None:
    one = owned_usd_per_gpu_hour(_capital_only(capex, n, res, r)).total_usd_per_gpu_hour
    scaled = owned_usd_per_gpu_hour(_capital_only(capex * k, n, res, r)).total_usd_per_gpu_hour
    assert scaled == pytest.approx(one * k, rel=1e-9)


@given(capex=capex, n=years, res=residual, r1=rate, r2=rate)
def test_monotone_in_cost_of_capital(
    capex: float, n: float, res: float, r1: float, r2: float
) -> None:
    low, high = sorted((r1, r2))
    cheap = owned_usd_per_gpu_hour(_capital_only(capex, n, res, low)).total_usd_per_gpu_hour
    dear = owned_usd_per_gpu_hour(_capital_only(capex, n, res, high)).total_usd_per_gpu_hour
    assert dear >= cheap * (1 - 1e-12)


@given(n=years, r=st.floats(min_value=1e-9, max_value=1e-6))
def test_crf_tends_to_straight_line_as_rate_tends_to_zero(n: float, r: float) -> None:
    assert capital_recovery_factor(r, n) == pytest.approx(1 / n, rel=1e-4)
