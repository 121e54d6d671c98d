"""The PostgreSQL backend on a real server: what only it has (URLs, migrations on a server,
LISTEN/NOTIFY, advisory job locks that die with their holder) and byte-for-byte parity with
SQLite where both store the same thing."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import msgspec
import psycopg
import pytest

from tco.domain.points import Point
from tco.domain.pricing import Offer
from tco.store import PreconditionFailed, SqliteStore, Store, StoreError, open_store, point_hash
from tco.store.postgres import PostgresStore, pg_ddl
from tco.store.schema import MIGRATIONS
from tests.postgres import PostgresCluster

OFFER = Offer(
    hardware="h100",
    provider="AWS",
    kind="on_demand",
    usd_per_gpu_hour=3.933,
    region="us-east-1",
    source="https://aws.amazon.com/ec2/pricing/on-demand/",
    source_date="2026-07-01",
)
POINT = Point(
    model="dsr1", isl=1024, osl=1024, hardware="h200", framework="sglang", precision="fp8",
    spec_method="none", disagg=False, tp=8, conc=64, date=dt.date(2025, 10, 14),
    source="run.json", tput_per_gpu=2850.5, output_tput_per_gpu=1425.25, interactivity=45.2,
    tpot_s=0.0221, ttft_s=0.35,
)  # fmt: skip


def test_a_postgresql_url_opens_the_postgresql_store_with_every_migration(
    postgres: PostgresCluster,
) -> None:
    url = postgres.database(migrated=False)
    with open_store(url) as store:
        assert isinstance(store, PostgresStore)
        assert store.schema_version() == len(MIGRATIONS)
    with open_store(url) as again, psycopg.connect(url) as conn:  # reopening applies nothing
        assert again.schema_version() == len(MIGRATIONS)
        rows = conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        assert [r[0] for r in rows] == list(range(1, len(MIGRATIONS) + 1))
        blob = conn.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'run' AND column_name = 'frame'"
        ).fetchone()
        assert blob == ("bytea",)


def test_two_stores_opening_a_new_database_at_once_migrate_it_once(
    postgres: PostgresCluster,
) -> None:
    url = postgres.database(migrated=False)
    opened: list[Store] = []
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            opened.append(open_store(url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert {s.schema_version() for s in opened} == {len(MIGRATIONS)}
    finally:
        for s in opened:
            s.close()


def test_a_newer_schema_is_refused(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version VALUES (999, '2030-01-01T00:00:00+00:00')")
    with pytest.raises(StoreError, match="schema version 999 is newer"):
        open_store(postgres_url)


def test_an_unreachable_server_is_a_clear_error_without_the_password(
    postgres: PostgresCluster,
) -> None:
    url = f"postgresql://tco:s3cret@127.0.0.1:{postgres.port}/no_such_database"
    with pytest.raises(StoreError, match="cannot connect to the PostgreSQL database") as raised:
        open_store(url)
    assert "no_such_database" in str(raised.value)
    assert "s3cret" not in str(raised.value)


def test_ddl_translation_is_mechanical() -> None:
    assert pg_ddl("CREATE TABLE x (a TEXT NOT NULL, b BLOB, c TEXTS)") == (
        'CREATE TABLE x (a TEXT COLLATE "C" NOT NULL, b BYTEA, c TEXTS)'
    )


def test_names_sort_by_code_point_on_both_backends(store: Store) -> None:
    names = ["b", "B", "a", "_x", "Z-1", "z_1", "é"]
    for name in names:
        store.create_table(name, "", (OFFER,), actor="a", request_id=None)
    assert [t.name for t in store.list_tables()] == sorted(names)


def test_both_backends_store_byte_identical_answers(tmp_path: Path, postgres_url: str) -> None:
    """The same writes on SQLite and PostgreSQL read back identical: summaries, offers, hashes,
    the points frame, audit actions (everything but the timestamps and the random run id)."""
    doubled = (OFFER, msgspec.structs.replace(OFFER, usd_per_gpu_hour=4.1, source="other"))
    answers = []
    for url in (f"sqlite:///{tmp_path}/tco.db", postgres_url):
        with open_store(url) as store:
            store.create_table("t", "first", doubled, actor="a", request_id="r1")
            store.replace_table("t", "second", (OFFER,), expected_version=1, actor="b", request_id=None)  # fmt: skip
            run = store.add_run([POINT], source="s", format="native", actor="ci", request_id=None)
            with store.db.tx(write=False) as conn:
                hashes = [r[0] for r in conn.execute("SELECT point_hash FROM point")]
            answers.append(
                (
                    [(v.version, v.summary, v.description, v.deleted) for v in store.list_versions("t")],
                    store.get_table("t", 1).offers,
                    store.get_table("t").offers,
                    store.get_run(str(run.run_id))[1],
                    store.load_points().write_ipc(None).getvalue(),
                    hashes,
                    [(e.seq, e.action, e.target.replace(str(run.run_id), "RUN"), e.summary) for e in store.list_audit()],
                )
            )  # fmt: skip
    assert answers[0] == answers[1]
    assert answers[0][5] == [point_hash(POINT)]


def test_a_commit_on_another_store_is_heard_without_polling(postgres_url: str) -> None:
    with open_store(postgres_url) as reader, open_store(postgres_url) as writer:
        writer.create_table("t", "v1", (OFFER,), actor="a", request_id=None)
        assert reader.get_table("t").version == 1  # cached from here on
        replace = threading.Thread(
            target=lambda: writer.replace_table(
                "t", "v2", (), expected_version=1, actor="b", request_id=None
            )
        )
        started = time.monotonic()
        replace.start()
        replace.join()
        # Woken by notifications (the create's may still arrive first), never by a timeout.
        seen = reader.changes.version()
        while reader.get_table("t").version != 2:
            assert time.monotonic() - started < 2.0, "the other store's commit was not heard"
            seen = reader.changes.wait(seen, timeout_s=2.0)
        assert time.monotonic() - started < 2.0
        # Once quiet, a wait times out and says nothing changed.
        time.sleep(0.3)
        now = reader.changes.version()
        assert reader.changes.wait(now, timeout_s=0.2) == now


def test_one_job_lock_holder_across_stores_renewable_by_its_holder(postgres_url: str) -> None:
    ttl = dt.timedelta(minutes=5)
    with open_store(postgres_url) as one, open_store(postgres_url) as two:
        assert one.try_lock("sync", "replica-1", ttl=ttl)
        assert one.try_lock("sync", "replica-1", ttl=ttl)  # renewing
        assert not one.try_lock("sync", "replica-1b", ttl=ttl)  # another holder, same process
        assert not two.try_lock("sync", "replica-2", ttl=ttl)
        assert two.try_lock("other-job", "replica-2", ttl=ttl)
        one.unlock("sync", "replica-2")  # not the holder: nothing happens
        assert not two.try_lock("sync", "replica-2", ttl=ttl)
        one.unlock("sync", "replica-1")
        assert two.try_lock("sync", "replica-2", ttl=ttl)


_HOLD = """
import sys, time, datetime as dt
from tco.store import open_store
store = open_store(sys.argv[1])
assert store.try_lock("sync", "doomed", ttl=dt.timedelta(hours=1))
print("held", flush=True)
time.sleep(600)
"""


def test_a_killed_holder_releases_its_job_lock_at_once(postgres_url: str) -> None:
    """No lease to wait out: the server ends a dead replica's session, and its lock with it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, postgres_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with open_store(postgres_url) as other:
            assert not other.try_lock("sync", "next", ttl=dt.timedelta(minutes=5))
            os.kill(holder.pid, signal.SIGKILL)
            holder.wait(timeout=10)
            deadline = time.monotonic() + 5.0
            while not other.try_lock("sync", "next", ttl=dt.timedelta(minutes=5)):
                assert time.monotonic() < deadline, "the dead holder's lock was not released"
                time.sleep(0.05)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_a_sqlite_store_is_not_a_postgres_store(tmp_path: Path) -> None:
    with open_store(tmp_path / "tco.db") as store:
        assert isinstance(store, SqliteStore) and store.backend == "sqlite"


