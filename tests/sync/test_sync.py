"""The InferenceX sync client against a real local server replaying recorded responses."""

from __future__ import annotations

import datetime as dt
import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tco.cli import main
from tco.ingest import parse
from tco.store import InvalidData, SqliteStore, Store, open_store
from tco.sync.client import ClientSettings, InferenceXClient
from tco.sync.runner import LOCK_NAME, SyncSummary, run_sync
from tests.sync.replay import ROWS_FILE, Replay, replay_server

# Of the shipped rows, availability lists dsr1 at 1k/1k and 8k/1k (170 rows each).
DSR1_ROWS = 340


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    with SqliteStore(":memory:") as s:
        yield s


def sync(store: Store, url: str, **kw: object) -> SyncSummary:
    settings = ClientSettings(base_url=url, backoff_initial_s=0.01, backoff_max_s=0.05)
    with InferenceXClient(settings) as client:
        return run_sync(store, client, **kw)  # type: ignore[arg-type]


def test_a_sync_stores_every_workload_politely_and_a_second_adds_nothing(
    store: SqliteStore,
) -> None:
    with replay_server(Replay(page_size=50)) as (url, replay):
        first = sync(store, url)
        second = sync(store, url)
    assert (first.status, first.rows_seen, first.rows_added, first.rejected) == (
        "ok", DSR1_ROWS, DSR1_ROWS, 0,
    )  # fmt: skip
    assert first.batches_stored == 2 and first.workloads == 17  # every model in availability
    assert first.skipped_models == ["minimaxm3"]  # no display name known for it
    assert (second.status, second.rows_added, second.duplicates, second.run_ids) == (
        "ok", 0, DSR1_ROWS, [],
    )  # fmt: skip
    assert second.dataset_generation == first.dataset_generation  # nothing was written
    history = [s for s in replay.seen if s.path.endswith("/history")]
    # 170 rows per workload in pages of 50: 4 pages each, followed through Link: rel="next"
    pages = [s for s in history if s.query.get("model") == ["DeepSeek-R1-0528"]]
    assert len(pages) == 2 * 2 * 4
    assert all(s.gzipped and s.headers["accept-encoding"] == "gzip" for s in replay.seen)
    assert all(s.headers["user-agent"].startswith("tco/") for s in replay.seen)
    # no cache-busting: only the documented parameters (and the server's own page links)
    assert all(set(s.query) <= {"model", "isl", "osl", "page"} for s in history)


def test_a_sync_after_new_rows_were_published_adds_only_those(store: SqliteStore) -> None:
    rows = json.loads(ROWS_FILE.read_bytes())
    early = [r for r in rows if r["date"] <= "2026-03-01"]
    replay = Replay(rows=early)
    with replay_server(replay) as (url, _):
        first = sync(store, url)
        replay.rows = rows  # InferenceX publishes the newer runs
        second = sync(store, url)
    assert first.rows_added == sum(r["isl"] != 1024 or r["osl"] != 8192 for r in early)
    assert second.rows_added == DSR1_ROWS - first.rows_added
    assert second.duplicates == first.rows_added


def test_a_429_is_retried_and_the_sync_succeeds(store: SqliteStore) -> None:
    replay = Replay(
        faults={"DeepSeek-R1-0528 8192/1024": [429, 503], "/api/v1/availability": [429]}
    )
    with replay_server(replay) as (url, _):
        summary = sync(store, url)
    assert (summary.status, summary.rows_added) == ("ok", DSR1_ROWS)
    statuses = [
        s.status
        for s in replay.seen
        if s.query.get("isl") == ["8192"] and s.query.get("model") == ["DeepSeek-R1-0528"]
    ]
    assert statuses[:3] == [429, 503, 200]


def test_a_500_mid_sync_leaves_that_batch_out_and_the_next_sync_resumes(
    store: SqliteStore,
) -> None:
    replay = Replay(always_fail={"DeepSeek-R1-0528 1024/1024"})
    with replay_server(replay) as (url, _):
        broken = sync(store, url)
        before = store.load_points()
        replay.always_fail.clear()
        resumed = sync(store, url)
    assert broken.status == "partial" and broken.batches_failed == 1
    assert "DeepSeek-R1-0528 1024/1024" in broken.failures[0].workload
    assert "HTTP 500 after 5 attempts" in broken.failures[0].error
    assert before.height == 170 and set(before["isl"].to_list()) == {8192}
    assert (resumed.status, resumed.rows_added, resumed.duplicates) == ("ok", 170, 170)


def test_a_malformed_row_is_reported_and_the_rest_stored(store: SqliteStore) -> None:
    replay = Replay(malformed={"DeepSeek-R1-0528 8192/1024": 3})
    with replay_server(replay) as (url, _):
        summary = sync(store, url)
    assert (summary.status, summary.rejected, summary.rows_added) == ("partial", 1, DSR1_ROWS - 1)
    assert [(r.field, r.rows) for r in summary.rejections] == [("metrics", 1)]


