"""``tco sync inferencex`` and ``tco changes``: follow InferenceX, and say what changed.

Exit codes of ``tco sync`` (for cron): 0 every batch stored (or nothing new), 1 partial (some
rows rejected or some batches failed: the rest is stored), 2 failure (nothing could be
fetched), 3 another sync holds the store's sync lock.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import IO, Any

from tco.cli_store import add_store_argument
from tco.sync.client import DEFAULT_BASE_URL


def add_sync_commands(sub: Any) -> None:
    sync = sub.add_parser(
        "sync",
        help="pull new benchmark results from a public source into the store",
        description="Pull InferenceX's public API (availability, then the history of every "
        "workload of every model asked for) into the store: idempotent and incremental, one "
        "atomic run per workload. Exit codes: 0 ok, 1 partial (rejected rows or failed "
        "batches, the rest stored), 2 failure, 3 another sync is running.",
    )
    sources = sync.add_subparsers(dest="sync_source", required=True, help="where to pull from")
    ix = sources.add_parser("inferencex", help="InferenceX public API")
    ix.add_argument(
        "--base-url",
        default=os.environ.get("TCO_INFERENCEX_URL", DEFAULT_BASE_URL),
        help=f"API base URL (default {DEFAULT_BASE_URL}; also TCO_INFERENCEX_URL)",
    )
    ix.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="NAME",
        help="display name (DeepSeek-R1-0528) or key (dsr1); repeat; default: every model",
    )
    add_store_argument(ix, "the store to sync into")
    ix.add_argument("--concurrency", type=int, default=4, help="requests in flight (default 4)")
    ix.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    ix.add_argument("--retries", type=int, default=5, help="attempts per request")
    ix.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="summary format (default table)",
    )

    ch = sub.add_parser("changes", help="what each dataset version changed (GET /v1/changes)")
    ch.add_argument(
        "--since",
        default="0",
        help="dataset version, generation number or date (YYYY-MM-DD); default: everything",
    )
    add_store_argument(ch, "the store to read")
    ch.add_argument(
        "--no-shipped-data", action="store_true", help="the store's runs only, no shipped base"
    )
    ch.add_argument("--target", type=float, action="append", help="tok/s/user (default 20,50,100)")
    ch.add_argument("--pricing", help="price table for the cheapest answers (default: the default)")
    ch.add_argument("--limit", type=int, default=100, help="at most this many versions")
    ch.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        default="table",
        help="output format (default table)",
    )


class SyncProgress:
    """Batches and rows on one line redrawn in place, only when the stream is a terminal."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.enabled = stream.isatty()

    def __call__(self, p: Any) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * p.batches_done // max(p.batches_total, 1)
        self.stream.write(
            f"\r\033[Ksync inferencex [{'#' * filled}{'.' * (width - filled)}] "
            f"batches {p.batches_done}/{p.batches_total}  rows {p.rows_seen:,} "
            f"(+{p.rows_added:,} new)"
        )
        self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def print_summary(s: Any, out: IO[str]) -> None:
    print(
        f"sync {s.source}: {s.status} in {s.duration_s:.1f} s, {s.requests} requests\n"
        f"  workloads {s.workloads}: {s.batches_stored} stored, {s.batches_unchanged} "
        f"unchanged, {s.batches_failed} failed\n"
        f"  rows seen {s.rows_seen:,}, added {s.rows_added:,}, duplicates {s.duplicates:,}, "
        f"rejected {s.rejected:,}",
        file=out,
    )
    if s.rows_added == 0 and s.status in ("ok", "partial"):
        print("  nothing new: the store already holds every row", file=out)
    for r in s.rejections:
        print(f"    rejected {r.rows:>6} x {r.field}: {r.reason}", file=out)
    for f in s.failures:
        print(f"    failed {f.workload}: {f.error}", file=out)
    if s.skipped_models:
        print(f"  skipped (no known display name): {', '.join(s.skipped_models)}", file=out)
    print(f"  dataset version {s.dataset_version} (generation {s.dataset_generation})", file=out)


