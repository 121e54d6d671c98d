"""The SQLite backend itself: URLs, pragmas, migrations, persistence, concurrency, crashes."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace

from tco.domain.points import POINT_FIELDS, Point, points_frame
from tco.domain.pricing import Offer
from tco.store import (
    NotFound,
    SqliteStore,
    Store,
    StoreError,
    database_path,
    open_store,
    point_hash,
)
from tco.store.schema import MIGRATIONS
from tco.store.sql.runs import frame_blob as _frame_blob
from tco.store.sql.runs import point_row as _point_row

OFFER = Offer(
    hardware="b200",
    provider="Lambda",
    kind="on_demand",
    usd_per_gpu_hour=4.99,
    source="https://lambda.ai/pricing",
    source_date="2026-09-01",
)
POINT = Point(
    model="kimi-k2.5",
    isl=1024,
    osl=1024,
    hardware="b200",
    framework="vllm",
    precision="fp4",
    spec_method="none",
    disagg=False,
    tp=4,
    conc=32,
    date=dt.date(2026, 1, 20),
    source="https://inferencex.semianalysis.com",
    tput_per_gpu=2875.5,
    interactivity=61.2,
    tpot_s=0.01634,
)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///var/tco.db", "var/tco.db"),
        ("sqlite:////srv/tco/tco.db", "/srv/tco/tco.db"),
        ("sqlite:///:memory:", ":memory:"),
        ("sqlite://", ":memory:"),
        (":memory:", ":memory:"),
        ("var/tco.db", "var/tco.db"),
        (Path("/tmp/x.db"), "/tmp/x.db"),
    ],
)
def test_database_urls(url: str | Path, path: str) -> None:
    assert database_path(url) == path


def test_other_schemes_are_refused_clearly() -> None:
    with pytest.raises(StoreError, match="unsupported database URL scheme 'mysql'"):
        open_store("mysql://tco@db/tco")


def test_url_opens_a_file_creating_its_folder(tmp_path: Path) -> None:
    with SqliteStore(f"sqlite:///{tmp_path}/var/nested/tco.db") as store:
        store.create_table("t", "d", (OFFER,), actor="a", request_id=None)
    assert (tmp_path / "var" / "nested" / "tco.db").is_file()


def test_pragmas_for_durability_and_integrity(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "tco.db") as store:
        conn = store.sqlite._writer
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        # The rate limit's token counts commit without an fsync; every other write still waits.
        store.write_limits.take("k", burst=1, refill_per_s=1.0)
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
        with pytest.raises(sqlite3.IntegrityError):  # offers need their version row
            conn.execute(
                "INSERT INTO offer (name, version, ordinal, hardware, provider, kind, "
                "usd_per_gpu_hour, source, currency) VALUES ('x', 1, 0, 'h', 'p', 'k', 1, 's', 'U')"
            )


def test_migrations_apply_once_and_reopening_is_idempotent(tmp_path: Path) -> None:
    for _ in range(3):
        with SqliteStore(tmp_path / "tco.db") as store:
            assert store.schema_version() == len(MIGRATIONS)
    conn = sqlite3.connect(tmp_path / "tco.db")
    try:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version")]
        generation_rows = conn.execute("SELECT COUNT(*) FROM dataset_state").fetchone()[0]
    finally:
        conn.close()
    assert versions == list(range(1, len(MIGRATIONS) + 1))
    assert generation_rows == 1


def test_a_database_from_schema_version_1_is_upgraded_in_place(tmp_path: Path) -> None:
    # Written as the first release did: per-run frames, no snapshot columns.
    old = [POINT, replace(POINT, conc=64, tput_per_gpu=2410.0, interactivity=44.0)]
    gone = replace(POINT, conc=8)
    conn = sqlite3.connect(tmp_path / "tco.db")
    with conn:
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)")
        conn.execute("INSERT INTO schema_version VALUES (1, '2026-11-01T00:00:00+00:00')")
        runs = [("run_a", [old[0]], None), ("run_b", [old[1]], None), ("run_c", [gone], "x")]
        for i, (run_id, points, deleted_at) in enumerate(runs):
            conn.execute(
                "INSERT INTO run (id, created_at, created_by, source, format, row_count, "
                "duplicates, deleted_at, frame) VALUES (?, ?, 'ci', 's', 'native', 1, 0, ?, ?)",
                (
                    run_id,
                    f"2026-11-0{i + 1}T00:00:00+00:00",
                    deleted_at,
                    _frame_blob(points_frame(points)),
                ),
            )
            if deleted_at is None:
                conn.execute(
                    # schema 1's columns: without the three fields of migration 6
                    f"INSERT INTO point VALUES ({', '.join('?' * (3 + len(POINT_FIELDS) - 3))})",
                    _point_row(run_id, 0, point_hash(points[0]), points[0])[:-3],
                )
        conn.execute("UPDATE dataset_state SET generation = 4")
    conn.close()

    with SqliteStore(tmp_path / "tco.db") as store:
        assert store.schema_version() == len(MIGRATIONS)
        assert [r.id for r in store.list_runs()] == ["run_b", "run_a"]
        assert store.load_points().equals(points_frame(old))
        added = store.add_run([gone], source="s", format="f", actor="a", request_id=None)
        assert added.dataset_generation == 5
        assert store.load_points().equals(points_frame([*old, gone]))


def test_a_newer_schema_is_refused_and_the_connection_closed(tmp_path: Path) -> None:
    SqliteStore(tmp_path / "tco.db").close()
    conn = sqlite3.connect(tmp_path / "tco.db")
    with conn:
        conn.execute("INSERT INTO schema_version VALUES (999, '2030-01-01T00:00:00+00:00')")
    conn.close()
    with pytest.raises(StoreError, match="schema version 999 is newer"):
        SqliteStore(tmp_path / "tco.db")  # a leaked connection would be a ResourceWarning


def holdings(store: Store) -> tuple[Any, ...]:
    """Everything the store holds, as its readers answer it."""
    return (
        store.list_tables(),
        store.list_versions("t"),
        store.get_table("t", 1),
        store.list_keys(),
        store.list_audit(),
        store.list_runs(),
        store.load_points(),
        store.dataset_generation(),
    )


def test_reopening_the_store_keeps_everything(store_url: str) -> None:
    with open_store(store_url) as store:
        store.create_table("t", "first", (OFFER,), actor="alice", request_id="r1")
        store.replace_table("t", "second", (), expected_version=1, actor="bob", request_id="r2")
        key = store.create_key("ci", "editor")
        run = store.add_run([POINT], source="s", format="native", actor="ci", request_id=None)
        before = holdings(store)
    with open_store(store_url) as store:
        after = holdings(store)
        assert store.authenticate(key) is not None
        assert run.run_id is not None and store.get_run(run.run_id)[1] == [POINT]
    assert after[:6] == before[:6]
    assert after[6].equals(before[6])
    assert after[7] == before[7] == 1


def test_memory_store_supports_everything() -> None:
    store: Store = open_store(":memory:")
    try:
        store.create_table("t", "d", (OFFER,), actor="a", request_id=None)
        store.replace_table("t", "d2", (), expected_version=1, actor="a", request_id=None)
        assert store.get_table("t", 1).offers == (OFFER,)
        key = store.create_key("k", "admin")
        assert store.authenticate(key) is not None
        assert store.add_run([POINT], source="s", format="f", actor="a", request_id=None).rows_added
        assert store.load_points().height == 1
    finally:
        store.close()


def test_a_closed_store_says_so(store_url: str) -> None:
    store = open_store(store_url)
    store.list_tables()  # opens a pooled reader too
    store.close()
    store.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        store.list_tables()
    with pytest.raises(StoreError, match="closed"):
        store.create_key("k", "viewer")


def test_reads_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    # Another process holds the write lock mid-transaction (e.g. a long CLI import): readers
    # still answer at once from their WAL snapshot, without the uncommitted row.
    with SqliteStore(tmp_path / "tco.db") as store:
        store.create_table("t", "d", (OFFER,), actor="a", request_id=None)
        other = sqlite3.connect(tmp_path / "tco.db", isolation_level=None, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE dataset_state SET generation = 42")
            assert store.get_table("t").offers == (OFFER,)
            assert store.dataset_generation() == 0
            other.execute("COMMIT")
            assert store.dataset_generation() == 42
        finally:
            other.close()


def test_reads_do_not_wait_for_an_in_process_write(tmp_path: Path) -> None:
    # While this process's writer is busy (a long ingest holds its lock), a request thread
    # that has no reader connection yet still gets one and answers.
    with SqliteStore(tmp_path / "tco.db") as store:
        store.create_table("t", "d", (OFFER,), actor="a", request_id=None)
        answers: list[int] = []
        reader = threading.Thread(target=lambda: answers.append(store.get_table("t").version))
        with store.sqlite._lock:
            reader.start()
            reader.join(timeout=5)
            assert answers == [1]
        reader.join()


def test_readers_on_many_threads(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "tco.db") as store:
        store.create_table("t", "d", (OFFER,), actor="a", request_id=None)
        errors: list[BaseException] = []

        def read() -> None:
            try:
                for _ in range(50):
                    assert store.get_table("t").offers == (OFFER,)
                    with pytest.raises(NotFound):
                        store.get_table("missing")
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=read) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []


_WRITER = textwrap.dedent(
    """
    import sys
    from tco.domain.pricing import Offer
    from tco.store import SqliteStore

    store = SqliteStore(sys.argv[1])
    offer = Offer(hardware="h100", provider="p", kind="spot", usd_per_gpu_hour=2.0, source="s")
    store.create_table("t", "v1", (offer,), actor="w", request_id="0")
    version = 1
    while True:
        store.replace_table("t", f"v{version + 1}", (offer,), expected_version=version,
                            actor="w", request_id=str(version))
        version += 1
        print(version, flush=True)  # acknowledged only after the commit returned
    """
)


def test_kill_9_mid_stream_loses_no_acknowledged_write(tmp_path: Path) -> None:
    db = tmp_path / "tco.db"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(db)], stdout=subprocess.PIPE, text=True, env=env
    )
    acknowledged = 0
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            acknowledged = int(line)
            if acknowledged >= 40:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    assert acknowledged >= 40
    with SqliteStore(db) as store:
        assert store.sqlite._writer.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        versions = [v.version for v in store.list_versions("t")]
        assert versions[:acknowledged] == list(range(1, acknowledged + 1))
        assert store.get_table("t").version >= acknowledged


def test_a_file_locked_past_the_busy_timeout_is_unavailable_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tco.store import StoreUnavailable

    with SqliteStore(tmp_path / "tco.db") as store:
        other = sqlite3.connect(tmp_path / "tco.db", isolation_level=None, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # another process holds the write lock ...
            store.sqlite._writer.execute("PRAGMA busy_timeout=50")  # ... past our patience
            with pytest.raises(StoreUnavailable, match="database is locked"):
                store.create_table("t", "d", (OFFER,), actor="a", request_id=None)
        finally:
            other.close()
        store.sqlite._writer.execute("PRAGMA busy_timeout=10000")
        store.create_table("t", "d", (OFFER,), actor="a", request_id=None)  # and then it works
        assert [t.name for t in store.list_tables()] == ["t"]
