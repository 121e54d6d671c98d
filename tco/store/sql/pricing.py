"""Pricing tables in SQL: one immutable row set per version, a tombstone version for a delete.

Served from memory where it is safe: a version once read never changes, and "the latest
version" is kept until the database's change version moves (any commit, from anywhere), so a
quote costs no round trip to the database while nothing was written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import msgspec

from tco.domain.owned import OwnedTcoInputs
from tco.domain.pricing import Offer, PricingTable
from tco.lru import LRU
from tco.store.base import (
    Conflict,
    InvalidData,
    NotFound,
    PreconditionFailed,
    TableInfo,
    VersionInfo,
    VersionSummary,
    summarize_offers,
)
from tco.store.sql.db import Connection, Database, audit, json_text, now_text, ts

_OFFER_COLUMNS = (
    "hardware",
    "provider",
    "kind",
    "usd_per_gpu_hour",
    "region",
    "effective_from",
    "source",
    "source_date",
    "notes",
    "currency",
    "owned_inputs_json",  # Offer.owned_inputs, as JSON
    "status",
)

# The table caches hold at most this many tables and offers: ~10 versions of the largest table
# (MAX_OFFERS = 2000 offers, ~0.7 KB each in memory), some 15 MB. Without the bound, a server
# whose table is rewritten and read at every version grew by ~1.4 MB a write.
_CACHED_TABLES = 256
_CACHED_OFFERS = 20_000


def _offer_weight(table: PricingTable) -> int:
    return len(table.offers) + 1


class SqlPricingTables:
    """:class:`~tco.store.protocols.PricingTables` on any :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db
        # Versions are immutable once written: (name, version) -> table.
        self._table_versions: LRU[tuple[str, int], PricingTable] = LRU(
            _CACHED_TABLES, max_weight=_CACHED_OFFERS, weigh=_offer_weight
        )
        # name -> (change version when read, table): fresh while the change version holds.
        self._latest_tables: LRU[str, tuple[int, PricingTable]] = LRU(
            _CACHED_TABLES, max_weight=_CACHED_OFFERS, weigh=lambda hit: _offer_weight(hit[1])
        )

    def list_tables(self) -> list[TableInfo]:
        with self._db.tx(write=False) as conn:
            rows = conn.execute(
                "SELECT v.name, v.version, v.description, v.offer_count, v.created_at, "
                "v.created_by FROM pricing_table t JOIN pricing_version v ON v.name = t.name "
                "WHERE t.deleted_at IS NULL AND v.version = "
                "(SELECT MAX(m.version) FROM pricing_version m WHERE m.name = t.name) "
                "ORDER BY v.name"
            ).fetchall()
        return [
            TableInfo(
                name=r[0],
                version=r[1],
                description=r[2],
                offer_count=r[3],
                updated_at=ts(r[4]),
                updated_by=r[5],
            )
            for r in rows
        ]

    def get_table(self, name: str, version: int | None = None) -> PricingTable:
        if version is None:
            # "Latest" is served from memory until any connection commits anything (the
            # backend's change version tells, across processes and machines too).
            seen = self._db.change_version()
            hit = self._latest_tables.get(name)
            if hit is not None and hit[0] == seen:
                return hit[1]
            table = self._get_table(name, None)
            self._latest_tables.put(name, (seen, table))
            return table
        return self._get_table(name, version)

    def _get_table(self, name: str, version: int | None) -> PricingTable:
        with self._db.tx(write=False) as conn:
            latest, deleted = _latest(conn, name)
            if version is None:
                if deleted:
                    raise NotFound(
                        f"pricing table {name!r} was deleted (version {latest}); "
                        "older versions remain readable with ?version="
                    )
                version = latest
            # Versions are immutable, so a version once read is served from memory: a quote
            # then costs this store one indexed lookup of the latest version number.
            cached = self._table_versions.get((name, version))
            if cached is not None:
                return cached
            table = _read_version(conn, name, version)
        self._table_versions.put((name, version), table)
        return table

    def create_table(
        self,
        name: str,
        description: str,
        offers: Sequence[Offer],
        *,
        actor: str,
        request_id: str | None,
    ) -> PricingTable:
        if not name:
            raise InvalidData("a pricing table needs a name")
        with self._db.tx(write=True) as conn:
            return self._create(
                conn,
                name=name,
                description=description,
                offers=offers,
                actor=actor,
                request_id=request_id,
            )

    def _create(
        self,
        conn: Connection,
        *,
        name: str,
        description: str,
        offers: Sequence[Offer],
        actor: str,
        request_id: str | None,
    ) -> PricingTable:
        row = _table_row(conn, name)
        if row is None:
            conn.execute(
                "INSERT INTO pricing_table (name, created_at) VALUES (?, ?)", (name, now_text())
            )
            version = 1
        elif row[0] is None:
            raise Conflict(f"pricing table {name!r} already exists")
        else:
            # A deleted name may be reused; versions continue after the tombstone so that
            # (name, version) always means the same prices.
            conn.execute("UPDATE pricing_table SET deleted_at = NULL WHERE name = ?", (name,))
            version = _latest(conn, name)[0] + 1
        return self._write_version(
            conn,
            name=name,
            version=version,
            description=description,
            offers=offers,
            deleted=False,
            actor=actor,
            request_id=request_id,
            action="pricing.create",
        )

    def replace_table(
        self,
        name: str,
        description: str,
        offers: Sequence[Offer],
        *,
        expected_version: int,
        actor: str,
        request_id: str | None,
    ) -> PricingTable:
        # The version check and the insert share one serialized write transaction: of N
        # concurrent replaces naming the same version, exactly one sees it as latest.
        with self._db.tx(write=True) as conn:
            latest = _check_expected(conn, name, expected_version)
            return self._write_version(
                conn,
                name=name,
                version=latest + 1,
                description=description,
                offers=offers,
                deleted=False,
                actor=actor,
                request_id=request_id,
                action="pricing.replace",
            )

    def delete_table(
        self, name: str, *, expected_version: int, actor: str, request_id: str | None
    ) -> int:
        """Soft delete: append a tombstone version. Returns the tombstone's version number."""
        with self._db.tx(write=True) as conn:
            latest = _check_expected(conn, name, expected_version)
            description = conn.execute(
                "SELECT description FROM pricing_version WHERE name = ? AND version = ?",
                (name, latest),
            ).fetchone()[0]
            conn.execute(
                "UPDATE pricing_table SET deleted_at = ? WHERE name = ?", (now_text(), name)
            )
            self._write_version(
                conn,
                name=name,
                version=latest + 1,
                description=description,
                offers=(),
                deleted=True,
                actor=actor,
                request_id=request_id,
                action="pricing.delete",
            )
            return latest + 1

    def list_versions(self, name: str) -> list[VersionInfo]:
        with self._db.tx(write=False) as conn:
            rows = conn.execute(
                "SELECT version, created_at, created_by, request_id, description, deleted, "
                "summary_json FROM pricing_version WHERE name = ? ORDER BY version",
                (name,),
            ).fetchall()
        if not rows:
            raise NotFound(f"pricing table {name!r} does not exist")
        return [
            VersionInfo(
                version=r[0],
                created_at=ts(r[1]),
                created_by=r[2],
                request_id=r[3],
                description=r[4],
                deleted=bool(r[5]),
                summary=msgspec.json.decode(r[6], type=VersionSummary),
            )
            for r in rows
        ]

    def seed_tables(self, tables: Sequence[PricingTable]) -> list[str]:
        """Create each shipped table that has never existed; returns the names created.

        A table the user edited or deleted is left alone: existence (even as a tombstone) is
        checked, never content, so restarts cannot resurrect or overwrite anything.
        """
        seeded = []
        for table in tables:
            with self._db.tx(write=True) as conn:
                if _table_row(conn, table.name) is not None:
                    continue
                self._create(
                    conn,
                    name=table.name,
                    description=table.description,
                    offers=table.offers,
                    actor="seed",
                    request_id=None,
                )
            seeded.append(table.name)
        return seeded

    def _write_version(
        self,
        conn: Connection,
        *,
        name: str,
        version: int,
        description: str,
        offers: Sequence[Offer],
        deleted: bool,
        actor: str,
        request_id: str | None,
        action: str,
    ) -> PricingTable:
        previous: list[Offer] = []
        if version > 1:
            prev_deleted = conn.execute(
                "SELECT deleted FROM pricing_version WHERE name = ? AND version = ?",
                (name, version - 1),
            ).fetchone()[0]
            # Re-created after a delete: the diff is against nothing (everything is added).
            if not prev_deleted:
                previous = _read_offers(conn, name, version - 1)
        summary = summarize_offers(previous, offers)
        created_at = now_text()
        try:
            conn.execute(
                "INSERT INTO pricing_version (name, version, created_at, created_by, request_id,"
                " description, deleted, offer_count, summary_json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    name,
                    version,
                    created_at,
                    actor,
                    request_id,
                    description,
                    deleted,
                    len(offers),
                    json_text(summary),
                ),
            )
        except self._db.integrity_errors:
            # Unreachable while writers are serialized; the (name, version) key is the
            # backstop should a backend's transactions ever not serialize the read-check-write.
            raise PreconditionFailed(version, target=f"pricing table {name!r}") from None
        conn.executemany(
            f"INSERT INTO offer (name, version, ordinal, {', '.join(_OFFER_COLUMNS)}) "
            f"VALUES (?, ?, ?{', ?' * len(_OFFER_COLUMNS)})",
            [
                (
                    name,
                    version,
                    i,
                    o.hardware,
                    o.provider,
                    o.kind,
                    float(o.usd_per_gpu_hour),
                    o.region,
                    None if o.effective_from is None else o.effective_from.isoformat(),
                    o.source,
                    o.source_date,
                    o.notes,
                    o.currency,
                    None if o.owned_inputs is None else json_text(o.owned_inputs),
                    o.status,
                )
                for i, o in enumerate(offers)
            ],
        )
        audit(
            conn,
            actor=actor,
            request_id=request_id,
            action=action,
            target=f"pricing_table:{name}@{version}",
            summary={
                "version": version,
                "offer_count": summary.offer_count,
                "added": summary.added,
                "removed": summary.removed,
                "changed": summary.changed,
            },
        )
        return PricingTable(
            name=name,
            version=version,
            description=description,
            offers=tuple(offers),
            created_at=ts(created_at),
            created_by=actor,
        )


