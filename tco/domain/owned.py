"""Owned-hardware TCO per GPU-hour (DESIGN section 2): what a GPU-hour costs when you buy it.

Yearly cost per GPU = annualised capital + power + colocation + other opex; divided by 8760 h.

- Annualised capital: the level yearly payment that repays the capex, net of the residual value
  received at the end of life, at the cost of capital r over n years:
  ``(capex - residual * capex / (1+r)^n) * CRF(r, n)`` with
  ``CRF(r, n) = r (1+r)^n / ((1+r)^n - 1)``; straight line ``capex (1 - residual) / n`` at r = 0
  (the limit of the same formula).
- Power: ``all-in kW x PUE x 8760 x $/kWh``. The all-in kW is the IT load per GPU (chip plus its
  share of host and NICs); PUE adds the facility's cooling and distribution losses, which the
  utility meter sees and bills.
- Colocation: ``$/kW-month x kW x 12`` on the IT kW, *without* PUE: colocation is priced per kW of
  critical IT load (CBRE asking rates are quoted that way) and the landlord's cooling overhead is
  already inside that rate, so multiplying by PUE would charge it twice.

Pure scalar maths: no I/O, no numpy (one owned offer is a handful of numbers).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar

import msgspec
from msgspec import Meta

HOURS_PER_YEAR = 8760.0
MONTHS_PER_YEAR = 12


# Lower bounds mirror validate_owned_inputs, so a decoded /v1/tco/gpu-hour body and a direct call
# reject the same nonsense; upper bounds are wire-only sanity limits on user input. The wire also
# floors capex at $1 and lifetime at 3 months: below those the CRF (~1/n) overflows to inf.
_UsdCapex = Annotated[float, Meta(ge=1, le=1e9, description="Purchase price, USD")]
_Gpus = Annotated[int, Meta(ge=1, le=1024, description="GPUs per server")]
_Years = Annotated[float, Meta(ge=0.25, le=30, description="Economic life, years")]
_Residual = Annotated[
    float, Meta(ge=0, lt=1, description="Resale value at end of life, fraction of capex")
]
_Rate = Annotated[
    float,
    Meta(ge=0, le=1, description="Annual cost of capital r (0.08 = 8 %/yr); 0 = straight line"),
]
_Kw = Annotated[
    float, Meta(ge=0, le=100, description="IT load per GPU incl. its share of host and NICs, kW")
]
_Pue = Annotated[
    float, Meta(ge=1, le=5, description="Power usage effectiveness (facility kW / IT kW)")
]
_UsdPerKwh = Annotated[float, Meta(ge=0, le=10, description="Electricity price, USD per kWh")]
_UsdPerKwMonth = Annotated[
    float, Meta(ge=0, le=10_000, description="Colocation rent per IT kW per month, USD")
]
_UsdPerYear = Annotated[
    float, Meta(ge=0, le=1e9, description="Staff, support, network opex per GPU per year, USD")
]


class OwnedTcoInputs(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Inputs for one owned GPU. Give ``capex_usd_per_gpu``, or ``capex_usd_per_server`` together
    with ``gpus_per_server`` (servers are what vendors quote). Unknown fields are refused: most
    inputs have defaults, so a misspelt ``pue`` would otherwise silently price at PUE 1."""

    # The capex rule of _capex_usd_per_gpu, for the OpenAPI document (tco.api.openapi_schema):
    # exactly one of the two capex inputs, the per-server one with its GPU count.
    __schema_rules__: ClassVar[dict[str, Any]] = {
        # (allOf of if/then/else, not oneOf: generated clients keep one model, not a union.)
        "allOf": [
            {
                "if": {
                    "required": ["capex_usd_per_server"],
                    "properties": {"capex_usd_per_server": {"type": "number"}},
                },
                "then": {
                    "required": ["gpus_per_server"],
                    "properties": {
                        "gpus_per_server": {"type": "integer"},
                        "capex_usd_per_gpu": {"type": "null"},
                    },
                },
                "else": {
                    "required": ["capex_usd_per_gpu"],
                    "properties": {"capex_usd_per_gpu": {"type": "number"}},
                },
            }
        ]
    }

    capex_usd_per_gpu: _UsdCapex | None = None
    capex_usd_per_server: _UsdCapex | None = None
    gpus_per_server: _Gpus | None = None
    lifetime_years: _Years
    residual_fraction: _Residual = 0.0
    cost_of_capital: _Rate = 0.0
    all_in_kw_per_gpu: _Kw
    pue: _Pue = 1.0
    usd_per_kwh: _UsdPerKwh
    colocation_usd_per_kw_month: _UsdPerKwMonth = 0.0
    other_opex_usd_per_gpu_year: _UsdPerYear = 0.0


class OwnedTcoBreakdown(msgspec.Struct, kw_only=True, frozen=True):
    """Owned cost per GPU-hour by component; ``total_usd_per_gpu_hour`` is their sum."""

    capital_usd_per_gpu_hour: float
    power_usd_per_gpu_hour: float
    colocation_usd_per_gpu_hour: float
    opex_usd_per_gpu_hour: float
    total_usd_per_gpu_hour: float
    capex_usd_per_gpu: float
    capital_recovery_factor: float


