"""The catalog entries of a store (models, hardware and frameworks added through the API or
``tco catalog``), and their application to this process.

Every store holds a catalog (``store.catalog``, tco.store.protocols.CatalogEntries, on SQLite
and PostgreSQL alike). ``apply_catalog`` makes the entries' keys and aliases
canonical (tco.domain.keys.register) and their hardware join the hardware catalog; it runs on
every dataset load, so every worker serving one store knows the same keys.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec

from tco.domain import keys
from tco.domain.catalog import Hardware
from tco.domain.catalog_entries import KEY_KIND, CatalogKind, HardwareEntry
from tco.store import CatalogEntries, catalog_token, decoded_entry

__all__ = [
    "CatalogEntryAnswer",
    "CatalogListItem",
    "apply_catalog",
    "list_entries",
]

log = logging.getLogger("tco.catalog")


class CatalogEntryAnswer(msgspec.Struct, kw_only=True, frozen=True):
    kind: str
    key: str
    version: int
    created_at: str
    created_by: str
    entry: dict[str, Any]
    dataset_version: str  # served once the index is rebuilt (before this answer)


class CatalogListItem(msgspec.Struct, kw_only=True, frozen=True):
    key: str
    display_name: str
    shipped: bool
    version: int | None  # None for a shipped entry (it is not versioned through the API)
    entry: dict[str, Any] | None  # an added entry's fields


def list_entries(entries: CatalogEntries, kind: CatalogKind) -> list[CatalogListItem]:
    """Every entry of ``kind``: the shipped ones (read-only) not replaced by an added one,
    then the added ones at their latest version."""
    shipped = {
        "models": keys.MODEL_DISPLAY_NAMES,
        "hardware": keys.HARDWARE_DISPLAY_NAMES,
        "frameworks": keys.FRAMEWORK_DISPLAY_NAMES,
    }[kind]
    added = {e.key: e for e in entries.latest_entries(kind)}
    items = [
        CatalogListItem(key=k, display_name=name, shipped=True, version=None, entry=None)
        for k, name in shipped.items()
        if k not in added and keys.is_shipped(KEY_KIND[kind], k)
    ]
    items += [
        CatalogListItem(
            key=k,
            display_name=str((e.entry or {}).get("display_name", k)),
            shipped=False,
            version=e.version,
            entry=e.entry,
        )
        for k, e in added.items()
    ]
    return items


def apply_catalog(entries: CatalogEntries) -> tuple[str, dict[str, Hardware]]:
    """(a token of the entries' versions for the dataset version, the added hardware)."""
    latest = entries.latest_entries()
    hardware: dict[str, Hardware] = {}
    for version in latest:
        entry = decoded_entry(version.kind, version)
        variant_of = getattr(entry, "variant_of", None)
        try:
            keys.register(
                KEY_KIND[version.kind], entry.key, entry.display_name, entry.aliases, variant_of
            )
        except ValueError:  # a spelling taken since: the entry keeps its key, not that alias
            log.warning("catalog %s/%s: an alias clashes; registered without aliases",
                        version.kind, entry.key)  # fmt: skip
            keys.register(KEY_KIND[version.kind], entry.key, entry.display_name, (), variant_of)
        if isinstance(entry, HardwareEntry):
            hardware[entry.key] = entry.hardware()
    return catalog_token(latest), hardware
