"""``tco catalog``: add models, hardware and frameworks to a store's catalog (as the API's
``POST /v1/catalog/{kind}`` does) and list what it holds."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tco.cli_store import add_store_argument


def add_catalog_commands(sub: Any) -> None:
    catalog = sub.add_parser("catalog", help="add models, hardware or frameworks to the catalog")
    cat_sub = catalog.add_subparsers(dest="catalog_command", required=True, help="what to do")
    parsers = {
        "add-model": cat_sub.add_parser("add-model", help="add a model key"),
        "add-hardware": cat_sub.add_parser(
            "add-hardware", help="add an accelerator (every value optional, each with a source)"
        ),
        "add-framework": cat_sub.add_parser("add-framework", help="add a serving framework key"),
        "list": cat_sub.add_parser("list", help="list the entries added to the store"),
    }
    for name, p in parsers.items():
        add_store_argument(p)
        if name == "list":
            continue
        p.add_argument("--key", required=True, help="the canonical key, e.g. llama-4-maverick")
        p.add_argument("--display-name", required=True, help="the name people know it by")
        p.add_argument("--source", required=True, help="where it is published or described")
        p.add_argument("--alias", action="append", default=[], help="another spelling (repeat)")
    parsers["add-model"].add_argument("--variant-of", help="a variant of this model key")
    hw = parsers["add-hardware"]
    hw.add_argument("--vendor", help="e.g. NVIDIA, AMD, Google, Intel (absent: unknown)")
    hw.add_argument("--memory-gb", type=float, help="memory per accelerator, GB")
    hw.add_argument("--memory-source", help="where --memory-gb is published")
    hw.add_argument(
        "--gpus-per-node", type=int, help="accelerators per node (absent: capacity gives no nodes)"
    )
    hw.add_argument(
        "--scale-up-domain-gpus",
        type=int,
        help="accelerators per scale-up domain (8, 72 for NVL72)",
    )
    hw.add_argument(
        "--topology-source", help="where --gpus-per-node / --scale-up-domain-gpus are published"
    )
    hw.add_argument(
        "--all-in-kw-per-gpu",
        type=float,
        help="all-in IT power per accelerator, kW (absent: no power)",
    )
    hw.add_argument("--all-in-kw-source", help="where --all-in-kw-per-gpu is published")
    hw.add_argument("--all-in-kw-source-date", help="date of that source, YYYY-MM-DD")
    hw.add_argument("--notes", help="free text shown with the entry")


def run_catalog(args: argparse.Namespace) -> int:
    import msgspec

    from tco.app.live import open_seeded_store
    from tco.domain import keys
    from tco.domain.catalog_entries import ENTRY_TYPES, KEY_KIND
    from tco.store import StoreError

    store = open_seeded_store(args.database)
    try:
        if args.catalog_command == "list":
            print("kind\tkey\tversion\tcreated_by\tcreated_at")
            for e in store.catalog.latest_entries():
                print(f"{e.kind}\t{e.key}\tv{e.version}\t{e.created_by}\t{e.created_at:%Y-%m-%d}")
            return 0
        kind = {"add-model": "models", "add-hardware": "hardware", "add-framework": "frameworks"}[
            args.catalog_command
        ]
        skip = {"database", "command", "catalog_command", "alias"}
        values = {k: v for k, v in vars(args).items() if k not in skip and v is not None}
        values["aliases"] = args.alias
        try:
            entry = msgspec.convert(values, ENTRY_TYPES[kind], strict=False)
        except msgspec.ValidationError as exc:
            print(f"tco catalog: {exc}", file=sys.stderr)
            return 2
        unsourced = getattr(entry, "unsourced", lambda: None)()
        if unsourced is not None:
            print(f"tco catalog: {unsourced} given without its source", file=sys.stderr)
            return 2
        key_kind = KEY_KIND[kind]
        clash = keys.conflicting_spelling(key_kind, entry.key, entry.aliases)
        if clash is not None or keys.is_shipped(key_kind, entry.key):
            print(
                f"tco catalog: {clash or entry.key!r} already names a {key_kind}", file=sys.stderr
            )
            return 2
        try:
            version = store.catalog.write_entry(
                kind, entry, actor="cli", request_id=None, expected_version=None
            )
        except StoreError as exc:
            print(f"tco catalog: {exc}", file=sys.stderr)
            return 2
        print(f"added {kind} {version.key!r} (version {version.version})")
        return 0
    finally:
        store.close()
