"""Foreign exchange: dated, sourced rates against the euro, and conversion between currencies.

An FX table is versioned like a pricing table (a name, immutable versions): each rate is the
number of units of a currency one euro buys, as its source publishes it (the ECB's reference
rates are quoted exactly that way, "1 EUR = 1.1172 USD"), with that rate's date and source. A
conversion between two other currencies goes through the euro (the cross rate
``to_per_eur / from_per_eur``); the answer carries the rate it used, the euro rates it was made
of, and their dates, so any converted number can be checked by hand.

A currency the table has no rate for is an answer (``NoRate``, saying which currency and which
table), never a guess or a stale fallback. A code that is not ISO 4217 at all is bad input
(``DomainError`` naming the field).

Pure: no I/O. ``tco.shipped_fx`` loads the shipped tables from ``pricing/fx/``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from tco.domain.errors import DomainError
from tco.domain.iso4217 import ISO_4217_CODES

__all__ = [
    "BASE_CURRENCY",
    "DEFAULT_FX_TABLE",
    "Converted",
    "EurRate",
    "FxRate",
    "FxTable",
    "NoRate",
    "check_currency",
    "convert",
    "fx_rate",
    "validate_fx_table",
]

# Every rate in a table is quoted against this currency: the ECB publishes euro reference rates.
BASE_CURRENCY: Literal["EUR"] = "EUR"

# The table a conversion uses when the request names none: the newest shipped ECB day.
DEFAULT_FX_TABLE = "ecb-2026-10-30"

CurrencyCode = Annotated[
    str, Meta(pattern="^[A-Z]{3}$", description="ISO 4217 alphabetic code, e.g. USD")
]
# Units of a currency per euro. The ECB's range on its newest day runs from 0.8338 (GBP) to
# 20275.17 (IDR); the bounds only keep out what no rate can be (zero, negative, infinite).
UnitsPerEur = Annotated[float, Meta(gt=0, lt=1e12, description="Units of the currency per 1 EUR")]


class EurRate(msgspec.Struct, kw_only=True, frozen=True):
    """``units_per_eur`` units of ``currency`` buy one euro, on ``rate_date``, per ``source``."""

    currency: CurrencyCode
    units_per_eur: UnitsPerEur
    rate_date: dt.date
    source: str


class FxTable(msgspec.Struct, kw_only=True, frozen=True):
    name: str
    version: int
    description: str
    rates: tuple[EurRate, ...]  # the euro itself is the base, never listed
    created_at: dt.datetime | None = None
    created_by: str | None = None

    def rate_of(self, currency: str) -> EurRate | None:
        # Linear: a table holds a few dozen currencies (the ECB quotes 29 on its newest day).
        return next((r for r in self.rates if r.currency == currency), None)


class FxRate(msgspec.Struct, kw_only=True, frozen=True):
    """How many ``to_currency`` one ``from_currency`` is worth, and what that rests on.

    ``legs`` are the table's euro rates the number was made of: none when the two currencies
    are the same (no conversion, so no table and no date), one when either side is the euro,
    two for a cross rate. ``rate_date`` is the oldest leg's date: a cross rate is only as
    current as its older half.
    """

    from_currency: str
    to_currency: str
    to_per_from: float
    rate_date: dt.date | None
    legs: tuple[EurRate, ...]
    table: str | None
    table_version: int | None


class Converted(msgspec.Struct, kw_only=True, frozen=True):
    """``amount`` (in ``currency``) = the given amount x ``rate.to_per_from``, unrounded."""

    amount: float
    currency: str
    rate: FxRate


class NoRate(msgspec.Struct, kw_only=True, frozen=True):
    """The table cannot convert: it has no euro rate for ``currencies``."""

    currencies: tuple[str, ...]
    table: str
    table_version: int
    reason: str


def check_currency(code: str, field: str = "currency") -> str:
    """``code`` if it is an ISO 4217 List One code; else DomainError naming ``field``.

    Strict about case on purpose: 'usd' is not a code, and silently upper-casing would make the
    same request spell two ways in caches and stored tables.
    """
    if len(code) != 3 or not code.isascii() or not code.isalpha() or not code.isupper():
        raise DomainError(
            field, f"{code!r} is not an ISO 4217 code (three capital letters, e.g. USD)"
        )
    if code not in ISO_4217_CODES:
        raise DomainError(field, f"{code!r} is not a current ISO 4217 currency code")
    return code


def validate_fx_table(table: FxTable) -> None:
    """Raise DomainError (field ``rates[i]...``) unless every rate is usable: a current ISO 4217
    code other than the euro, listed once, a finite positive rate and a named source."""
    seen: set[str] = set()
    for i, rate in enumerate(table.rates):
        where = f"rates[{i}]"
        check_currency(rate.currency, f"{where}.currency")
        if rate.currency == BASE_CURRENCY:
            raise DomainError(f"{where}.currency", "EUR is the base of every rate, not a rate")
        if rate.currency in seen:
            raise DomainError(f"{where}.currency", f"{rate.currency} is listed twice")
        seen.add(rate.currency)
        if not (math.isfinite(rate.units_per_eur) and rate.units_per_eur > 0):
            raise DomainError(f"{where}.units_per_eur", "must be a finite number above 0")
        if not rate.source.strip():
            raise DomainError(f"{where}.source", "every rate names its source")


def fx_rate(
    table: FxTable,
    from_currency: str,
    to_currency: str,
    *,
    from_field: str = "from_currency",
    to_field: str = "to_currency",
) -> FxRate | NoRate:
    """The rate from ``from_currency`` to ``to_currency`` in ``table``, or why there is none.

    Invalid codes raise DomainError naming ``from_field`` / ``to_field`` (the caller's request
    fields, e.g. an offer's ``currency`` and the quote's ``currency``).
    """
    check_currency(from_currency, from_field)
    check_currency(to_currency, to_field)
    if from_currency == to_currency:
        return FxRate(
            from_currency=from_currency,
            to_currency=to_currency,
            to_per_from=1.0,
            rate_date=None,
            legs=(),
            table=None,
            table_version=None,
        )
    legs: list[EurRate] = []
    missing: list[str] = []
    for currency in (from_currency, to_currency):
        if currency == BASE_CURRENCY:
            continue
        rate = table.rate_of(currency)
        if rate is None:
            missing.append(currency)
        else:
            legs.append(rate)
    if missing:
        listed = " or ".join(missing)
        return NoRate(
            currencies=tuple(missing),
            table=table.name,
            table_version=table.version,
            reason=f"no rate for {listed} in FX table {table.name} (version {table.version})",
        )
    from_per_eur = 1.0 if from_currency == BASE_CURRENCY else legs[0].units_per_eur
    to_per_eur = 1.0 if to_currency == BASE_CURRENCY else legs[-1].units_per_eur
    return FxRate(
        from_currency=from_currency,
        to_currency=to_currency,
        # One division for every case: EUR->X gives to_per_eur exactly, X->EUR 1/from_per_eur.
        to_per_from=to_per_eur / from_per_eur,
        rate_date=min(leg.rate_date for leg in legs),
        legs=tuple(legs),
        table=table.name,
        table_version=table.version,
    )


def convert(
    amount: float,
    from_currency: str,
    to_currency: str,
    table: FxTable,
    *,
    amount_field: str = "amount",
    from_field: str = "from_currency",
    to_field: str = "to_currency",
) -> Converted | NoRate:
    """``amount`` of ``from_currency`` in ``to_currency``, with the rate used; or NoRate."""
    if not math.isfinite(amount):
        raise DomainError(amount_field, "must be a finite number")
    rate = fx_rate(table, from_currency, to_currency, from_field=from_field, to_field=to_field)
    if isinstance(rate, NoRate):
        return rate
    return Converted(amount=amount * rate.to_per_from, currency=to_currency, rate=rate)