# Below this rate CRF differs from 1/n by less than float resolution (~r(n+1)/2n relative), and
# subnormal rates would make (1+r)^n - 1 meaningless: use the straight-line limit.
_NEGLIGIBLE_RATE = 1e-12


def capital_recovery_factor(rate: float, years: float) -> float:
    """CRF(r, n) = r(1+r)^n / ((1+r)^n - 1): yearly payment per dollar borrowed; 1/n at r = 0."""
    if rate < _NEGLIGIBLE_RATE:
        return 1.0 / years
    # (1+r)^n - 1 via expm1/log1p: the naive form cancels badly for small r.
    growth_minus_one = math.expm1(years * math.log1p(rate))
    return rate * (growth_minus_one + 1.0) / growth_minus_one


def annualized_capital_usd(
    capex_usd: float, residual_fraction: float, rate: float, years: float
) -> float:
    """Level yearly cost of owning ``capex_usd`` for ``years``, net of the discounted residual:
    ``(capex - residual/(1+r)^n) x CRF``, computed as the equal ``(capex - residual) x CRF +
    residual x r`` (since CRF/(1+r)^n = CRF - r): no cancellation, visibly increasing in r,
    and exactly straight line ``capex (1 - residual) / n`` at r = 0."""
    residual_usd = residual_fraction * capex_usd
    return (capex_usd - residual_usd) * capital_recovery_factor(rate, years) + residual_usd * rate


_NON_NEGATIVE_FIELDS = (
    "all_in_kw_per_gpu",
    "usd_per_kwh",
    "colocation_usd_per_kw_month",
    "other_opex_usd_per_gpu_year",
    "cost_of_capital",
)


def _capex_usd_per_gpu(inputs: OwnedTcoInputs) -> float:
    per_gpu, per_server, gpus = (
        inputs.capex_usd_per_gpu,
        inputs.capex_usd_per_server,
        inputs.gpus_per_server,
    )
    if per_gpu is not None and per_server is not None:
        raise ValueError("capex_usd_per_server: give capex per GPU or per server, not both")
    if per_gpu is not None:
        if not (math.isfinite(per_gpu) and per_gpu > 0):
            raise ValueError("capex_usd_per_gpu: must be > 0")
        return per_gpu
    if per_server is None:
        raise ValueError("capex_usd_per_gpu: give capex_usd_per_gpu or capex_usd_per_server")
    if not (math.isfinite(per_server) and per_server > 0):
        raise ValueError("capex_usd_per_server: must be > 0")
    if gpus is None or gpus < 1:
        raise ValueError("gpus_per_server: required with capex_usd_per_server, must be >= 1")
    return per_server / gpus


def validate_owned_inputs(inputs: OwnedTcoInputs) -> float:
    """Raise ValueError naming the first bad field; return the capex per GPU (USD).

    Structs built in Python skip msgspec's Meta checks, so the domain checks again here."""
    capex = _capex_usd_per_gpu(inputs)
    n = inputs.lifetime_years
    if not (math.isfinite(n) and n > 0):
        raise ValueError("lifetime_years: must be > 0")
    if not 0 <= inputs.residual_fraction < 1:  # also rejects NaN
        raise ValueError("residual_fraction: must be in [0, 1)")
    if not (math.isfinite(inputs.pue) and inputs.pue >= 1):
        raise ValueError("pue: must be >= 1 (a facility cannot draw less than its IT load)")
    for name in _NON_NEGATIVE_FIELDS:
        value = getattr(inputs, name)
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"{name}: must be a finite number >= 0")
    return capex


def owned_usd_per_gpu_hour(inputs: OwnedTcoInputs) -> OwnedTcoBreakdown:
    """Owned TCO per GPU-hour with its breakdown (see the module docstring for the formulas)."""
    capex = validate_owned_inputs(inputs)
    n, r = inputs.lifetime_years, inputs.cost_of_capital
    capital_usd_per_year = annualized_capital_usd(capex, inputs.residual_fraction, r, n)
    power_usd_per_year = inputs.all_in_kw_per_gpu * inputs.pue * HOURS_PER_YEAR * inputs.usd_per_kwh
    colocation_usd_per_year = (
        inputs.colocation_usd_per_kw_month * inputs.all_in_kw_per_gpu * MONTHS_PER_YEAR
    )
    capital, power, colocation, opex = (
        capital_usd_per_year / HOURS_PER_YEAR,
        power_usd_per_year / HOURS_PER_YEAR,
        colocation_usd_per_year / HOURS_PER_YEAR,
        inputs.other_opex_usd_per_gpu_year / HOURS_PER_YEAR,
    )
    return OwnedTcoBreakdown(
        capital_usd_per_gpu_hour=capital,
        power_usd_per_gpu_hour=power,
        colocation_usd_per_gpu_hour=colocation,
        opex_usd_per_gpu_hour=opex,
        total_usd_per_gpu_hour=capital + power + colocation + opex,
        capex_usd_per_gpu=capex,
        capital_recovery_factor=capital_recovery_factor(r, n),
    )


class OwnedTcoExample(msgspec.Struct, kw_only=True, frozen=True):
    """A shipped, sourced input set (pricing/owned-example.csv): ``sources`` maps each input
    field to where its value comes from (or to the word ASSUMPTION and why)."""

    name: str
    inputs: OwnedTcoInputs
    sources: dict[str, str]