def test_a_synced_row_and_an_uploaded_row_are_the_same_point(store: SqliteStore) -> None:
    with replay_server() as (url, _):
        sync(store, url)
    uploaded = parse(ROWS_FILE.read_bytes(), source="upload", today=dt.date(2026, 12, 1))
    result = store.add_run(
        uploaded, source="upload", format="inferencex_api", actor="t", request_id=None
    )
    assert (result.duplicates, result.rows_added) == (DSR1_ROWS, 435 - DSR1_ROWS)


def test_one_sync_at_a_time(store: SqliteStore) -> None:
    assert store.try_lock(LOCK_NAME, "someone-else", ttl=dt.timedelta(minutes=5))
    with replay_server() as (url, replay):
        summary = sync(store, url)
        assert summary.status == "locked" and not replay.seen
        store.unlock(LOCK_NAME, "someone-else")
        assert sync(store, url).status == "ok"
    # an expired lease does not block
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    assert store.try_lock(LOCK_NAME, "crashed", ttl=dt.timedelta(minutes=5), now=past)
    assert store.try_lock(LOCK_NAME, "next", ttl=dt.timedelta(minutes=5))


def test_one_sync_at_a_time_across_processes_on_each_backend(store_url: str) -> None:
    # Two stores on one database, as two replicas have: the lock is the database's (SQLite:
    # the job_lock lease; PostgreSQL: an advisory lock), not the process's.
    with open_store(store_url) as replica_a, open_store(store_url) as replica_b:
        assert replica_a.try_lock(LOCK_NAME, "replica-a", ttl=dt.timedelta(minutes=5))
        with replay_server() as (url, replay):
            assert sync(replica_b, url).status == "locked" and not replay.seen
            replica_a.unlock(LOCK_NAME, "replica-a")
            assert sync(replica_b, url, models=["dsr1"]).status == "ok"
        assert replica_a.last_syncs()[0].status == "ok"  # the sync log is shared too


def test_the_sync_log_keeps_each_result(store: SqliteStore) -> None:
    with replay_server(Replay(always_fail={"DeepSeek-R1-0528 1024/1024"})) as (url, _):
        sync(store, url)
    (last,) = store.last_syncs()
    assert last.status == "partial" and last.summary["rows_added"] == 170
    assert store.last_success_at() == last.finished_at


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cli_sync_summary_and_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'tco.db'}"
    with replay_server(Replay(malformed={"DeepSeek-R1-0528 1024/1024": 0})) as (url, replay):
        args = ["sync", "inferencex", "--base-url", url, "--database", db]
        assert main([*args, "--model", "DeepSeek-R1-0528"]) == 1  # partial: one rejected row
        out = capsys.readouterr().out
        assert "rows seen 340, added 339, duplicates 0, rejected 1" in out
        assert "rejected      1 x metrics: missing" in out
        assert "dataset version ds-" in out
        replay.malformed.clear()
        assert main([*args, "--model", "dsr1"]) == 0
        assert "added 1, duplicates 339" in capsys.readouterr().out
        assert main([*args, "--model", "dsr1"]) == 0
        assert "nothing new" in capsys.readouterr().out
        assert main([*args, "--model", "dsr1", "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out)["duplicates"] == 340
    dead = f"http://127.0.0.1:{_free_port()}"
    assert main(["sync", "inferencex", "--base-url", dead, "--database", db, "--retries", "1"]) == 2
    assert "failed availability" in capsys.readouterr().out
    with open_store(db) as s:
        assert s.try_lock(LOCK_NAME, "other", ttl=dt.timedelta(minutes=1))
    assert main(["sync", "inferencex", "--base-url", dead, "--database", db]) == 3


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_is_drawn_only_on_a_terminal() -> None:
    from tco.cli_sync import SyncProgress
    from tco.sync.runner import Progress

    step = Progress(batches_total=4, batches_done=1, rows_seen=1234, rows_added=1000)
    tty, pipe = _Terminal(), io.StringIO()
    for stream in (tty, pipe):
        bar = SyncProgress(stream)
        bar(step)
        bar.done()
    assert "batches 1/4  rows 1,234 (+1,000 new)" in tty.getvalue()
    assert tty.getvalue().startswith("\r\033[K") and pipe.getvalue() == ""


def test_requests_in_flight_are_capped(store: SqliteStore) -> None:
    replay = Replay(delay_s=0.05)
    with replay_server(replay) as (url, _):
        settings = ClientSettings(base_url=url, concurrency=2)
        with InferenceXClient(settings) as client:
            assert run_sync(store, client).status == "ok"
    assert replay.max_in_flight == 2  # 17 workloads, never more than 2 at once


def test_a_store_failure_mid_batch_leaves_that_batch_out(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = store.add_run
    calls = []

    def flaky(points: Any, **kw: Any) -> Any:
        calls.append(len(points))
        if len(calls) == 1:
            raise InvalidData("disk full (simulated)")
        return real(points, **kw)

    monkeypatch.setattr(store, "add_run", flaky)
    with replay_server() as (url, _):
        broken = sync(store, url)
        assert (broken.status, broken.batches_failed, broken.rows_added) == ("partial", 1, 170)
        assert "not stored: disk full" in broken.failures[0].error
        assert store.load_points().height == 170  # the failed batch left nothing behind
        resumed = sync(store, url)
    assert (resumed.rows_added, resumed.duplicates) == (170, 170)