def _latest(conn: Connection, name: str) -> tuple[int, bool]:
    """(latest version, deleted?) of a table; NotFound if it never existed."""
    row = conn.execute(
        "SELECT v.version, v.deleted FROM pricing_version v WHERE v.name = ? AND v.version ="
        " (SELECT MAX(m.version) FROM pricing_version m WHERE m.name = ?)",
        (name, name),
    ).fetchone()
    if row is None:
        raise NotFound(f"pricing table {name!r} does not exist")
    return int(row[0]), bool(row[1])


def _check_expected(conn: Connection, name: str, expected: int) -> int:
    latest, deleted = _latest(conn, name)
    if deleted:
        raise NotFound(f"pricing table {name!r} was deleted (version {latest})")
    if latest != expected:
        raise PreconditionFailed(latest, target=f"pricing table {name!r}", expected=expected)
    return latest


def _table_row(conn: Connection, name: str) -> tuple[str | None] | None:
    """(deleted_at,) of a table ever created, else None."""
    row = conn.execute("SELECT deleted_at FROM pricing_table WHERE name = ?", (name,))
    found = row.fetchone()
    return None if found is None else (found[0],)


def _read_version(conn: Connection, name: str, version: int) -> PricingTable:
    row = conn.execute(
        "SELECT description, created_at, created_by, deleted FROM pricing_version "
        "WHERE name = ? AND version = ?",
        (name, version),
    ).fetchone()
    if row is None:
        raise NotFound(f"pricing table {name!r} has no version {version}")
    if row[3]:
        raise NotFound(f"version {version} of pricing table {name!r} is its deletion")
    return PricingTable(
        name=name,
        version=version,
        description=row[0],
        offers=tuple(_read_offers(conn, name, version)),
        created_at=ts(row[1]),
        created_by=row[2],
    )


def _read_offers(conn: Connection, name: str, version: int) -> list[Offer]:
    rows = conn.execute(
        f"SELECT {', '.join(_OFFER_COLUMNS)} FROM offer "
        "WHERE name = ? AND version = ? ORDER BY ordinal",
        (name, version),
    ).fetchall()
    offers = []
    for r in rows:
        fields = dict(zip(_OFFER_COLUMNS, r, strict=True))
        if fields["effective_from"] is not None:
            fields["effective_from"] = dt.date.fromisoformat(fields["effective_from"])
        owned_json = fields.pop("owned_inputs_json")
        if owned_json is not None:
            fields["owned_inputs"] = msgspec.json.decode(owned_json, type=OwnedTcoInputs)
        offers.append(Offer(**fields))
    return offers
