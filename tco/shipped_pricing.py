"""Load the price tables, hardware catalog and API prices shipped in ``pricing/``.

I/O lives here, not in ``tco.domain``: these functions read CSV/JSON files and return domain
structs. The files are plain CSV so analysts can read and diff them; every row carries its
source. Loading is strict: an unknown hardware name, offer kind or an empty source raises
ValueError naming the file and line, because a silently dropped price is a wrong quote.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import msgspec

from tco.data_dirs import shipped_dir
from tco.domain.buildbuy import ApiPrice
from tco.domain.catalog import Hardware
from tco.domain.keys import canonical_hardware
from tco.domain.owned import (
    OwnedTcoExample,
    OwnedTcoInputs,
    owned_usd_per_gpu_hour,
    validate_owned_inputs,
)
from tco.domain.pricing import (
    DEFAULT_PRICING_TABLE,
    OFFER_KINDS,
    OFFER_STATUSES,
    Offer,
    OfferStatus,
    PricingTable,
)

__all__ = [
    "DEFAULT_PRICING_TABLE",
    "HARDWARE_KEYS",
    "PRICING_DIR",
    "api_model_key",
    "hardware_key",
    "load_api_prices",
    "load_catalog",
    "load_owned_example",
    "load_shipped_tables",
    "slug",
]

PRICING_DIR = shipped_dir("pricing")

HARDWARE_KEYS: tuple[str, ...] = (
    "h100", "h200", "b200", "b300", "gb200", "gb300",
    "mi300x", "mi325x", "mi355x", "rtx6000pro", "tpuv7", "vr200", "gaudi3", "rtx5090",
)  # fmt: skip

# Spellings printed in the pricing sources (lower-cased); anything else falls back to the
# project-wide alias table in tco.domain.keys. Canonical keys map to themselves.
_HARDWARE_ALIASES: dict[str, str] = {
    **{key: key for key in HARDWARE_KEYS},
    "h100 sxm": "h100",
    "h100 sxm5": "h100",
    "h200 sxm": "h200",
    "b200 sxm": "b200",
    "b300 sxm": "b300",
    "gb200 nvl72": "gb200",
    "gb300 nvl72": "gb300",
    "rtx pro 6000": "rtx6000pro",
    "rtx pro 6000 blackwell server edition": "rtx6000pro",
    "tpu7x": "tpuv7",
    "tpu7x (ironwood)": "tpuv7",
    "tpu v7": "tpuv7",
    "vera rubin": "vr200",
    "vera rubin nvl72": "vr200",
}

# Published model names whose benchmarks the product has under a canonical key.
_MODEL_PREFIXES: tuple[tuple[str, str], ...] = (("kimi k2.5", "kimi-k2.5"), ("deepseek r1", "dsr1"))


def slug(text: str) -> str:
    """Lower-case, runs of anything but [a-z0-9.] become '-': 'Moonshot AI (official)' ->
    'moonshot-ai-official'. Dots survive so versions stay readable ('llama-3.3-70b')."""
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-")


def hardware_key(name: str) -> str:
    """Canonical hardware key for a source spelling ('H100 SXM' -> 'h100'); KeyError if unknown."""
    key = _HARDWARE_ALIASES.get(" ".join(name.lower().split()))
    if key is not None:
        return key
    try:
        return canonical_hardware(name)
    except ValueError:
        raise KeyError(name) from None


def api_model_key(name: str) -> str:
    """'Kimi K2.5' -> 'kimi-k2.5', 'DeepSeek R1 ...' -> 'dsr1', anything else -> its slug."""
    lowered = name.lower()
    for prefix, key in _MODEL_PREFIXES:
        if lowered.startswith(prefix):
            return key
    return slug(name)


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """CSV rows with their line numbers (header is line 1)."""
    with path.open(newline="", encoding="utf-8") as handle:
        yield from enumerate(csv.DictReader(handle), start=2)


def _opt(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _positive_float(value: str, where: str, field: str) -> float:
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{where}: {field} must be a positive number, got {value!r}")
    return number


def _offer(row: dict[str, str], where: str) -> Offer:
    try:
        hardware = hardware_key(row["hardware"])
    except KeyError:
        raise ValueError(f"{where}: unknown hardware {row['hardware']!r}") from None
    if row["kind"] not in OFFER_KINDS:
        raise ValueError(f"{where}: kind {row['kind']!r} not in {OFFER_KINDS}")
    if not row["source"].strip():
        raise ValueError(f"{where}: empty source")
    effective_from = _opt(row.get("effective_from"))
    status = _opt(row.get("status"))
    if status not in OFFER_STATUSES:
        raise ValueError(f"{where}: status {status!r} not in {OFFER_STATUSES}")
    owned_inputs = _owned_inputs(row, where)
    if owned_inputs is not None and (_opt(row["usd_per_gpu_hour"]) or row["kind"] != "owned"):
        raise ValueError(f"{where}: owned-TCO inputs replace usd_per_gpu_hour, kind 'owned' only")
    return Offer(
        hardware=hardware,
        provider=row["provider"].strip(),
        kind=row["kind"],
        usd_per_gpu_hour=(
            _positive_float(row["usd_per_gpu_hour"], where, "usd_per_gpu_hour")
            if owned_inputs is None
            else owned_usd_per_gpu_hour(owned_inputs).total_usd_per_gpu_hour
        ),
        region=_opt(row.get("region")),
        effective_from=dt.date.fromisoformat(effective_from) if effective_from else None,
        source=row["source"].strip(),
        source_date=_opt(row.get("source_date")),
        notes=_opt(row.get("notes")),
        currency=_opt(row.get("currency")) or "USD",
        status=cast(OfferStatus, status),
        owned_inputs=owned_inputs,
    )


def _owned_inputs(row: dict[str, str], where: str) -> OwnedTcoInputs | None:
    """Owned-TCO input columns (named as OwnedTcoInputs fields), when the row has any."""
    given = {f: v for f in OwnedTcoInputs.__struct_fields__ if (v := _opt(row.get(f)))}
    if not given:
        return None
    try:
        inputs = msgspec.convert(given, OwnedTcoInputs, strict=False)
        validate_owned_inputs(inputs)
    except (msgspec.ValidationError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from None
    return inputs


class _TableEntry(msgspec.Struct, frozen=True):
    name: str
    description: str
    file: str


class _Manifest(msgspec.Struct, frozen=True):
    default_table: str
    tables: list[_TableEntry]


def load_shipped_tables(directory: Path | None = None) -> list[PricingTable]:
    """Every table listed in ``tables.json``, in manifest order, each as version 1."""
    base = directory or PRICING_DIR
    manifest = msgspec.json.decode((base / "tables.json").read_bytes(), type=_Manifest)
    tables = []
    for entry in manifest.tables:
        path = base / entry.file
        offers = tuple(_offer(row, f"{path.name}:{line}") for line, row in _rows(path))
        tables.append(
            PricingTable(name=entry.name, version=1, description=entry.description, offers=offers)
        )
    if manifest.default_table not in {table.name for table in tables}:
        raise ValueError(f"tables.json: default_table {manifest.default_table!r} is not listed")
    return tables


def load_catalog(directory: Path | None = None) -> dict[str, Hardware]:
    """``hardware.csv`` keyed by canonical hardware key. Empty memory_gb stays None (unsourced)."""
    path = (directory or PRICING_DIR) / "hardware.csv"
    catalog: dict[str, Hardware] = {}
    for line, row in _rows(path):
        where = f"{path.name}:{line}"
        memory_gb = _opt(row["memory_gb"])
        kw = _opt(row["all_in_kw_per_gpu"])
        hardware = Hardware(
            key=hardware_key(row["key"]),
            display_name=row["display_name"],
            vendor=row["vendor"],
            memory_gb=_positive_float(memory_gb, where, "memory_gb") if memory_gb else None,
            gpus_per_node=int(row["gpus_per_node"]) if row["gpus_per_node"] else None,
            scale_up_domain_gpus=int(row["scale_up_domain_gpus"])
            if row["scale_up_domain_gpus"]
            else None,
            all_in_kw_per_gpu=_positive_float(kw, where, "all_in_kw_per_gpu") if kw else None,
            all_in_kw_source=_opt(row["all_in_kw_source"]),
            all_in_kw_source_date=_opt(row["all_in_kw_source_date"]),
            memory_source=_opt(row["memory_source"]),
            topology_source=_opt(row["topology_source"]),
            notes=_opt(row["notes"]),
        )
        if hardware.memory_gb is not None and hardware.memory_source is None:
            raise ValueError(f"{where}: memory_gb without memory_source")
        if hardware.key in catalog:
            raise ValueError(f"{where}: duplicate hardware {hardware.key!r}")
        catalog[hardware.key] = hardware
    return catalog


def load_api_prices(directory: Path | None = None) -> list[ApiPrice]:
    """``api_token_prices.csv`` (a verbatim copy of the reference file) as ApiPrice structs with a
    stable ``id`` = '<model key>/<provider slug>' (provider cut at ';' to keep ids short)."""
    path = (directory or PRICING_DIR) / "api_token_prices.csv"
    prices: list[ApiPrice] = []
    seen: set[str] = set()
    for line, row in _rows(path):
        where = f"{path.name}:{line}"
        model = api_model_key(row["model"])
        price_id = f"{model}/{slug(row['provider'].split(';')[0])}"
        if price_id in seen:
            raise ValueError(f"{where}: duplicate id {price_id!r}")
        seen.add(price_id)
        cached = _opt(row["cached_input_usd_per_m"])
        prices.append(
            ApiPrice(
                id=price_id,
                model=model,
                model_name=row["model"],
                provider=row["provider"],
                input_usd_per_m=_positive_float(row["input_usd_per_m"], where, "input_usd_per_m"),
                output_usd_per_m=_positive_float(
                    row["output_usd_per_m"], where, "output_usd_per_m"
                ),
                cached_input_usd_per_m=(
                    _positive_float(cached, where, "cached_input_usd_per_m") if cached else None
                ),
                notes=_opt(row["term/notes"]),
                source=row["source"],
                source_date=_opt(row["source_date"]),
            )
        )
    return prices


def load_owned_example(directory: Path | None = None) -> OwnedTcoExample:
    """``owned-example.csv``: one owned-TCO input set, one row per input with its source."""
    path = (directory or PRICING_DIR) / "owned-example.csv"
    values: dict[str, float | int] = {}
    sources: dict[str, str] = {}
    for _, row in _rows(path):
        field = row["field"]
        values[field] = int(row["value"]) if field == "gpus_per_server" else float(row["value"])
        sources[field] = (
            f"{row['source']} ({row['source_date']})" if row["source_date"] else row["source"]
        )
    return OwnedTcoExample(
        name=path.stem, inputs=msgspec.convert(values, OwnedTcoInputs), sources=sources
    )
