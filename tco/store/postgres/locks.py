"""Job locks on PostgreSQL: session advisory locks (``pg_try_advisory_lock``), one held
connection per lock. The server releases a lock when its holder's connection ends, so a
replica killed mid-sync frees the job at once, with no lease to wait out (``ttl`` is not
needed, and not used)."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from typing import Any

import psycopg

from tco.store.postgres.database import CONNECT_TIMEOUT_S

# The first key of the two-int advisory lock form: job locks' own key space.
JOB_LOCK_NAMESPACE = 0x7C0


def job_key(name: str) -> int:
    """A stable signed 32-bit key for a job name (the same in every process)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


class AdvisoryLocks:
    """:class:`~tco.store.protocols.JobLocks` on PostgreSQL advisory locks."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._lock = threading.Lock()
        self._held: dict[str, tuple[str, psycopg.Connection[Any]]] = {}

    def try_lock(
        self, name: str, holder: str, *, ttl: dt.timedelta, now: dt.datetime | None = None
    ) -> bool:
        with self._lock:
            held = self._held.get(name)
            if held is not None:
                if held[0] != holder:
                    return False  # another holder in this process (a session lock is reentrant)
                try:
                    held[1].execute("SELECT 1")  # renewing: is the lock's connection alive?
                    return True
                except psycopg.Error:
                    self._drop(name)  # its lock died with it: take it again below
            conn = psycopg.connect(
                self._url, autocommit=True, connect_timeout=int(CONNECT_TIMEOUT_S)
            )
            got = conn.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", (JOB_LOCK_NAMESPACE, job_key(name))
            ).fetchone()
            if not (got and got[0]):
                conn.close()
                return False
            self._held[name] = (holder, conn)
            return True

    def unlock(self, name: str, holder: str) -> None:
        with self._lock:
            held = self._held.get(name)
            if held is not None and held[0] == holder:
                self._drop(name)

    def _drop(self, name: str) -> None:
        _, conn = self._held.pop(name)
        conn.close()  # ending the session releases its advisory locks

    def close(self) -> None:
        with self._lock:
            for name in list(self._held):
                self._drop(name)
