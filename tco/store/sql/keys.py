"""API keys (stored as SHA-256 hashes) and the audit log, in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from tco.store.base import (
    KEY_DISPLAY_CHARS,
    AuditEntry,
    Conflict,
    InvalidData,
    KeyInfo,
    NotFound,
    Role,
    hash_api_key,
    new_api_key,
)
from tco.store.sql.db import Database, audit, now_text, opt_ts, ts

_KEY_COLUMNS = "name, prefix, role, created_at, created_by, revoked_at"


def _key_info(row: Sequence[Any]) -> KeyInfo:
    return KeyInfo(
        name=row[0],
        prefix=row[1],
        role=Role.parse(row[2]),
        created_at=ts(row[3]),
        created_by=row[4],
        revoked_at=opt_ts(row[5]),
    )


class SqlApiKeys:
    """:class:`~tco.store.protocols.ApiKeys` on any :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create_key(
        self, name: str, role: Role | str, *, actor: str = "cli", request_id: str | None = None
    ) -> str:
        """Create a key and return its plaintext: the only time it exists outside the caller."""
        role = Role.parse(role)
        if not name:
            raise InvalidData("an API key needs a name")
        plaintext = new_api_key()
        prefix = plaintext[:KEY_DISPLAY_CHARS]
        with self._db.tx(write=True) as conn:
            active = conn.execute(
                "SELECT 1 FROM api_key WHERE name = ? AND revoked_at IS NULL", (name,)
            ).fetchone()
            if active is not None:
                raise Conflict(f"an active API key named {name!r} already exists")
            conn.execute(
                "INSERT INTO api_key (key_hash, prefix, name, role, created_at, created_by) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (hash_api_key(plaintext), prefix, name, role.name.lower(), now_text(), actor),
            )
            audit(
                conn,
                actor=actor,
                request_id=request_id,
                action="key.create",
                target=f"api_key:{name}",
                summary={"role": role.name.lower(), "prefix": prefix},
            )
        return plaintext

    def authenticate(self, plaintext: str) -> KeyInfo | None:
        """The active key with this plaintext, or None."""
        # The lookup is by the SHA-256 of the key, so response timing depends only on a hash
        # an attacker cannot steer toward a stored one; no secret is compared byte by byte.
        digest = hash_api_key(plaintext)
        with self._db.tx(write=False) as conn:
            row = conn.execute(
                f"SELECT {_KEY_COLUMNS} FROM api_key WHERE key_hash = ? AND revoked_at IS NULL",
                (digest,),
            ).fetchone()
        return None if row is None else _key_info(row)

    def list_keys(self) -> list[KeyInfo]:
        """Every key, revoked ones included (with revoked_at), oldest first."""
        with self._db.tx(write=False) as conn:
            rows = conn.execute(
                f"SELECT {_KEY_COLUMNS} FROM api_key ORDER BY created_at, name"
            ).fetchall()
        return [_key_info(r) for r in rows]

    def revoke_key(
        self, name_or_prefix: str, *, actor: str = "cli", request_id: str | None = None
    ) -> KeyInfo:
        """Revoke the active key with this name, or else whose display prefix starts so."""
        with self._db.tx(write=True) as conn:
            rows = conn.execute(
                f"SELECT key_hash, {_KEY_COLUMNS} FROM api_key "
                "WHERE revoked_at IS NULL AND name = ?",
                (name_or_prefix,),
            ).fetchall()
            if not rows and len(name_or_prefix) >= len("tco_") + 4:
                # Prefix match in Python: exact and case-sensitive on every backend (SQL LIKE
                # is not, in SQLite), and the active keys are few.
                wanted = name_or_prefix[:KEY_DISPLAY_CHARS]
                rows = [
                    r
                    for r in conn.execute(
                        f"SELECT key_hash, {_KEY_COLUMNS} FROM api_key WHERE revoked_at IS NULL"
                    )
                    if r[2].startswith(wanted)
                ]
            if not rows:
                raise NotFound(f"no active API key named or prefixed {name_or_prefix!r}")
            if len(rows) > 1:
                raise Conflict(f"{name_or_prefix!r} matches {len(rows)} keys; give the name")
            revoked_at = now_text()
            conn.execute(
                "UPDATE api_key SET revoked_at = ? WHERE key_hash = ?", (revoked_at, rows[0][0])
            )
            info = msgspec.structs.replace(_key_info(rows[0][1:]), revoked_at=ts(revoked_at))
            audit(
                conn,
                actor=actor,
                request_id=request_id,
                action="key.revoke",
                target=f"api_key:{info.name}",
                summary={"prefix": info.prefix},
            )
        return info

    def list_audit(self, limit: int = 100) -> list[AuditEntry]:
        """The newest ``limit`` entries, newest first."""
        with self._db.tx(write=False) as conn:
            rows = conn.execute(
                "SELECT seq, at, actor, request_id, action, target, summary_json FROM audit "
                "ORDER BY seq DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            AuditEntry(
                seq=r[0],
                at=ts(r[1]),
                actor=r[2],
                request_id=r[3],
                action=r[4],
                target=r[5],
                summary=msgspec.json.decode(r[6]),
            )
            for r in rows
        ]
