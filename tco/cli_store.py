"""The ``--database`` option every store-writing command shares: one default, one wording."""

from __future__ import annotations

import argparse
import os

DEFAULT_DATABASE_URL = "sqlite:///var/tco.db"


def add_store_argument(parser: argparse.ArgumentParser, what: str = "the store") -> None:
    parser.add_argument(
        "--database",
        default=os.environ.get("TCO_DATABASE_URL", DEFAULT_DATABASE_URL),
        help=f"{what}, e.g. sqlite:///path.db (default: TCO_DATABASE_URL, else "
        f"{DEFAULT_DATABASE_URL})",
    )
