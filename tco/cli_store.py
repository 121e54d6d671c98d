"""The ``--database`` option every store-writing command shares: one default, one wording."""

from __future__ import annotations

import argparse
import os

DEFAULT_DATABASE_URL = "sqlite:///var/tco.db"
# Where the store is when --database is not given: TCO_DATABASE_URL, or TCO_DATABASE (the
# shorter name the deployment docs use), else the SQLite file above.
DATABASE_SETTINGS = ("TCO_DATABASE_URL", "TCO_DATABASE")


def default_database() -> str:
    for name in DATABASE_SETTINGS:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return DEFAULT_DATABASE_URL


def add_store_argument(parser: argparse.ArgumentParser, what: str = "the store") -> None:
    parser.add_argument(
        "--database",
        default=default_database(),
        help=f"{what}: sqlite:///path.db, or postgresql://user@host/db for several replicas on "
        f"one database (default: TCO_DATABASE_URL, else TCO_DATABASE, else "
        f"{DEFAULT_DATABASE_URL})",
    )
