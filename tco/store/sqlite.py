"""The SQLite store: one file, no server, stdlib ``sqlite3`` only.

Concurrency model: one WRITER connection behind a lock, plus a pool of READER connections.
- Writes are serialized by the lock (SQLite admits one writer at a time anyway, so the lock
  costs nothing and spares in-process writers the busy-wait). Each write is one
  ``BEGIN IMMEDIATE`` transaction: the write lock is taken before the first read, so a
  read-check-write (optimistic concurrency, duplicate checks) cannot interleave with another
  writer, in this process or another (a CLI import while the server runs, several workers),
  which waits up to the busy timeout.
- Reads borrow a pooled connection (``query_only``) and run in their own transaction: in WAL
  mode they see a consistent snapshot and never wait for a writer, so a 100k-row ingest does not
  stall quotes or key checks. A pool (not thread-locals) keeps the number of connections at the
  peak concurrency and lets ``close()`` close every one of them deterministically.
- ``:memory:`` has no shared file, so there everything uses the writer connection.

Loading points: the frontier index needs every point as one polars frame. Fetching 100k rows x
40 columns through sqlite3 costs ~4M Python objects (~1 s here), so each ingest also stores its
rows as an Arrow IPC frame, merged lazily into a whole-dataset snapshot blob; a load reads the
snapshot plus the frames of runs ingested since (see ``load_dataset``). The point rows remain
the source of truth (dedup, ``get_run``, future SQL filters); the blobs are derived from them
in the same transactions.

Durability: WAL journal with ``synchronous=FULL``: a write is acknowledged only after its
commit record is fsynced, so a ``kill -9`` (or power loss) never loses an acknowledged write.

Every statement outside this module's PRAGMAs and ``BEGIN IMMEDIATE`` is portable SQL.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import queue
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
import polars as pl

from tco.domain.owned import OwnedTcoInputs
from tco.domain.points import (
    POINT_FIELDS,
    POINT_SCHEMA,
    Point,
    points_frame,
)
from tco.domain.pricing import Offer, PricingTable
from tco.lru import LRU
from tco.store.base import (
    KEY_DISPLAY_CHARS,
    AuditEntry,
    Conflict,
    Dataset,
    InvalidData,
    KeyInfo,
    NotFound,
    PreconditionFailed,
    Role,
    RunInfo,
    RunResult,
    StoreError,
    TableInfo,
    VersionInfo,
    VersionSummary,
    hash_api_key,
    new_api_key,
    point_hash,
    summarize_offers,
)
from tco.store.jobs import JobsMixin
from tco.store.schema import MIGRATIONS

BUSY_TIMEOUT_S = 10.0

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
_POINT_COLUMN_SQL = ", ".join(f'"{name}"' for name in POINT_FIELDS)
_DATE_INDEXES = tuple(i for i, n in enumerate(POINT_FIELDS) if POINT_SCHEMA[n] == pl.Date())
_BOOL_INDEXES = tuple(i for i, n in enumerate(POINT_FIELDS) if POINT_SCHEMA[n] == pl.Boolean())
_IN_CHUNK = 500  # bound parameters per IN (...) list, well under SQLite's limit
# The dataset snapshot keeps each point's run id, so deleting a run can be applied to it.
_RUN_ID = "_run_id"
_SNAPSHOT_SCHEMA: dict[str, pl.DataType] = {**POINT_SCHEMA, _RUN_ID: pl.Utf8()}
# Merge run frames into the snapshot at ingest once this many are pending, so a load after
# a bulk import of many small runs never has to read thousands of blobs.
SNAPSHOT_AFTER_RUNS = 64


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _opt_ts(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def _json(value: object) -> str:
    return msgspec.json.encode(value).decode()


def database_path(url: str | Path) -> str:
    """``sqlite:///rel/path``, ``sqlite:////abs/path``, a plain path, or ``:memory:``."""
    text = str(url)
    if text.startswith("sqlite://"):
        text = text.removeprefix("sqlite://")
        text = text.removeprefix("/")  # sqlite:///x is relative; sqlite:////x keeps one slash
        return text or ":memory:"
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise StoreError(f"unsupported database URL scheme {scheme!r}; use sqlite:///PATH")
    return text