def test_stale_if_match_on_postgres_changes_nothing(postgres_url: str) -> None:
    with open_store(postgres_url) as store:
        store.create_table("t", "v1", (OFFER,), actor="a", request_id=None)
        store.replace_table("t", "v2", (), expected_version=1, actor="a", request_id=None)
        before = store.list_audit()
        with pytest.raises(PreconditionFailed) as stale:
            store.replace_table("t", "v3", (), expected_version=1, actor="a", request_id=None)
        assert stale.value.current_version == 2
        assert store.list_audit() == before
        assert [v.version for v in store.list_versions("t")] == [1, 2]


def test_waiting_on_a_closed_store_says_so(store_url: str) -> None:
    store = open_store(store_url)
    threading.Timer(0.3, store.close).start()
    started = time.monotonic()
    with pytest.raises(StoreError, match="closed"):  # woken by close(), not the timeout
        while True:  # (a notification of this store's own migration may wake it first)
            store.changes.wait(store.changes.version(), timeout_s=10.0)
    assert time.monotonic() - started < 5.0


def test_tco_serve_on_an_unreachable_database_says_so_in_one_line(
    postgres: PostgresCluster,
) -> None:
    tco = str(Path(sys.executable).with_name("tco"))
    url = f"postgresql://tco:s3cret@127.0.0.1:{postgres.port}/no_such_database"
    done = subprocess.run(
        [tco, "serve", "--port", "0", "--database", url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("tco serve: cannot connect to the PostgreSQL database")
    assert len(done.stderr.strip().splitlines()) == 1 and "s3cret" not in done.stderr


def test_a_database_gone_mid_service_is_a_503_problem_then_recovers() -> None:
    """A replica whose database goes away answers 503 (retry), not a 500, and serves again
    once it is back, with nothing restarted."""
    from litestar.testing import TestClient

    from tco.api.app import create_app
    from tco.app.live import service_from_store

    cluster = PostgresCluster()  # its own: this test stops and restarts the server
    try:
        url = cluster.database()
        service = service_from_store(url, shipped_data=False)
        try:
            with TestClient(create_app(service, service.store)) as client:
                assert client.get("/v1/pricing/tables").status_code == 200
                cluster.stop_server()
                gone = client.get("/v1/pricing/tables")
                assert gone.status_code == 503, gone.text
                assert gone.headers["content-type"] == "application/problem+json"
                assert gone.headers["retry-after"] == "1"
                assert "the database is unavailable" in gone.json()["detail"]
                # ... and the document says so, so generated clients know the shape.
                doc = client.get("/schema/openapi.json").json()
                listed = doc["paths"]["/v1/pricing/tables"]["get"]["responses"]["503"]
                assert "application/problem+json" in listed["content"]
                cluster.start_server()
                deadline = time.monotonic() + 10
                while client.get("/v1/pricing/tables").status_code != 200:
                    assert time.monotonic() < deadline, "not serving again after the restart"
                    time.sleep(0.1)
        finally:
            service.store.close()
    finally:
        cluster.stop()


def test_cli_commands_on_an_unreachable_database_say_so_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tco.cli import main

    dead = "postgresql://tco:s3cret@127.0.0.1:1/tco"
    for argv in (["keys", "list", "--database", dead], ["catalog", "list", "--database", dead]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"tco {argv[0]}: cannot connect to the PostgreSQL database")
        assert len(err.strip().splitlines()) == 1 and "s3cret" not in err
