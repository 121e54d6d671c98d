"""The PostgreSQL database: psycopg 3 with a connection pool, for replicas on one server.

What the shared SQL repositories are promised (tco.store.sql.db), and how it holds here:
- Serialized writers: every write transaction first takes one transaction-level advisory lock
  (``pg_advisory_xact_lock``), released at commit or rollback. Writes are few (edits, ingests,
  key changes), so serializing them costs nothing measurable and gives exactly SQLite's
  ``BEGIN IMMEDIATE`` semantics: a read-check-write (If-Match, duplicate checks, audit
  numbering) cannot interleave with a writer on any replica. Under READ COMMITTED each
  statement after the lock sees every commit made before it.
- Consistent reads: ``REPEATABLE READ, READ ONLY``: a load of many statements (the dataset
  snapshot and the runs since) describes one state.
- Durability: the server's default ``synchronous_commit=on``; a write is acknowledged after
  its commit is flushed to the WAL, so a ``kill -9`` of a replica never loses one.
- Changes: every write transaction sends ``NOTIFY tco_change`` (delivered at commit); one
  listener connection per process bumps the change version when it hears one. So "latest"
  caches cost no round trip, and a waiter hears another replica's commit within milliseconds.
  A lost listener connection counts as a change (what it missed is unknown) and reconnects.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import psycopg.errors
from psycopg_pool import ConnectionPool, PoolTimeout

from tco.store.base import StoreError, StoreUnavailable

log = logging.getLogger("tco.store.postgres")

CHANGE_CHANNEL = "tco_change"
# The advisory lock key every write transaction takes (one bigint; job locks use the two-int
# form, a separate key space).
WRITE_LOCK_KEY = 0x7C0_0001
POOL_SIZE_SETTING = "TCO_DATABASE_POOL_SIZE"
DEFAULT_POOL_SIZE = 10  # connections per process: the worker threads that query at once
CONNECT_TIMEOUT_S = 10.0
# How often the listener looks up from its socket to see close(): a select() timeout, no
# query; short so that close() (which waits for the listener) returns quickly.
_LISTEN_POLL_S = 0.1
_LISTEN_RETRY_S = 1.0  # between reconnects of a lost listener (one warning each)


@functools.lru_cache(maxsize=1024)
def pg_sql(sql: str) -> str:
    """The repositories' ``?`` placeholders as psycopg's ``%s`` (and a literal % escaped)."""
    return sql.replace("%", "%%").replace("?", "%s")


_BLOB = re.compile(r"\bBLOB\b")
_TEXT = re.compile(r"\bTEXT\b")


def pg_ddl(statement: str) -> str:
    """A portable migration statement as PostgreSQL's: BYTEA for BLOB, and TEXT compared by
    code point (COLLATE "C") like SQLite, whatever the server's default locale; names and
    timestamps then sort the same on both backends."""
    return _TEXT.sub('TEXT COLLATE "C"', _BLOB.sub("BYTEA", statement))


class PgConnection:
    """A psycopg connection taking the repositories' ``?`` placeholders."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> psycopg.Cursor[Any]:
        return self._conn.execute(pg_sql(sql), parameters)

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> None:
        with self._conn.cursor() as cursor:
            cursor.executemany(pg_sql(sql), parameters)


def pool_size(env: dict[str, str] | os._Environ[str] = os.environ) -> int:
    text = env.get(POOL_SIZE_SETTING, "").strip()
    if not text:
        return DEFAULT_POOL_SIZE
    try:
        size = int(text)
    except ValueError:
        size = 0
    if size < 1:
        raise StoreError(f"{POOL_SIZE_SETTING} must be a whole number >= 1, got {text!r}")
    return size


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


