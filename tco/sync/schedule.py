"""``tco serve --sync inferencex --sync-every 6h``: the server syncs by itself, off the request path.

A daemon thread per server process. Every tick it syncs unless the store's sync log shows one
finished less than ``every`` ago (so N worker processes, or a cron job, coalesce into one sync
per interval), and the store's sync lock makes sure two never run at once. Whatever happens in
a sync is caught and logged: serving never depends on it. After a sync that added rows, the
index is rebuilt in the background (the usual swap).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable

from tco.app.live import LiveService
from tco.sync.client import ClientSettings, InferenceXClient
from tco.sync.runner import run_sync

log = logging.getLogger("tco.sync")
SOURCES = ("inferencex",)
RETRY_FAILED_S = 900.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_S = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """Seconds in ``90``, ``90s``, ``30m``, ``6h`` or ``1d``; ValueError otherwise."""
    match = _DURATION.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(f"not a positive duration: {text!r} (e.g. 30m, 6h, 1d)")
    return float(match.group(1)) * _UNIT_S[match.group(2)]


class SyncScheduler:
    def __init__(
        self,
        service: LiveService,
        *,
        every_s: float,
        settings: ClientSettings,
        models: tuple[str, ...] = (),
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.service = service
        self.every_s = every_s
        self.settings = settings
        self.models = models
        self.now = now
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        service.sync_schedule = (f"inferencex {settings.base_url}", every_s)

    def due(self) -> bool:
        """Whether the last sync (anyone's) is older than the interval; after a failure, retry
        sooner (15 minutes, or the interval when shorter)."""
        recent = self.service.store.last_syncs(1)
        if not recent:
            return True
        wait = self.every_s if recent[0].status != "failed" else min(self.every_s, RETRY_FAILED_S)
        return (self.now() - recent[0].finished_at).total_seconds() >= wait

    def tick(self) -> None:
        """One scheduled step: sync if due. Never raises."""
        try:
            if not self.due():
                return
            with InferenceXClient(self.settings) as client:
                summary = run_sync(self.service.store, client, models=self.models)
            log.info(
                "sync %s: %s, %d rows added, %d duplicates, %d rejected, %d failed batches",
                summary.source, summary.status, summary.rows_added, summary.duplicates,
                summary.rejected, summary.batches_failed,
            )  # fmt: skip
            # rebuilds the index when rows arrived (off the request path, then swapped);
            # otherwise only reads the sync state again, for /healthz and quotes' synced_at
            self.service.refresh()
        except Exception:  # a failed sync never breaks serving; the next tick tries again
            log.exception("scheduled sync failed")

    def start(self, first_delay_s: float = 5.0) -> SyncScheduler:
        def loop() -> None:
            wait = first_delay_s
            while not self._stop.wait(wait):
                self.tick()
                wait = min(self.every_s, 60.0)  # re-check due() at least every minute

        self._thread = threading.Thread(target=loop, name="tco-sync", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
