"""What the shared SQL repositories need from a backend: transactions on a DB-API connection.

The repositories in this package are written once, in portable SQL with ``?`` placeholders,
against this small interface; each backend (tco.store.sqlite, tco.store.postgres) supplies a
``Database``. Where the backends really differ (how writers are serialized, how a commit from
another process is noticed, job leases), the backend implements it, and the shared code only
relies on what the interface promises:

- ``tx(write=True)``: a transaction that no other writer, in this process or any other, runs
  at the same time (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-level advisory
  lock taken first), so a read-check-write (If-Match, duplicate checks, audit numbering)
  cannot interleave with another writer. It commits durably before returning.
- ``tx(write=True, durable=False)``: the same, but its commit need not survive a power loss
  (no fsync wait) and need not move the change version: for state whose loss costs nothing
  and that nothing caches, like the rate limit's token counts.
- ``tx(write=False)``: a read-only transaction on one consistent snapshot.
- ``change_version()`` moves after any commit to the store from anywhere; cheap (no table
  read), for caches of "the latest" that must not cost a round trip per request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

import msgspec


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """The part of a DB-API connection the repositories use (sqlite3's, or a psycopg one
    wrapped to take ``?`` placeholders)."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...
    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...


class Database(Protocol):
    # The driver's constraint violations (NOT NULL, primary and unique keys).
    integrity_errors: tuple[type[Exception], ...]
    # Errors a cache write may meet (a read-only store, the database gone): it is skipped.
    read_only_errors: tuple[type[Exception], ...]

    def tx(self, *, write: bool, durable: bool = True) -> AbstractContextManager[Connection]: ...
    def change_version(self) -> int: ...
    def wait_for_change(self, seen: int, timeout_s: float) -> int: ...
    def close(self) -> None: ...


def now_text() -> str:
    """Timestamps are stored as ISO 8601 UTC text on both backends (schema.py says why)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def opt_ts(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def json_text(value: object) -> str:
    return msgspec.json.encode(value).decode()


def audit(
    conn: Connection,
    *,
    actor: str,
    request_id: str | None,
    action: str,
    target: str,
    summary: object,
) -> None:
    """Append an audit entry inside the caller's write transaction. ``seq`` is MAX + 1, safe
    because write transactions are serialized (an auto-increment's syntax differs by backend)."""
    conn.execute(
        "INSERT INTO audit (seq, at, actor, request_id, action, target, summary_json) "
        "SELECT COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ? FROM audit",
        (now_text(), actor, request_id, action, target, json_text(summary)),
    )
