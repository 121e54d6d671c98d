"""The catalog entries of a store, applied to this process: their keys and aliases become
canonical (tco.domain.keys.register) and their hardware joins the hardware catalog. Called on
every dataset load, so every worker serving one store knows the same keys."""

from __future__ import annotations

import logging

from tco.domain import keys
from tco.domain.catalog import Hardware
from tco.domain.catalog_entries import KEY_KIND, HardwareEntry
from tco.store import Store

log = logging.getLogger("tco.catalog")


def apply_catalog(store: Store) -> tuple[str, dict[str, Hardware]]:
    """(a token of the entries' versions for the dataset version, the added hardware)."""
    from tco.store.sqlite import SqliteStore

    if not isinstance(store, SqliteStore):
        return "", {}
    from tco.store.catalog_sqlite import catalog_token, decoded, latest_entries

    entries = latest_entries(store)
    hardware: dict[str, Hardware] = {}
    for version in entries:
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
    return catalog_token(entries), hardware