class PostgresDatabase:
    """:class:`~tco.store.sql.db.Database` on a PostgreSQL server."""

    integrity_errors: tuple[type[Exception], ...] = (psycopg.IntegrityError, psycopg.DataError)
    read_only_errors: tuple[type[Exception], ...] = (
        psycopg.errors.ReadOnlySqlTransaction,
        StoreUnavailable,
    )

    def __init__(self, url: str, *, max_size: int | None = None) -> None:
        self.url = url
        self._closed = False
        self._version = 0
        self._changed = threading.Condition()
        # One direct connection first: a wrong URL or a server that is down fails at once with
        # libpq's reason, where the pool would retry until its timeout.
        try:
            psycopg.connect(url, connect_timeout=int(CONNECT_TIMEOUT_S)).close()
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(
                f"cannot connect to the PostgreSQL database {redacted(url)}: {reason}"
            ) from None
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size or pool_size(),
            kwargs={"autocommit": True, "connect_timeout": int(CONNECT_TIMEOUT_S)},
            open=False,
            name="tco",
        )
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except PoolTimeout:
            self._pool.close()
            raise StoreError(
                f"cannot connect to the PostgreSQL database {redacted(url)} within "
                f"{CONNECT_TIMEOUT_S:g} s; is the server running and the URL right?"
            ) from None
        self._listening = threading.Event()
        self._listener = threading.Thread(
            target=self._listen, name="tco-postgres-listen", daemon=True
        )
        self._listener.start()
        # Listening before anything is read: a commit after this process's first read is heard.
        if not self._listening.wait(CONNECT_TIMEOUT_S):
            self.close()
            raise StoreError(f"cannot LISTEN on {redacted(url)}")

    def close(self) -> None:
        if self._closed:
            return
        with self._changed:  # wakes every waiter, which then raises StoreError
            self._closed = True
            self._changed.notify_all()
        self._pool.close()
        if self._listener.is_alive() and threading.current_thread() is not self._listener:
            self._listener.join(timeout=2 * _LISTEN_POLL_S + 1)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")

    @contextmanager
    def tx(self, *, write: bool, durable: bool = True) -> Iterator[PgConnection]:
        """``durable=False``: the commit does not wait for the WAL flush
        (``synchronous_commit=off`` for this transaction only), and is not announced: it is
        for state no replica caches (the rate limit's token counts), so every write request
        does not wake every replica's watcher."""
        self._check_open()
        try:
            with self._transaction(write=write, durable=durable) as conn:
                yield conn
        except (psycopg.OperationalError, PoolTimeout) as exc:
            if self._closed:
                raise StoreError("the store is closed") from exc
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreUnavailable(f"the database is unavailable ({reason}); retry") from exc

    @contextmanager
    def _transaction(self, *, write: bool, durable: bool) -> Iterator[PgConnection]:
        with self._pool.connection(timeout=CONNECT_TIMEOUT_S) as conn:
            conn.execute("BEGIN" if write else "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                if write:
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
                    if not durable:
                        conn.execute("SET LOCAL synchronous_commit = off")
                yield PgConnection(conn)
                if write and durable:
                    conn.execute("SELECT pg_notify(%s, '')", (CHANGE_CHANNEL,))
                conn.execute("COMMIT")
            except BaseException:
                if not conn.broken and not conn.closed:
                    conn.execute("ROLLBACK")
                raise
            finally:
                if write and durable:  # committed or not: the next "latest" read asks again
                    self._bump()

    # ---------------------------------------------------------------------- changes

    def _bump(self) -> None:
        with self._changed:
            self._version += 1
            self._changed.notify_all()

    def change_version(self) -> int:
        return self._version

    def wait_for_change(self, seen: int, timeout_s: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self._version != seen or self._closed, timeout_s)
            self._check_open()  # a closed store has no changes to wait for: say so, once
            return self._version

    def _listen(self) -> None:
        while not self._closed:
            try:
                with psycopg.connect(
                    self.url, autocommit=True, connect_timeout=int(CONNECT_TIMEOUT_S)
                ) as conn:
                    conn.execute(f"LISTEN {CHANGE_CHANNEL}")
                    self._bump()  # anything may have changed while not listening
                    self._listening.set()
                    while not self._closed:
                        for _ in conn.notifies(timeout=_LISTEN_POLL_S):
                            self._bump()
            except psycopg.Error as exc:
                if self._closed:
                    return
                log.warning("PostgreSQL change listener lost its connection (%s); retrying", exc)
                self._bump()
                time.sleep(_LISTEN_RETRY_S)