# The table caches hold at most this many tables and offers: ~10 versions of the largest table
# (MAX_OFFERS = 2000 offers, ~0.7 KB each in memory), some 15 MB. Without the bound, a server
# whose table is rewritten and read at every version grew by ~1.4 MB a write.
_CACHED_TABLES = 256
# How stale "the latest version of a pricing table" may be when another process (another
# worker, a CLI edit) commits: SQLite's data_version is asked at most this often instead of on
# every quote. Writes through this process are seen by the next read whatever this says.
LATEST_RECHECK_S = 0.1
_CACHED_OFFERS = 20_000


def _offer_weight(table: PricingTable) -> int:
    return len(table.offers) + 1


class SqliteStore(JobsMixin):
    """The default :class:`~tco.store.base.Store`. Use as a context manager or call close()."""

    def __init__(self, path_or_url: str | Path = ":memory:") -> None:
        path = database_path(path_or_url)
        self.path = path
        self._memory = path == ":memory:"
        if not self._memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()  # the writer connection
        self._pool_lock = threading.Lock()  # the list of reader connections
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._all_readers: list[sqlite3.Connection] = []
        self._closed = False
        # Versions are immutable once written: (name, version) -> table.
        self._table_versions: LRU[tuple[str, int], PricingTable] = LRU(
            _CACHED_TABLES, max_weight=_CACHED_OFFERS, weigh=_offer_weight
        )
        # name -> (data_version when read, table): fresh while data_version is unchanged.
        self._latest_tables: LRU[str, tuple[int, PricingTable]] = LRU(
            _CACHED_TABLES, max_weight=_CACHED_OFFERS, weigh=lambda hit: _offer_weight(hit[1])
        )
        self._watch_lock = threading.Lock()
        self._watch: sqlite3.Connection | None = None
        # The data_version last read and when (monotonic s): asked again at most every
        # LATEST_RECHECK_S, or at once after a write through any store of this process.
        self._seen: tuple[int, int, float] = (-1, -1, -math.inf)  # (local writes, version, at)
        self._file_key = path if self._memory else str(Path(path).resolve())
        self._writer = self._connect()
        try:
            if not self._memory:
                mode = self._writer.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise StoreError(f"could not enable WAL on {path} (journal mode {mode})")
            self._writer.execute("PRAGMA synchronous=FULL")
            self._migrate()
            if not self._memory:  # a second connection to :memory: would be another database
                self._watch = self._connect(read_only=True)
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------------- plumbing

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock, self._pool_lock:
            self._closed = True
            self._writer.close()
            if self._watch is not None:
                self._watch.close()
            for conn in self._all_readers:
                conn.close()
            self._all_readers.clear()

    def _connect(self, *, read_only: bool = False) -> sqlite3.Connection:
        # isolation_level=None: sqlite3 never opens transactions implicitly; every transaction
        # here is an explicit BEGIN ... COMMIT. check_same_thread=False: connections move
        # between threads, but the lock / the pool hand each to one thread at a time.
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
        )
        try:
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            if read_only:
                conn.execute("PRAGMA query_only=ON")
        except BaseException:
            conn.close()
            raise
        return conn

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")

    @contextmanager
    def _tx(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        """One transaction: a write on the writer under the lock, a read on a pooled reader."""
        if write or self._memory:
            with self._lock:
                self._check_open()
                try:
                    with _transaction(self._writer, "BEGIN IMMEDIATE" if write else "BEGIN"):
                        yield self._writer
                finally:
                    if write:  # committed or not: the next "latest" read asks SQLite again
                        _bump_local_writes(self._file_key)
            return
        conn = self._borrow()
        try:
            with _transaction(conn, "BEGIN"):
                yield conn
        finally:
            self._readers.put(conn)

    def _borrow(self) -> sqlite3.Connection:
        self._check_open()
        try:
            return self._readers.get_nowait()
        except queue.Empty:
            # Its own lock, not the writer's: a new reader must not wait for a long ingest.
            with self._pool_lock:
                self._check_open()
                conn = self._connect(read_only=True)
                self._all_readers.append(conn)
                return conn

    def _migrate(self) -> None:
        # IMMEDIATE: two processes opening a new file at once apply each migration once.
        with self._tx(write=True) as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            current = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0
            if current > len(MIGRATIONS):
                raise StoreError(
                    f"database schema version {current} is newer than this tco supports "
                    f"({len(MIGRATIONS)}); upgrade tco"
                )
            for version, statements in enumerate(MIGRATIONS, start=1):
                if version <= current:
                    continue
                for statement in statements:
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (version, _now()),
                )

    def schema_version(self) -> int:
        with self._tx(write=False) as conn:
            return int(conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])

    def _audit(
        self,
        conn: sqlite3.Connection,
        *,
        actor: str,
        request_id: str | None,
        action: str,
        target: str,
        summary: object,
    ) -> None:
        conn.execute(
            "INSERT INTO audit (seq, at, actor, request_id, action, target, summary_json) "
            "SELECT COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ? FROM audit",
            (_now(), actor, request_id, action, target, _json(summary)),
        )

    # ------------------------------------------------------------------- pricing tables

    def list_tables(self) -> list[TableInfo]:
        with self._tx(write=False) as conn:
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
                updated_at=_ts(r[4]),
                updated_by=r[5],
            )
            for r in rows
        ]

    def get_table(self, name: str, version: int | None = None) -> PricingTable:
        if version is None and self._watch is not None:
            # "Latest" is served from memory until any connection commits anything: SQLite's
            # data_version (one pragma, no table read) tells, across processes too. It is asked
            # at most every LATEST_RECHECK_S, and at once after a write through any store of
            # this process: a commit here is seen by the next read, one from another process
            # within LATEST_RECHECK_S.
            seen = self._current_data_version()
            hit = self._latest_tables.get(name)
            if hit is not None and hit[0] == seen:
                return hit[1]
            table = self._get_table(name, None)
            self._latest_tables.put(name, (seen, table))
            return table
        return self._get_table(name, version)

    def _current_data_version(self) -> int:
        writes, version, at = self._seen
        now = time.monotonic()
        local = _local_writes.get(self._file_key, 0)
        if local == writes and now - at < LATEST_RECHECK_S:
            return version
        version = self._data_version()
        self._seen = (local, version, now)
        return version

    def _data_version(self) -> int:
        assert self._watch is not None
        with self._watch_lock:
            return int(self._watch.execute("PRAGMA data_version").fetchone()[0])

    def _get_table(self, name: str, version: int | None) -> PricingTable:
        with self._tx(write=False) as conn:
            latest, deleted = self._latest(conn, name)
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
            table = self._read_version(conn, name, version)
        self._table_versions.put((name, version), table)
        return table

    def _latest(self, conn: sqlite3.Connection, name: str) -> tuple[int, bool]:
        """(latest version, deleted?) of a table; NotFound if it never existed."""
        row = conn.execute(
            "SELECT v.version, v.deleted FROM pricing_version v WHERE v.name = ? AND v.version ="
            " (SELECT MAX(m.version) FROM pricing_version m WHERE m.name = ?)",
            (name, name),
        ).fetchone()
        if row is None:
            raise NotFound(f"pricing table {name!r} does not exist")
        return int(row[0]), bool(row[1])

    def _read_version(self, conn: sqlite3.Connection, name: str, version: int) -> PricingTable:
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
            offers=tuple(self._read_offers(conn, name, version)),
            created_at=_ts(row[1]),
            created_by=row[2],
        )

    def _read_offers(self, conn: sqlite3.Connection, name: str, version: int) -> list[Offer]:
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

    def _write_version(
        self,
        conn: sqlite3.Connection,
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
                previous = self._read_offers(conn, name, version - 1)
        summary = summarize_offers(previous, offers)
        created_at = _now()
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
                    _json(summary),
                ),
            )
        except sqlite3.IntegrityError:
            # Unreachable under BEGIN IMMEDIATE; the (name, version) key is the backstop for
            # backends whose transactions do not serialize the read-check-write.
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
                    None if o.owned_inputs is None else _json(o.owned_inputs),
                    o.status,
                )
                for i, o in enumerate(offers)
            ],
        )
        self._audit(
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
            created_at=_ts(created_at),
            created_by=actor,
        )

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
        with self._tx(write=True) as conn:
            return self._create(
                conn,
                name=name,
                description=description,
                offers=offers,
                actor=actor,
                request_id=request_id,
            )

    @staticmethod
    def _table_row(conn: sqlite3.Connection, name: str) -> tuple[str | None] | None:
        """(deleted_at,) of a table ever created, else None."""
        row = conn.execute("SELECT deleted_at FROM pricing_table WHERE name = ?", (name,))
        return row.fetchone()  # type: ignore[no-any-return]

    def _create(
        self,
        conn: sqlite3.Connection,
        *,
        name: str,
        description: str,
        offers: Sequence[Offer],
        actor: str,
        request_id: str | None,
    ) -> PricingTable:
        row = self._table_row(conn, name)
        if row is None:
            conn.execute(
                "INSERT INTO pricing_table (name, created_at) VALUES (?, ?)", (name, _now())
            )
            version = 1
        elif row[0] is None:
            raise Conflict(f"pricing table {name!r} already exists")
        else:
            # A deleted name may be reused; versions continue after the tombstone so that
            # (name, version) always means the same prices.
            conn.execute("UPDATE pricing_table SET deleted_at = NULL WHERE name = ?", (name,))
            version = self._latest(conn, name)[0] + 1
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

    def _check_expected(self, conn: sqlite3.Connection, name: str, expected: int) -> int:
        latest, deleted = self._latest(conn, name)
        if deleted:
            raise NotFound(f"pricing table {name!r} was deleted (version {latest})")
        if latest != expected:
            raise PreconditionFailed(latest, target=f"pricing table {name!r}", expected=expected)
        return latest

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
        # The version check and the insert share one IMMEDIATE transaction: of N concurrent
        # replaces naming the same version, exactly one sees it as latest.
        with self._tx(write=True) as conn:
            latest = self._check_expected(conn, name, expected_version)
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
        with self._tx(write=True) as conn:
            latest = self._check_expected(conn, name, expected_version)
            description = conn.execute(
                "SELECT description FROM pricing_version WHERE name = ? AND version = ?",
                (name, latest),
            ).fetchone()[0]
            conn.execute("UPDATE pricing_table SET deleted_at = ? WHERE name = ?", (_now(), name))
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
        with self._tx(write=False) as conn:
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
                created_at=_ts(r[1]),
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
            with self._tx(write=True) as conn:
                if self._table_row(conn, table.name) is not None:
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

    # ------------------------------------------------------------------------- API keys

    @staticmethod
    def _key_info(row: Sequence[Any]) -> KeyInfo:
        return KeyInfo(
            name=row[0],
            prefix=row[1],
            role=Role.parse(row[2]),
            created_at=_ts(row[3]),
            created_by=row[4],
            revoked_at=_opt_ts(row[5]),
        )

    _KEY_COLUMNS = "name, prefix, role, created_at, created_by, revoked_at"

    def create_key(
        self, name: str, role: Role | str, *, actor: str = "cli", request_id: str | None = None
    ) -> str:
        """Create a key and return its plaintext: the only time it exists outside the caller."""
        role = Role.parse(role)
        if not name:
            raise InvalidData("an API key needs a name")
        plaintext = new_api_key()
        prefix = plaintext[:KEY_DISPLAY_CHARS]
        with self._tx(write=True) as conn:
            active = conn.execute(
                "SELECT 1 FROM api_key WHERE name = ? AND revoked_at IS NULL", (name,)
            ).fetchone()
            if active is not None:
                raise Conflict(f"an active API key named {name!r} already exists")
            conn.execute(
                "INSERT INTO api_key (key_hash, prefix, name, role, created_at, created_by) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (hash_api_key(plaintext), prefix, name, role.name.lower(), _now(), actor),
            )
            self._audit(
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
        with self._tx(write=False) as conn:
            row = conn.execute(
                f"SELECT {self._KEY_COLUMNS} FROM api_key "
                "WHERE key_hash = ? AND revoked_at IS NULL",
                (digest,),
            ).fetchone()
        return None if row is None else self._key_info(row)

    def list_keys(self) -> list[KeyInfo]:
        """Every key, revoked ones included (with revoked_at), oldest first."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                f"SELECT {self._KEY_COLUMNS} FROM api_key ORDER BY created_at, name"
            ).fetchall()
        return [self._key_info(r) for r in rows]

    def revoke_key(
        self, name_or_prefix: str, *, actor: str = "cli", request_id: str | None = None
    ) -> KeyInfo:
        """Revoke the active key with this name, or else whose display prefix starts so."""
        with self._tx(write=True) as conn:
            rows = conn.execute(
                f"SELECT key_hash, {self._KEY_COLUMNS} FROM api_key "
                "WHERE revoked_at IS NULL AND name = ?",
                (name_or_prefix,),
            ).fetchall()
            if not rows and len(name_or_prefix) >= len("tco_") + 4:
                # Prefix match in Python: exact and case-sensitive (SQLite's LIKE is not), and
                # the active keys are few.
                wanted = name_or_prefix[:KEY_DISPLAY_CHARS]
                rows = [
                    r
                    for r in conn.execute(
                        f"SELECT key_hash, {self._KEY_COLUMNS} FROM api_key "
                        "WHERE revoked_at IS NULL"
                    )
                    if r[2].startswith(wanted)
                ]
            if not rows:
                raise NotFound(f"no active API key named or prefixed {name_or_prefix!r}")
            if len(rows) > 1:
                raise Conflict(f"{name_or_prefix!r} matches {len(rows)} keys; give the name")
            revoked_at = _now()
            conn.execute(
                "UPDATE api_key SET revoked_at = ? WHERE key_hash = ?", (revoked_at, rows[0][0])
            )
            info = msgspec.structs.replace(self._key_info(rows[0][1:]), revoked_at=_ts(revoked_at))
            self._audit(
                conn,
                actor=actor,
                request_id=request_id,
                action="key.revoke",
                target=f"api_key:{info.name}",
                summary={"prefix": info.prefix},
            )
        return info

    # ---------------------------------------------------------------------------- audit

    def list_audit(self, limit: int = 100) -> list[AuditEntry]:
        """The newest ``limit`` entries, newest first."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                "SELECT seq, at, actor, request_id, action, target, summary_json FROM audit "
                "ORDER BY seq DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            AuditEntry(
                seq=r[0],
                at=_ts(r[1]),
                actor=r[2],
                request_id=r[3],
                action=r[4],
                target=r[5],
                summary=msgspec.json.decode(r[6]),
            )
            for r in rows
        ]

    # ------------------------------------------------------------------- benchmark runs

    def add_run(
        self,
        points: Sequence[Point],
        *,
        source: str,
        format: str,
        actor: str,
        request_id: str | None,
    ) -> RunResult:
        """Store a run's points atomically; rows already stored (by content) are skipped."""
        run_id = "run_" + uuid.uuid4().hex[:16]
        # The CPU work (hashing, row tuples, the frame) happens before taking the write lock.
        try:
            hashes = [point_hash(p) for p in points]
            rows = [
                _point_row(run_id, i, h, p)
                for i, (h, p) in enumerate(zip(hashes, points, strict=True))
            ]
            frame = points_frame(points)
        except (pl.exceptions.PolarsError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidData(
                f"run not stored, a point has a value of the wrong type: {exc}"
            ) from exc
        try:
            return self._add_run(
                run_id=run_id,
                rows=rows,
                hashes=hashes,
                frame=frame,
                source=source,
                format=format,
                actor=actor,
                request_id=request_id,
            )
        except _NothingNew as nothing:
            return nothing.result

    def _add_run(
        self,
        *,
        run_id: str,
        rows: list[tuple[object, ...]],
        hashes: list[str],
        frame: pl.DataFrame,
        source: str,
        format: str,
        actor: str,
        request_id: str | None,
    ) -> RunResult:
        with self._tx(write=True) as conn:
            generation = self._generation(conn) + 1
            conn.execute(
                "INSERT INTO run (id, created_at, created_by, request_id, source, format, "
                "row_count, duplicates, ingest_generation) VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?)",
                (run_id, _now(), actor, request_id, source, format, generation),
            )
            before = conn.total_changes
            try:
                conn.executemany(
                    f"INSERT INTO point (run_id, ordinal, point_hash, {_POINT_COLUMN_SQL}) "
                    f"VALUES (?, ?, ?{', ?' * len(POINT_FIELDS)}) "
                    "ON CONFLICT (point_hash) DO NOTHING",
                    rows,
                )
            except sqlite3.IntegrityError as exc:
                # NOT NULL on a required field (None, or NaN, which SQLite stores as NULL).
                raise InvalidData(f"run not stored, a point breaks a constraint: {exc}") from exc
            added = conn.total_changes - before
            duplicates = len(rows) - added
            existing = self._runs_holding(conn, hashes, run_id) if duplicates else ()
            if added == 0:
                # Nothing new: roll back (no run recorded, generation and indexes untouched).
                raise _NothingNew(
                    RunResult(
                        run_id=None,
                        rows_added=0,
                        duplicates=duplicates,
                        existing_run_ids=existing,
                        dataset_generation=generation - 1,
                    )
                )
            if duplicates:
                stored = conn.execute(
                    "SELECT ordinal FROM point WHERE run_id = ? ORDER BY ordinal", (run_id,)
                )
                frame = frame[[r[0] for r in stored]]
            conn.execute(
                "UPDATE run SET row_count = ?, duplicates = ?, frame = ? WHERE id = ?",
                (added, duplicates, _frame_blob(frame), run_id),
            )
            conn.execute("UPDATE dataset_state SET generation = ? WHERE id = 1", (generation,))
            self._audit(
                conn,
                actor=actor,
                request_id=request_id,
                action="run.ingest",
                target=f"run:{run_id}",
                summary={
                    "rows_added": added,
                    "duplicates": duplicates,
                    "source": source,
                    "format": format,
                },
            )
            pending = conn.execute(
                "SELECT COUNT(*) FROM run, dataset_state WHERE run.deleted_at IS NULL "
                "AND run.ingest_generation > dataset_state.snapshot_generation"
            ).fetchone()[0]
            if pending >= SNAPSHOT_AFTER_RUNS:
                # Bound the blobs a load must merge when many small runs arrive between loads.
                _, merged, _ = self._snapshot(conn)
                self._save_snapshot(conn, generation, merged)
        return RunResult(
            run_id=run_id,
            rows_added=added,
            duplicates=duplicates,
            existing_run_ids=existing,
            dataset_generation=generation,
        )

    @staticmethod
    def _runs_holding(
        conn: sqlite3.Connection, hashes: Sequence[str], exclude: str
    ) -> tuple[str, ...]:
        found: set[str] = set()
        unique = sorted(set(hashes))
        for start in range(0, len(unique), _IN_CHUNK):
            chunk = unique[start : start + _IN_CHUNK]
            found.update(
                r[0]
                for r in conn.execute(
                    "SELECT DISTINCT run_id FROM point WHERE run_id <> ? AND point_hash IN "
                    f"({', '.join('?' * len(chunk))})",
                    (exclude, *chunk),
                )
            )
        return tuple(sorted(found))

    @staticmethod
    def _generation(conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT generation FROM dataset_state WHERE id = 1").fetchone()[0])

    def dataset_generation(self) -> int:
        with self._tx(write=False) as conn:
            return self._generation(conn)

    _RUN_COLUMNS = "id, created_at, created_by, request_id, source, format, row_count, duplicates"

    @staticmethod
    def _run_info(r: Sequence[Any]) -> RunInfo:
        return RunInfo(
            id=r[0],
            created_at=_ts(r[1]),
            created_by=r[2],
            request_id=r[3],
            source=r[4],
            format=r[5],
            row_count=r[6],
            duplicates=r[7],
        )

    def list_runs(self) -> list[RunInfo]:
        """Live runs, newest first."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                f"SELECT {self._RUN_COLUMNS} FROM run WHERE deleted_at IS NULL "
                "ORDER BY ingest_generation DESC"
            ).fetchall()
        return [self._run_info(r) for r in rows]

    def get_run(self, run_id: str) -> tuple[RunInfo, list[Point]]:
        with self._tx(write=False) as conn:
            row = conn.execute(
                f"SELECT {self._RUN_COLUMNS} FROM run WHERE id = ? AND deleted_at IS NULL",
                (run_id,),
            ).fetchone()
            if row is None:
                raise NotFound(f"run {run_id!r} does not exist")
            rows = conn.execute(
                f"SELECT {_POINT_COLUMN_SQL} FROM point WHERE run_id = ? ORDER BY ordinal",
                (run_id,),
            ).fetchall()
        return self._run_info(row), [_row_point(r) for r in rows]

    def delete_run(self, run_id: str, *, actor: str, request_id: str | None) -> int:
        """Delete a run's points (the run record stays, marked deleted, for the audit trail).

        The points are removed rather than hidden so that re-posting them later stores them
        again. Returns the new dataset generation.
        """
        with self._tx(write=True) as conn:
            found = conn.execute(
                "SELECT 1 FROM run WHERE id = ? AND deleted_at IS NULL", (run_id,)
            ).fetchone()
            if found is None:
                raise NotFound(f"run {run_id!r} does not exist")
            generation = self._generation(conn) + 1
            removed = conn.execute("DELETE FROM point WHERE run_id = ?", (run_id,)).rowcount
            conn.execute(
                "UPDATE run SET deleted_at = ?, deleted_generation = ?, frame = NULL WHERE id = ?",
                (_now(), generation, run_id),
            )
            conn.execute("UPDATE dataset_state SET generation = ? WHERE id = 1", (generation,))
            self._audit(
                conn,
                actor=actor,
                request_id=request_id,
                action="run.delete",
                target=f"run:{run_id}",
                summary={"rows_removed": removed},
            )
        return generation

    def load_dataset(self) -> Dataset:
        """Every stored point as the canonical frame, with the generation it was read at.

        Reads happen in one transaction (a consistent snapshot), so the generation describes
        exactly these points. Row order is stable: runs in ingest order, rows as posted. Cost:
        the snapshot blob plus the frames of runs ingested since; the merged result is saved
        back as the new snapshot, so the next load is a single blob.
        """
        with self._tx(write=False) as conn:
            generation, merged, stale = self._snapshot(conn)
        if stale:
            try:
                with self._tx(write=True) as conn:
                    self._save_snapshot(conn, generation, merged)
            except sqlite3.OperationalError:
                pass  # only a cache (e.g. a read-only file): the next load merges again
        return Dataset(generation=generation, points=merged.drop(_RUN_ID))

    def load_points(self) -> pl.DataFrame:
        return self.load_dataset().points

    @staticmethod
    def _snapshot(conn: sqlite3.Connection) -> tuple[int, pl.DataFrame, bool]:
        """(generation, all live points with their run id, whether the stored snapshot lagged)."""
        generation, base, blob = conn.execute(
            "SELECT generation, snapshot_generation, snapshot FROM dataset_state WHERE id = 1"
        ).fetchone()
        frame = _empty_snapshot() if blob is None else _blob_frame(blob, _SNAPSHOT_SCHEMA)
        if base == generation:
            return generation, frame, False
        deleted = [
            r[0] for r in conn.execute("SELECT id FROM run WHERE deleted_generation > ?", (base,))
        ]
        if deleted:
            frame = frame.filter(~pl.col(_RUN_ID).is_in(deleted))
        added = conn.execute(
            "SELECT id, frame FROM run WHERE deleted_at IS NULL AND ingest_generation > ? "
            "ORDER BY ingest_generation",
            (base,),
        )
        frames = [
            frame,
            *(
                _blob_frame(b, POINT_SCHEMA).with_columns(pl.lit(i).alias(_RUN_ID))
                for i, b in added
            ),
        ]
        return generation, pl.concat(frames, how="vertical"), True

    @staticmethod
    def _save_snapshot(conn: sqlite3.Connection, generation: int, frame: pl.DataFrame) -> None:
        # Conditional: never replace a newer snapshot another process saved meanwhile.
        conn.execute(
            "UPDATE dataset_state SET snapshot_generation = ?, snapshot = ? "
            "WHERE id = 1 AND snapshot_generation < ?",
            (generation, _frame_blob(frame), generation),
        )


# Writes through every SqliteStore of this process, per database file: a store that sees the
# count move asks SQLite's data_version at once instead of waiting out LATEST_RECHECK_S.
_local_writes: dict[str, int] = {}
_local_writes_lock = threading.Lock()


def _bump_local_writes(path: str) -> None:
    with _local_writes_lock:
        _local_writes[path] = _local_writes.get(path, 0) + 1


@contextmanager
def _transaction(conn: sqlite3.Connection, begin: str) -> Iterator[None]:
    conn.execute(begin)
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


class _NothingNew(Exception):
    """Aborts an ingest transaction that added no rows, carrying the answer."""

    def __init__(self, result: RunResult) -> None:
        self.result = result


# ------------------------------------------------------------------------ row conversion


def _point_row(run_id: str, ordinal: int, digest: str, point: Point) -> tuple[object, ...]:
    values: list[object] = list(msgspec.structs.astuple(point))
    for i in _DATE_INDEXES:
        # Explicit ISO text: sqlite3's implicit date adapter is deprecated since Python 3.12.
        values[i] = values[i].isoformat()  # type: ignore[attr-defined]
    return (run_id, ordinal, digest, *values)


def _row_point(row: Sequence[Any]) -> Point:
    values = list(row)
    for i in _DATE_INDEXES:
        values[i] = dt.date.fromisoformat(values[i])
    for i in _BOOL_INDEXES:
        if values[i] is not None:
            values[i] = bool(values[i])
    return Point(**dict(zip(POINT_FIELDS, values, strict=True)))


def _frame_blob(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_ipc(buffer, compression="zstd")
    return buffer.getvalue()


def _blob_frame(blob: bytes, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    frame = pl.read_ipc(io.BytesIO(blob))
    if list(frame.schema.items()) != list(schema.items()):  # order matters, dict == does not
        # Written before Point gained a field (or a column changed type): conform, so one
        # frame schema reaches the index whatever release wrote the blob.
        frame = frame.select(
            (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in schema.items()
        )
    return frame


def _empty_snapshot() -> pl.DataFrame:
    return pl.DataFrame(schema=_SNAPSHOT_SCHEMA)
