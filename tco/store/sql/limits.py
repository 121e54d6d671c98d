"""The per-key write rate limit as a token bucket in the database, so every process and
replica on one store draws from the same bucket (an in-memory bucket per process would let N
replicas take N bursts)."""

from __future__ import annotations

import time

from tco.store.sql.db import Database


class SqlWriteLimits:
    """:class:`~tco.store.protocols.WriteLimits` on any :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def take(
        self, key: str, *, burst: int, refill_per_s: float, now_s: float | None = None
    ) -> float:
        """Take a token from ``key``'s bucket (``burst`` at once, then ``refill_per_s`` a
        second): 0.0 when granted, else the seconds until one will be available.

        Wall-clock seconds (``time.time``), not a monotonic clock: the bucket is shared by
        processes on several machines, whose monotonic clocks have no common origin.
        """
        at = time.time() if now_s is None else now_s
        # Not durable: a token count lost to a power cut costs one burst, and waiting for an
        # fsync here would double the latency of every write request on SQLite.
        with self._db.tx(write=True, durable=False) as conn:
            row = conn.execute(
                "SELECT tokens, at_s FROM write_bucket WHERE key_name = ?", (key,)
            ).fetchone()
            tokens = float(burst) if row is None else float(row[0])
            if row is not None:
                # max(0, ...): a clock stepping back between replicas grants nothing extra.
                tokens = min(float(burst), tokens + max(0.0, at - float(row[1])) * refill_per_s)
            wait_s = 0.0 if tokens >= 1.0 else (1.0 - tokens) / refill_per_s
            if wait_s == 0.0:
                tokens -= 1.0
            conn.execute(
                "INSERT INTO write_bucket (key_name, tokens, at_s) VALUES (?, ?, ?) "
                "ON CONFLICT (key_name) DO UPDATE SET tokens = excluded.tokens, "
                "at_s = excluded.at_s",
                (key, tokens, at),
            )
        return wait_s
