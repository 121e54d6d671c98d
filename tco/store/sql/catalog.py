"""Catalog entries in SQL: one immutable row per version, written in the store's serialized
write transaction (so If-Match is checked where the write happens), audited, and bumping the
dataset generation like an ingest (the served dataset version changes)."""

from __future__ import annotations

from typing import Any

import msgspec

from tco.domain.catalog_entries import Entry, EntryVersion
from tco.store.base import Conflict, NotFound, PreconditionFailed
from tco.store.sql.db import Connection, Database, audit, now_text, ts

_COLUMNS = "kind, key, version, created_at, created_by, request_id, body_json"


def _latest(conn: Connection, kind: str, key: str) -> int:
    row = conn.execute(
        "SELECT MAX(version) FROM catalog_entry WHERE kind = ? AND key = ?", (kind, key)
    ).fetchone()
    return int(row[0] or 0)


def _version(row: tuple[Any, ...]) -> EntryVersion:
    kind, key, version, created_at, created_by, request_id, body = row
    return EntryVersion(
        kind=kind,
        key=key,
        version=version,
        created_at=ts(created_at),
        created_by=created_by,
        request_id=request_id,
        entry=msgspec.json.decode(body),
    )


class SqlCatalogEntries:
    """:class:`~tco.store.protocols.CatalogEntries` on any :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def write_entry(
        self,
        kind: str,
        entry: Entry,
        *,
        actor: str,
        request_id: str | None,
        expected_version: int | None,
    ) -> EntryVersion:
        """Create (``expected_version`` None: the key must be new) or replace (it must be the
        latest version) one entry; bumps the dataset generation."""
        key = str(entry.key)
        body = msgspec.json.encode(entry).decode()
        with self._db.tx(write=True) as conn:
            latest = _latest(conn, kind, key)
            if expected_version is None and latest:
                raise Conflict(f"{kind} entry {key!r} exists (version {latest}); PUT replaces it")
            if expected_version is not None:
                if not latest:
                    raise NotFound(f"no {kind} entry {key!r}")
                if expected_version != latest:
                    raise PreconditionFailed(
                        latest, target=f"{kind} entry {key!r}", expected=expected_version
                    )
            version = latest + 1
            conn.execute(
                f"INSERT INTO catalog_entry ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (kind, key, version, now_text(), actor, request_id, body),
            )
            conn.execute("UPDATE dataset_state SET generation = generation + 1 WHERE id = 1")
            audit(
                conn,
                actor=actor,
                request_id=request_id,
                action="catalog_create" if version == 1 else "catalog_replace",
                target=f"{kind}/{key}",
                summary={"version": version},
            )
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM catalog_entry WHERE kind = ? AND key = ? AND version = ?",
                (kind, key, version),
            ).fetchone()
        return _version(tuple(row))

    def latest_entries(self, kind: str | None = None) -> list[EntryVersion]:
        """The latest version of every entry (of ``kind``), oldest first."""
        latest = (
            f"SELECT {_COLUMNS} FROM catalog_entry AS e WHERE version = (SELECT MAX(version) "
            "FROM catalog_entry AS l WHERE l.kind = e.kind AND l.key = e.key)"
        )
        order = " ORDER BY created_at, kind, key"
        with self._db.tx(write=False) as conn:
            rows = (
                conn.execute(latest + order)
                if kind is None
                else conn.execute(latest + " AND kind = ?" + order, (kind,))
            ).fetchall()
        return [_version(tuple(r)) for r in rows]

    def get_entry(self, kind: str, key: str, version: int | None = None) -> EntryVersion:
        with self._db.tx(write=False) as conn:
            wanted = version or _latest(conn, kind, key)
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM catalog_entry WHERE kind = ? AND key = ? AND version = ?",
                (kind, key, wanted),
            ).fetchone()
        if row is None:
            raise NotFound(f"no {kind} entry {key!r}" + (f" version {version}" if version else ""))
        return _version(tuple(row))

    def entry_history(self, kind: str, key: str) -> list[EntryVersion]:
        """Every version, newest first, with the fields each changed."""
        with self._db.tx(write=False) as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM catalog_entry WHERE kind = ? AND key = ? ORDER BY version",
                (kind, key),
            ).fetchall()
        if not rows:
            raise NotFound(f"no {kind} entry {key!r}")
        versions: list[EntryVersion] = []
        previous: dict[str, Any] = {}
        for row in rows:
            full = _version(tuple(row))
            body = full.entry or {}
            changed = sorted(
                k for k in body.keys() | previous.keys() if body.get(k) != previous.get(k)
            )
            versions.append(msgspec.structs.replace(full, entry=None, changed=changed))
            previous = body
        return versions[::-1]