def run_sync_command(args: argparse.Namespace) -> int:
    import msgspec

    from tco.app.live import base_points, dataset_version_for, open_seeded_store
    from tco.sync.client import ClientSettings, InferenceXClient
    from tco.sync.runner import EXIT_CODES, run_sync

    settings = ClientSettings(
        base_url=args.base_url,
        timeout_s=args.timeout,
        attempts=max(args.retries, 1),
        concurrency=max(args.concurrency, 1),
    )
    store = open_seeded_store(args.database)
    progress = SyncProgress(sys.stderr)
    try:
        with InferenceXClient(settings) as client:
            summary = run_sync(store, client, models=args.model, on_progress=progress)
        progress.done()
        _, base_version = base_points(True)
        live = [r.id for r in store.list_runs()]
        summary = msgspec.structs.replace(
            summary, dataset_version=dataset_version_for(base_version, live)
        )
    finally:
        store.close()
    if args.format == "json":
        sys.stdout.buffer.write(msgspec.json.encode(summary) + b"\n")
    elif summary.status == "locked":
        print("tco sync: another sync holds the store's sync lock; try later", file=sys.stderr)
    else:
        print_summary(summary, sys.stdout)
    return EXIT_CODES[summary.status]


def _usd(c: Any) -> str:
    return (
        "unreachable" if c is None else f"{c.hardware} {c.label} ${c.usd_per_million_tokens:.4f}/M"
    )


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def print_changes(answer: Any, out: IO[str]) -> None:
    print(
        f"changes since {answer.since}: {len(answer.changes)} version(s); now "
        f"{answer.dataset_version}; cheapest at {', '.join(f'{t:g}' for t in answer.targets)} "
        f"tok/s/user on {answer.pricing_table} v{answer.pricing_version}",
        file=out,
    )
    for c in answer.changes:
        a = c.arrived
        print(
            f"\n{c.dataset_version} (generation {c.generation}, {c.run_id}, "
            f"{c.created_at:%Y-%m-%d %H:%M} UTC) <- {c.previous_version}\n"
            f"  arrived   {a.points} points measured {a.first_date}..{a.last_date}: "
            f"{', '.join(a.workloads)}",
            file=out,
        )
        for r in a.new_recipes:
            print(f"  new       {r.model} {r.isl}/{r.osl}  {r.hardware} {r.label}", file=out)
        if a.new_hardware:
            print(f"  new hw    {', '.join(a.new_hardware)}", file=out)
        for f in c.frontiers:
            print(
                f"  frontier  {f.model} {f.isl}/{f.osl}  {f.hardware} {f.label}: "
                f"max tok/s/user {_num(f.max_interactivity_before)} -> "
                f"{_num(f.max_interactivity_after)}, max tok/s/GPU "
                f"{_num(f.max_tput_per_gpu_before)} -> {_num(f.max_tput_per_gpu_after)}",
                file=out,
            )
        for x in c.cheapest:
            ratio = "" if x.ratio is None else f" ({x.ratio:.2f}x)"
            print(
                f"  cheapest  {x.model} {x.isl}/{x.osl} @ {x.target_interactivity:g} tok/s/user: "
                f"{_usd(x.before)} -> {_usd(x.after)}{ratio}",
                file=out,
            )


def run_changes_command(args: argparse.Namespace) -> int:
    import msgspec

    from tco.app.changes import DEFAULT_TARGETS, change_log, change_rows
    from tco.app.live import service_from_store
    from tco.tabular import rows_to_csv

    service = service_from_store(args.database, shipped_data=not args.no_shipped_data)
    try:
        table = service.table(args.pricing, None)
        answer = change_log(
            service, table, args.since, args.target or DEFAULT_TARGETS, max(args.limit, 1)
        )
    finally:
        service.store.close()
    if args.format == "json":
        sys.stdout.buffer.write(msgspec.json.encode(answer) + b"\n")
    elif args.format == "csv":
        sys.stdout.write(rows_to_csv(change_rows(answer)))
    else:
        print_changes(answer, sys.stdout)
    return 0
