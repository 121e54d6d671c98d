"""Load the FX tables shipped in ``pricing/fx/`` (``tables.json`` + one CSV per table).

I/O lives here, not in ``tco.domain.fx``. Loading is strict, like ``tco.shipped_pricing``: a
malformed rate, an unknown currency code or a missing source raises ValueError naming the file
and line, because a silently dropped rate would turn into a "no rate" answer nobody can explain.
Rates are read from the CSV text as written there, which is the ECB's text (scripts/fx_data.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import msgspec

from tco.data_dirs import shipped_dir
from tco.domain.errors import DomainError
from tco.domain.fx import DEFAULT_FX_TABLE, EurRate, FxTable, validate_fx_table

__all__ = ["FX_DIR", "load_shipped_fx_tables"]

FX_DIR = shipped_dir("pricing") / "fx"


class _TableEntry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    description: str
    file: str


class _Manifest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    default_table: str
    tables: list[_TableEntry]


def load_shipped_fx_tables(directory: Path | None = None) -> list[FxTable]:
    """Every table in ``tables.json``, in manifest order, each as version 1."""
    base = directory or FX_DIR
    manifest = msgspec.json.decode((base / "tables.json").read_bytes(), type=_Manifest)
    tables = [_table(base / entry.file, entry) for entry in manifest.tables]
    names = [table.name for table in tables]
    if len(set(names)) != len(names):
        raise ValueError(f"{base.name}/tables.json: a table name is listed twice: {names}")
    if manifest.default_table not in names:
        raise ValueError(
            f"{base.name}/tables.json: default_table {manifest.default_table!r} is not listed"
        )
    if manifest.default_table != DEFAULT_FX_TABLE:
        raise ValueError(
            f"{base.name}/tables.json: default_table {manifest.default_table!r} is not"
            f" tco.domain.fx.DEFAULT_FX_TABLE {DEFAULT_FX_TABLE!r}"
        )
    return tables


def _table(path: Path, entry: _TableEntry) -> FxTable:
    rates: list[EurRate] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            where = f"{path.name}:{line}"
            try:
                rates.append(
                    EurRate(
                        currency=row["currency"],
                        units_per_eur=float(row["units_per_eur"]),
                        rate_date=dt.date.fromisoformat(row["rate_date"]),
                        source=row["source"],
                    )
                )
            except (KeyError, ValueError) as exc:
                raise ValueError(f"{where}: {exc}") from None
    table = FxTable(name=entry.name, version=1, description=entry.description, rates=tuple(rates))
    try:
        validate_fx_table(table)
    except DomainError as exc:
        # The field is rates[i].<name>: rate i is line i + 2 of the CSV (line 1 is the header).
        index = re.match(r"rates\[(\d+)\]", exc.field)
        bad_line = int(index.group(1)) + 2 if index else "?"
        raise ValueError(f"{path.name}:{bad_line}: {exc.field}: {exc.reason}") from None
    return table
