"""Admin commands: API keys and run import (the store's write side)."""

from __future__ import annotations

import argparse
import os
from typing import Any


def add_admin_commands(sub: Any) -> None:
    keys = sub.add_parser("keys", help="manage API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="create a key; prints it once, on the last line")
    create.add_argument("--name", required=True)
    create.add_argument("--role", choices=["viewer", "editor", "admin"], required=True)
    for p in (
        create,
        keys_sub.add_parser("list", help="list keys (never the secret)"),
        revoke := keys_sub.add_parser("revoke", help="revoke a key"),
    ):
        p.add_argument(
            "--database", default=os.environ.get("TCO_DATABASE_URL", "sqlite:///var/tco.db")
        )
    revoke.add_argument("name")


def run_admin(args: argparse.Namespace) -> int:
    from tco.app_state import open_seeded_store
    from tco.store import Role

    if args.command == "keys":
        store = open_seeded_store(args.database)
        try:
            if args.keys_command == "create":
                key = store.create_key(args.name, Role[args.role.upper()])
                print(f"created {args.role} key {args.name!r}; it is shown once, store it now:")
                print(key)
            elif args.keys_command == "list":
                for k in store.list_keys():
                    print(
                        f"{k.name}\t{k.role.name.lower()}\t{k.prefix}\t{'revoked' if k.revoked_at else 'active'}"
                    )
            else:
                store.revoke_key(args.name)
                print(f"revoked {args.name}")
        finally:
            store.close()
        return 0
    raise SystemExit(f"unknown command {args.command}")
