"""The latest version of a table is served from memory until any connection commits, and a
commit from another process (another store on the same file) is seen at once."""

from __future__ import annotations

from pathlib import Path

from tco.domain.pricing import Offer
from tco.store import SqliteStore

OFFER = Offer(
    hardware="h100",
    provider="Lambda",
    kind="on_demand",
    usd_per_gpu_hour=3.99,
    source="lambda.ai/instances",
    source_date="2026-09-20",
)


def test_latest_table_follows_commits_from_another_connection(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/tco.db"
    with SqliteStore(url) as reader, SqliteStore(url) as writer:
        writer.create_table("t", "first", [OFFER], actor="a", request_id=None)
        first = reader.get_table("t")
        assert first.version == 1
        assert reader.get_table("t") is first  # served from memory: nothing committed since
        cheaper = Offer(
            **{**{f: getattr(OFFER, f) for f in OFFER.__struct_fields__}, "usd_per_gpu_hour": 2.0}
        )
        writer.replace_table(
            "t", "second", [cheaper], expected_version=1, actor="a", request_id=None
        )
        latest = reader.get_table("t")
        assert latest.version == 2
        assert latest.offers[0].usd_per_gpu_hour == 2.0
        assert reader.get_table("t", 1) == first  # old versions stay readable


def test_a_commit_from_another_process_is_seen_within_the_recheck_bound(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    from tco.store import sqlite

    url = f"sqlite:///{tmp_path}/tco.db"
    with SqliteStore(url) as reader:
        reader.create_table("t", "first", [OFFER], actor="a", request_id=None)
        assert reader.get_table("t").version == 1
        script = (
            "from tco.store import SqliteStore\n"
            "from tests.store.test_store_latest_cache import OFFER\n"
            f"with SqliteStore({url!r}) as s:\n"
            "    s.replace_table('t', 'second', [OFFER], expected_version=1, actor='a', request_id=None)\n"
        )
        subprocess.run([sys.executable, "-c", script], check=True, cwd=Path(__file__).parents[2])
        # no write through this process: seen once the last data_version check is old enough
        time.sleep(sqlite.LATEST_RECHECK_S * 1.5)
        assert reader.get_table("t").version == 2
