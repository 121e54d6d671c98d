"""The options of the tco command line: every subcommand and option with its help text (the
commands are run by ``tco.cli``; the listings' and sync's options come from their modules)."""

from __future__ import annotations

import argparse
import datetime as dt
import os

from tco.cli_store import add_store_argument
from tco.domain.pricing import OFFER_KINDS

__all__ = ["DEMAND_KINDS", "build_parser", "port_number"]

# --demand-<kind> options: QuoteRequest.demand kinds and their value types.
DEMAND_KINDS: dict[str, type] = {
    "output_tokens_per_s": float,
    "output_tokens_per_day": float,
    "requests_per_s": float,
    "concurrent_users": int,
}


def port_number(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise ValueError(text)
    return port


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand and option, each with its help text (a test walks them all)."""
    parser = argparse.ArgumentParser(
        prog="tco", description="Cost per million tokens for LLM inference hardware."
    )
    sub = parser.add_subparsers(
        dest="command", required=True, help="what to do (tco COMMAND --help for its options)"
    )

    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument(
        "--host",
        default=os.environ.get("TCO_HOST", "127.0.0.1"),
        help="address to listen on (default: TCO_HOST, else 127.0.0.1)",
    )
    serve.add_argument(
        "--port",
        type=port_number,
        help="port to listen on (default: TCO_PORT, else 8000)",
    )
    add_store_argument(serve)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    serve.add_argument(
        "--no-shipped-data",
        action="store_true",
        # the setting, for deployments configured by environment
        default=os.environ.get("TCO_SHIPPED_DATA", "1") == "0",
        help="serve only the runs in the database, not the shipped benchmarks "
        "(also TCO_SHIPPED_DATA=0)",
    )

    serve.add_argument(
        "--sync",
        choices=["inferencex"],
        default=os.environ.get("TCO_SYNC") or None,
        help="sync from this public source by itself, off the request path (also TCO_SYNC; "
        "default: off)",
    )
    serve.add_argument(
        "--sync-every",
        default=os.environ.get("TCO_SYNC_EVERY", "6h"),
        metavar="DURATION",
        help="how often to sync with --sync: 30m, 6h, 1d (default 6h; also TCO_SYNC_EVERY)",
    )
    serve.add_argument(
        "--sync-base-url",
        default=os.environ.get("TCO_INFERENCEX_URL"),
        help="InferenceX API base URL for --sync (default: the public one)",
    )

    q = sub.add_parser("quote", help="cheapest hardware + recipe + offer per target")
    q.add_argument("--model", required=True, help="model, e.g. dsr1 (tco: GET /v1/catalog)")
    q.add_argument("--isl", type=int, required=True, help="input sequence length, tokens")
    q.add_argument("--osl", type=int, required=True, help="output sequence length, tokens")
    q.add_argument(
        "--target",
        type=float,
        action="append",
        required=True,
        help="tok/s/user; repeat for several",
    )
    q.add_argument(
        "--pricing", metavar="TABLE", help="price table (default: the newest owning tier)"
    )
    q.add_argument(
        "--pricing-version", type=int, metavar="N", help="that table's version N (default: latest)"
    )
    q.add_argument(
        "--price", action="append", default=[], metavar="HW=USD", help="price override, $/GPU-hour"
    )
    q.add_argument(
        "--token-basis",
        choices=["total", "output", "input"],
        default="total",
        help="tokens the cost is per (default: total)",
    )
    q.add_argument("--utilization", type=float, default=1.0, help="share of the hours used, (0, 1]")
    q.add_argument(
        "--interpolation",
        choices=["linear", "monotone", "measured"],
        default="linear",
        help="how a frontier is read between measured points (default: linear)",
    )
    q.add_argument(
        "--pooling",
        choices=["recipe", "series"],
        default="recipe",
        help="one frontier per recipe, or per dated series (default: recipe)",
    )
    q.add_argument(
        "--extrapolate", action="store_true", help="read past a frontier's fastest point"
    )
    q.add_argument(
        "--hardware", action="append", help="only this hardware, e.g. h200; repeat for several"
    )
    q.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        metavar="DATE",
        help="only benchmarks measured by this date (YYYY-MM-DD)",
    )
    q.add_argument("--top", type=int, default=5, help="options per target (default: 5)")
    q.add_argument(
        "--offer-kind",
        action="append",
        choices=list(OFFER_KINDS),
        help="only offers of this kind; repeat for several",
    )
    q.add_argument("--provider", action="append", help="only this provider's offers; repeat")
    q.add_argument("--region", action="append", help="only offers in this region; repeat")
    q.add_argument(
        "--max-price-age-days",
        type=int,
        metavar="N",
        help="only prices dated at most N days before --as-of (else today); undated ones go",
    )
    q.add_argument(
        "--exclude-placeholder-prices",
        action="store_true",
        help="leave out offers whose status is placeholder",
    )
    q.add_argument(
        "--min-commitment-months",
        type=int,
        metavar="N",
        help="only offers committing at least N months (on_demand 0, reserved_1y 12, ...)",
    )
    q.add_argument(
        "--max-commitment-months",
        type=int,
        metavar="N",
        help="only offers committing at most N months",
    )
    demand = q.add_mutually_exclusive_group()
    for kind, kind_type in DEMAND_KINDS.items():
        demand.add_argument(
            f"--demand-{kind.replace('_', '-')}",
            dest=f"demand_{kind}",
            type=kind_type,
            metavar="N",
            help="demand to size capacity and the monthly bill for",
        )
    q.add_argument(
        "--api-price",
        metavar="ID",
        help="build vs buy against this API price (tco: GET /v1/api-prices)",
    )
    q.add_argument(
        "--view",
        choices=["full", "summary"],
        default="full",
        help="summary: per target the cheapest option only (default: full)",
    )
    q.add_argument(
        "--database", help="read prices and runs from this store instead of the shipped files"
    )
    q.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        default="table",
        help="json: the POST /v1/quotes body; csv: one row per option (default: table)",
    )

    c = sub.add_parser("compare", help="compare two measured series (baseline vs candidate)")
    c.add_argument("--model", required=True, help="model, e.g. kimi-k2.5")
    c.add_argument("--isl", type=int, required=True, help="input sequence length, tokens")
    c.add_argument("--osl", type=int, required=True, help="output sequence length, tokens")
    c.add_argument(
        "--baseline",
        required=True,
        metavar="k=v,...",
        help="e.g. hardware=mi355x,tp=8,date=2026-03-01",
    )
    c.add_argument(
        "--candidate", required=True, metavar="k=v,...", help="the series to compare, as --baseline"
    )
    c.add_argument(
        "--at-concurrency",
        type=int,
        action="append",
        default=[],
        metavar="N",
        help="compare tok/s/user at this concurrency; repeat for several",
    )
    c.add_argument(
        "--at-throughput",
        type=float,
        action="append",
        default=[],
        metavar="TOK_S_GPU",
        help="compare tok/s/user at this tok/s/GPU; repeat for several",
    )
    c.add_argument(
        "--at-interactivity",
        type=float,
        action="append",
        default=[],
        metavar="TOK_S_USER",
        help="compare tok/s/GPU at this tok/s/user; repeat for several",
    )
    c.add_argument(
        "--interpolation",
        choices=["linear", "monotone"],
        default="linear",
        help="how a series is read between measured points (default: linear)",
    )
    c.add_argument("--extrapolate", action="store_true", help="read past a series' measured range")
    c.add_argument("--database", help="read runs from this store instead of the shipped files")
    c.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        default="table",
        help="json: the POST /v1/compare body; csv: one row per comparison (default: table)",
    )

    o = sub.add_parser("openapi", help="print the OpenAPI document")
    o.add_argument("--output", help="write to this file instead of stdout")

    from tco.cli_admin import add_admin_commands
    from tco.cli_catalog import add_catalog_commands

    add_admin_commands(sub)
    add_catalog_commands(sub)
    from tco.cli_lists import add_list_commands

    add_list_commands(sub)
    from tco.cli_sync import add_sync_commands

    add_sync_commands(sub)
    return parser
