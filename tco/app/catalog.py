"""The catalog entries of a store (models, hardware and frameworks added through the API or
``tco catalog``), and their application to this process.

``CatalogEntries`` is what the application needs of a store's catalog; ``catalog_entries_of``
picks the implementation once, when a service is wired (a store that holds no catalog gives
None, and the catalog routes say so). ``apply_catalog`` makes the entries' keys and aliases
canonical (tco.domain.keys.register) and their hardware join the hardware catalog; it runs on
every dataset load, so every worker serving one store knows the same keys.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from tco.domain import keys
from tco.domain.catalog import Hardware
from tco.domain.catalog_entries import KEY_KIND, CatalogKind, Entry, EntryVersion, HardwareEntry
from tco.store import Store

if TYPE_CHECKING:
    from tco.store.sqlite import SqliteStore

__all__ = [
    "CatalogEntries",
    "CatalogEntryAnswer",
    "CatalogListItem",
    "SqliteCatalogEntries",
    "apply_catalog",
    "catalog_entries_of",
    "list_entries",
]

log = logging.getLogger("tco.catalog")


class CatalogEntries(Protocol):
    """Versioned catalog entries: the store's ``NotFound``, ``Conflict`` (a create of a key
    that exists) and ``PreconditionFailed`` (a replace of another version) as it raises them."""

    def latest(self, kind: str | None = None) -> list[EntryVersion]:
        """The latest version of every entry (of ``kind``), oldest first."""
        ...

    def get(self, kind: str, key: str, version: int | None = None) -> EntryVersion: ...

    def history(self, kind: str, key: str) -> list[EntryVersion]:
        """Every version, newest first, with the fields each changed."""
        ...

    def write(
        self,
        kind: str,
        entry: Entry,
        *,
        actor: str,
        request_id: str | None,
        expected_version: int | None,
    ) -> EntryVersion:
        """Create (``expected_version`` None) or replace one entry; bumps the dataset
        generation."""
        ...

    def token(self, entries: list[EntryVersion]) -> str:
        """A token of the entries' versions, for the dataset version."""
        ...


class SqliteCatalogEntries:
    """The entries of a SQLite store (tco.store.catalog_sqlite)."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    def latest(self, kind: str | None = None) -> list[EntryVersion]:
        from tco.store.catalog_sqlite import latest_entries

        return latest_entries(self._store, kind)

    def get(self, kind: str, key: str, version: int | None = None) -> EntryVersion:
        from tco.store.catalog_sqlite import get_entry

        return get_entry(self._store, kind, key, version)

    def history(self, kind: str, key: str) -> list[EntryVersion]:
        from tco.store.catalog_sqlite import entry_history

        return entry_history(self._store, kind, key)

    def write(
        self,
        kind: str,
        entry: Entry,
        *,
        actor: str,
        request_id: str | None,
        expected_version: int | None,
    ) -> EntryVersion:
        from tco.store.catalog_sqlite import write_entry

        return write_entry(
            self._store, kind, entry, actor=actor, request_id=request_id,
            expected_version=expected_version,
        )  # fmt: skip

    def token(self, entries: list[EntryVersion]) -> str:
        from tco.store.catalog_sqlite import catalog_token

        return catalog_token(entries)


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
    added = {e.key: e for e in entries.latest(kind)}
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


def catalog_entries_of(store: Store) -> CatalogEntries | None:
    """The catalog of ``store``, or None for a store that holds none. The one place that knows
    which backends hold catalog entries (today the SQLite store)."""
    from tco.store.sqlite import SqliteStore

    return SqliteCatalogEntries(store) if isinstance(store, SqliteStore) else None


def apply_catalog(entries: CatalogEntries | None) -> tuple[str, dict[str, Hardware]]:
    """(a token of the entries' versions for the dataset version, the added hardware)."""
    if entries is None:
        return "", {}
    from tco.store.catalog_sqlite import decoded

    latest = entries.latest()
    hardware: dict[str, Hardware] = {}
    for version in latest:
        entry = decoded(version.kind, version)
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
    return entries.token(latest), hardware
