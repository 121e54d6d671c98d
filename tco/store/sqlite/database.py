"""The SQLite database: one file, no server, stdlib ``sqlite3`` only.

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

Durability: WAL journal with ``synchronous=FULL``: a write is acknowledged only after its
commit record is fsynced, so a ``kill -9`` (or power loss) never loses an acknowledged write.

Changes from other processes: SQLite's ``PRAGMA data_version`` (no table read) moves when
another connection commits; it is asked at most every LATEST_RECHECK_S, and at once after a
write through any store of this process.
"""

from __future__ import annotations

import math
import queue
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tco.store.base import StoreError, StoreUnavailable

BUSY_TIMEOUT_S = 10.0
# How stale "the latest version of a pricing table" may be when another process (another
# worker, a CLI edit) commits: SQLite's data_version is asked at most this often instead of on
# every quote. Writes through this process are seen by the next read whatever this says.
LATEST_RECHECK_S = 0.1
# SQLite result codes (sqlite_errorname prefixes) that say the file cannot be used now, not
# that the SQL is wrong: locked past the busy timeout, I/O error, disk full, read-only.
_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_READONLY",
                "SQLITE_CANTOPEN")  # fmt: skip
# How often a waiter on wait_for_change asks data_version: one pragma, no table read.
_WAIT_POLL_S = 0.25


def database_path(url: str | Path) -> str:
    """``sqlite:///rel/path``, ``sqlite:////abs/path``, a plain path, or ``:memory:``."""
    text = str(url)
    if text.startswith("sqlite://"):
        text = text.removeprefix("sqlite://")
        text = text.removeprefix("/")  # sqlite:///x is relative; sqlite:////x keeps one slash
        return text or ":memory:"
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise StoreError(
            f"unsupported database URL scheme {scheme!r}; use sqlite:///PATH or "
            "postgresql://USER@HOST/DATABASE"
        )
    return text


class SqliteDatabase:
    """:class:`~tco.store.sql.db.Database` on one SQLite file (or ``:memory:``)."""

    integrity_errors: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)
    read_only_errors: tuple[type[Exception], ...] = (StoreUnavailable,)

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
        except BaseException:
            self.close()
            raise

    def open_watch(self) -> None:
        """Open the connection that asks data_version (after the schema exists)."""
        if not self._memory:  # a second connection to :memory: would be another database
            self._watch = self._connect(read_only=True)

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
    def tx(self, *, write: bool, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction: a write on the writer under the lock, a read on a pooled reader.
        ``durable=False``: committed without waiting for an fsync (WAL with synchronous=NORMAL:
        still atomic, but a power cut may undo it). The file being locked past the busy
        timeout, full, read-only or failing is StoreUnavailable (rolled back, retry later)."""
        try:
            with self._tx(write=write, durable=durable) as conn:
                yield conn
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorname", "").startswith(_UNAVAILABLE):
                raise StoreUnavailable(f"the database is unavailable ({exc}); retry") from exc
            raise

    @contextmanager
    def _tx(self, *, write: bool, durable: bool) -> Iterator[sqlite3.Connection]:
        if write or self._memory:
            with self._lock:
                self._check_open()
                relaxed = write and not durable
                if relaxed:
                    self._writer.execute("PRAGMA synchronous=NORMAL")
                try:
                    with _transaction(self._writer, "BEGIN IMMEDIATE" if write else "BEGIN"):
                        yield self._writer
                finally:
                    if relaxed:
                        self._writer.execute("PRAGMA synchronous=FULL")
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

    # ---------------------------------------------------------------------- changes

    def change_version(self) -> int:
        writes, version, at = self._seen
        now = time.monotonic()
        local = _local_writes.get(self._file_key, 0)
        if local == writes and now - at < LATEST_RECHECK_S:
            return version
        version = self._data_version(local)
        self._seen = (local, version, now)
        return version

    def _data_version(self, local_writes: int) -> int:
        if self._watch is None:  # :memory:: every write goes through this process
            return local_writes
        with self._watch_lock:
            self._check_open()
            return int(self._watch.execute("PRAGMA data_version").fetchone()[0])

    def wait_for_change(self, seen: int, timeout_s: float) -> int:
        """Block until the change version differs from ``seen`` (or ``timeout_s`` passed);
        returns it. SQLite cannot notify another process, so this asks data_version every
        _WAIT_POLL_S: one pragma, no table read."""
        deadline = time.monotonic() + timeout_s
        while True:
            self._check_open()
            version = self.change_version()
            left = deadline - time.monotonic()
            if version != seen or left <= 0:
                return version
            time.sleep(min(_WAIT_POLL_S, left))


# Writes through every SqliteDatabase of this process, per database file: a store that sees the
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
