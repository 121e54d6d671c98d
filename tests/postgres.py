"""A throwaway PostgreSQL cluster for the tests, and the fixtures that put the store tests on
both backends.

One cluster per test session (per xdist worker): ``initdb`` + ``pg_ctl start`` in a temporary
folder on a free 127.0.0.1 port, ~1 s; then a fresh database per test (``CREATE DATABASE``, a
few ms). PostgreSQL refuses to run as root, so as root (CI) the cluster runs as ``nobody``
(``runuser``). The binaries come from PATH or Debian's /usr/lib/postgresql/<version>/bin
(.ci/run installs the ``postgresql`` package when they are missing).

``fsync=off``: the tests kill tco replicas, never the database server, so the server's own
crash safety is not what they check, and a cluster without fsync runs the suite faster.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tco.store import Store, open_store

BACKENDS = ("sqlite", "postgresql")
_RUN_AS = "nobody"  # the unprivileged user a root test run starts the cluster as


def postgres_bin(name: str) -> Path:
    """``initdb`` / ``pg_ctl``: from PATH, else the newest Debian versioned folder."""
    found = shutil.which(name)
    if found:
        return Path(found)
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if not versions:
        pytest.fail(
            f"PostgreSQL's {name} is not installed (Debian: apt-get install postgresql; "
            ".ci/run does this)"
        )
    return versions[-1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresCluster:
    """A running cluster owned by this test session; ``database()`` makes a fresh database."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="tco-pg-"))
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, user=_RUN_AS)
            self._as_user = ["runuser", "-u", _RUN_AS, "--"]
        self.port = _free_port()
        self.data = self.root / "data"
        self._names = itertools.count(1)
        self._template = False
        self._run(
            postgres_bin("initdb"), "-D", self.data, "-U", "tco", "-A", "trust", "-E", "UTF8",
            "--locale=C", "--no-sync",
        )  # fmt: skip
        self.start_server()

    def start_server(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=300"
        )
        self._run(
            postgres_bin("pg_ctl"), "-D", self.data, "-o", options, "-l", self.root / "log",
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop_server(self) -> None:
        """Stop the server, keeping its data (``start_server`` brings it back)."""
        self._run(postgres_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop")

    def _run(self, *args: object) -> None:
        done = subprocess.run(
            [*self._as_user, *map(str, args)],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            log = self.root / "log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {done.stderr or done.stdout}\n{tail}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://tco@127.0.0.1:{self.port}/{database}"

    def database(self, *, migrated: bool = True) -> str:
        """A new database; returns its URL. ``migrated``: a copy of one the store's migrations
        ran on (a template made once, ~10x faster than migrating each), else empty."""
        name = f"t{os.getpid()}_{next(self._names)}"
        if migrated and not self._template:
            self._create("tco_template", "template0")
            open_store(self.url("tco_template")).close()
            self._template = True
        self._create(name, "tco_template" if migrated else "template0")
        return self.url(name)

    def _create(self, name: str, template: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop_server()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres: PostgresCluster) -> str:
    """A fresh empty PostgreSQL database for this test."""
    return postgres.database()


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store's URL on each backend: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/tco.db"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.database()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A fresh store on each backend (the parametrized store tests use this one)."""
    with open_store(store_url) as opened:
        yield opened
