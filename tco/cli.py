"""tco command line: serve | quote | compare | keys | import | sync | changes | openapi, and the
listings (models | hardware | tables | points | gpu-hour, in ``tco.cli_lists``).

``tco quote --format json`` prints exactly the body ``POST /v1/quotes`` returns for the same
inputs: both encode ``Service.quote``'s answer with the same encoder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Sequence

import msgspec

from tco.cli_store import add_store_argument
from tco.domain.compare import CompareRequest, CompareResponse, SeriesSelector
from tco.domain.errors import DomainError
from tco.domain.pricing import OFFER_KINDS
from tco.domain.quote import QuoteOption, QuoteRequest, QuoteResponse, TargetQuote
from tco.domain.quote_summary import QuoteSummaryResponse
from tco.tabular import SIGNIFICANT_DIGITS, Row, compare_rows, quote_rows, rows_to_csv
from tco.tabular import format_sig as sig

# --demand-<kind> options: QuoteRequest.demand kinds and their value types.
_DEMAND_KINDS: dict[str, type] = {
    "output_tokens_per_s": float,
    "output_tokens_per_day": float,
    "requests_per_s": float,
    "concurrent_users": int,
}


def encode_json(value: object) -> bytes:
    """The one JSON encoding of answers, shared by the CLI and the HTTP layer."""
    return msgspec.json.encode(value)


def _service(database: str | None):  # type: ignore[no-untyped-def]
    if database:
        from tco.app_state import service_from_store

        return service_from_store(database)
    from tco.service import shipped_service

    return shipped_service()


def _decode(kind: type, payload: dict[str, object], what: str):  # type: ignore[no-untyped-def]
    try:
        return msgspec.convert(payload, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise SystemExit(f"tco {what}: invalid arguments: {exc}") from exc


def _emit_machine_format(answer: object, rows: Callable[[], list[Row]], fmt: str) -> bool:
    """Print ``answer`` as JSON (the HTTP body) or CSV when asked; False for the table."""
    if fmt == "json":
        sys.stdout.buffer.write(encode_json(answer) + b"\n")
    elif fmt == "csv":
        sys.stdout.write(rows_to_csv(rows()))
    return fmt in ("json", "csv")


def _print_quote(answer: QuoteResponse | QuoteSummaryResponse, fmt: str) -> None:
    if _emit_machine_format(answer, lambda: quote_rows(answer), fmt):
        return
    a = answer.assumptions
    print(f"{a.model} {a.isl}/{a.osl}  benchmarks as of {a.benchmark_as_of} (dataset {a.dataset_version})  "
          f"pricing {a.pricing_table} v{a.pricing_version}  basis {a.token_basis}  utilization {a.utilization:g}  {a.interpolation}")  # fmt: skip
    print(
        f"  numbers rounded to {SIGNIFICANT_DIGITS} significant digits (--format json: full precision)"
    )
    f = a.freshness
    if f is not None:
        print(f"  newest benchmark for this workload {f.workload_latest_date}; last sync "
              f"{f.synced_at.isoformat(timespec='seconds') if f.synced_at else 'never'}; ages as of {f.judged_at}; "
              f"{f.stale_options} stale option(s) (> {f.stale_benchmark_days} days benchmark, > {f.stale_price_days} days price)")  # fmt: skip
    if a.model_variants:
        print(f"  not included, variants of {a.model}: {', '.join(a.model_variants)} (quote each by its key)")  # fmt: skip
    if a.offer_filters is not None:
        given = {
            k: v
            for k, v in msgspec.structs.asdict(a.offer_filters).items()
            if v not in (None, False)
        }
        excluded = ", ".join(f"{k} {n}" for k, n in a.excluded_offers.items()) or "none"
        print(f"  offer filters {msgspec.json.encode(given).decode()}; offers excluded: {excluded}")
    for tq in answer.targets:
        print(f"\n  target {tq.target_interactivity:g} tok/s/user")
        options = (
            tq.options if isinstance(tq, TargetQuote) else [tq.cheapest] if tq.cheapest else []
        )
        if not options:
            print("    no option reaches this target with a priced offer")
        for o in options:
            op = o.operating_point
            print(
                f"    #{o.rank} {o.hardware:<7} ${sig(o.usd_per_million_tokens):>8}/M  x{sig(o.ratio_to_cheapest):<5}  {o.recipe.label}"
            )
            print(f"        {op.method} at {sig(op.interactivity)} tok/s/user, {sig(op.tput_per_gpu)} tok/s/GPU, conc {sig(op.conc)}; "
                  f"{o.offer.provider} {o.offer.kind} ${sig(o.offer.usd_per_gpu_hour)}/GPU-h{_status(o.offer.status)} ({o.offer.source_date or 'undated'}); "
                  f"measured {', '.join(sorted({k.date.isoformat() for k in op.knots}))}")  # fmt: skip
            for w in o.evidence.warnings if o.evidence else ():
                print(f"        stale ({w.kind}): {w.message}")
            for caveat in o.caveats:
                print(f"        caveat: {caveat}")
            _print_procurement(o, a.api_price.id if a.api_price else "")
        if not isinstance(tq, TargetQuote):  # view=summary: counts only
            print(
                f"    {tq.unreachable_total} recipe(s) cannot reach it; {tq.excluded_total} excluded"
            )
            continue
        low = tq.cheapest_for_demand
        if low is not None and low.capacity is not None:
            print(f"    lowest monthly bill for this demand: {low.hardware} {low.recipe.label}, "
                  f"{low.capacity.gpus} GPUs, ${sig(low.capacity.usd_per_month)}/month "
                  f"({low.offer.provider} {low.offer.kind} ${sig(low.offer.usd_per_gpu_hour)}/GPU-h)")  # fmt: skip
        if tq.unreachable_total:
            best = ", ".join(f"{u.hardware} {sig(u.max_interactivity)}" for u in tq.unreachable[:5])
            print(f"    {tq.unreachable_total} recipe(s) cannot reach it (max tok/s/user: {best})")
        if tq.excluded_total:
            print(
                f"    {tq.excluded_total} recipe(s) excluded: "
                + "; ".join(sorted({f"{e.hardware}: {e.reason}" for e in tq.excluded}))
            )


def _status(status: str | None) -> str:
    """An offer's status beside its price, unless it is a plain published price."""
    return "" if status in (None, "published") else f" [{status}]"


def _print_procurement(o: QuoteOption, api_price_id: str) -> None:
    """Capacity, owned-TCO breakdown and API comparison lines of one option (when asked for)."""
    t = o.offer.owned_tco
    if t is not None:
        print(f"        owned TCO ${sig(t.total_usd_per_gpu_hour)}/GPU-h = capital {sig(t.capital_usd_per_gpu_hour)} + power "
              f"{sig(t.power_usd_per_gpu_hour)} + colocation {sig(t.colocation_usd_per_gpu_hour)} + opex {sig(t.opex_usd_per_gpu_hour)}")  # fmt: skip
    c = o.capacity
    if c is not None:
        where = [
            f"{c.nodes} nodes" if c.nodes is not None else "",
            f"{c.racks} rack(s)" if c.racks is not None else "",
        ]
        power = f"; {sig(c.all_in_kw)} kW IT load" if c.all_in_kw is not None else ""
        print(f"        capacity: {c.replicas} x {c.gpus_per_replica}-GPU replica = {c.gpus} GPUs"
              f"{''.join(', ' + w for w in where if w)}; {sig(c.load_factor * 100)}% loaded; "
              f"${sig(c.usd_per_month)}/month ({sig(c.gpu_hours_per_month)} GPU-h){power}")  # fmt: skip
    elif o.capacity_unavailable is not None:
        print(f"        capacity: not computed: {o.capacity_unavailable}")
    api = o.api_comparison
    if api is not None:
        if api.break_even_utilization is None:
            print(
                f"        vs API {api_price_id}: ${sig(api.api_usd_per_1k_requests)}/1k requests; {api.unavailable_reason}"
            )
            return
        monthly = (f"; API ${sig(api.api_usd_per_month)}/month, saving ${sig(api.saving_usd_per_month)}/month"
                   if api.api_usd_per_month is not None and api.saving_usd_per_month is not None else "")  # fmt: skip
        self_hosted = api.self_hosted_usd_per_1k_requests
        print(f"        vs API {api_price_id}: ${sig(api.api_usd_per_1k_requests)} vs ${'-' if self_hosted is None else sig(self_hosted)} "
              f"per 1k requests; break-even utilization {sig(api.break_even_utilization * 100)}%{monthly}")  # fmt: skip


def _print_compare(answer: CompareResponse, fmt: str) -> None:
    rows = compare_rows(answer)
    if _emit_machine_format(answer, lambda: rows, fmt):
        return
    b, c = answer.baseline, answer.candidate
    print(f"{answer.model} {answer.isl}/{answer.osl}: baseline {b.recipe.hardware} {b.recipe.label} {b.date} "
          f"-> candidate {c.recipe.hardware} {c.recipe.label} {c.date}")  # fmt: skip

    def cell(value: object) -> str:
        return "-" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)

    for r in rows:
        gain = r["gain"]
        print(f"  {r['view']:<16} {r['at']:>8g}  baseline {cell(r['baseline_value']):>8} ({r['baseline_method']})  "
              f"candidate {cell(r['candidate_value']):>8} ({r['candidate_method']})  gain {'-' if gain is None else f'{gain:.2f}x'}")  # fmt: skip
    p = answer.peak_throughput
    print(f"  peak tok/s/GPU {p.baseline:g} -> {p.candidate:g} ({p.ratio:.2f}x)")


def _selector(text: str) -> SeriesSelector:
    """``hardware=mi355x,framework=vllm,tp=8,date=2026-03-01`` -> SeriesSelector."""
    fields: dict[str, object] = {}
    for part in text.split(","):
        key, _, value = part.partition("=")
        if not _:
            raise SystemExit(f"tco compare: selector part {part!r} is not key=value")
        fields[key.strip()] = value.strip()
    for key in ("disagg", "dp_attention"):
        if key in fields:
            fields[key] = str(fields[key]).lower() in ("1", "true", "yes")
    return _decode(SeriesSelector, fields, "compare")  # type: ignore[no-any-return]


# Exit status of a command whose reader went away (`tco quote ... | head -1`): 128 + SIGPIPE,
# what a shell reports for any Unix tool stopped that way.
EXIT_BROKEN_PIPE = 128 + 13


def port_number(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise ValueError(text)
    return port


def _env_port() -> int:
    """``TCO_PORT``: what ``tco serve`` listens on without ``--port`` (8000 when unset)."""
    text = os.environ.get("TCO_PORT", "").strip() or "8000"
    try:
        return port_number(text)
    except ValueError:
        raise SystemExit(f"tco serve: TCO_PORT: {text!r} is not a port number (0-65535)") from None


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
    for kind, kind_type in _DEMAND_KINDS.items():
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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = _run(args)
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
        return code
    except DomainError as exc:
        print(f"tco {args.command}: {exc.field}: {exc.reason}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader is gone (`| head -1`): stop quietly, as the Python docs advise (signal
        # module, "Note on SIGPIPE"): further writes, and the flush at exit, go to devnull.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        from tco.api.server import serve

        if args.sync:
            from tco.sync.schedule import parse_duration

            try:
                parse_duration(args.sync_every)
            except ValueError as exc:
                print(f"tco serve: --sync-every: {exc}", file=sys.stderr)
                return 2
        return serve(
            host=args.host,
            port=_env_port() if args.port is None else args.port,
            database=args.database,
            workers=args.workers,
            shipped_data=not args.no_shipped_data,
            sync=args.sync,
            sync_every=args.sync_every,
            sync_base_url=args.sync_base_url,
        )
    if args.command == "openapi":
        from tco.api.app import openapi_json

        text = openapi_json()
        if args.output:
            with open(args.output, "wb") as fh:
                fh.write(text)
        else:
            sys.stdout.buffer.write(text)
        return 0
    if args.command == "quote":
        overrides = {}
        for item in args.price:
            hw, _, price = item.partition("=")
            overrides[hw] = price
        payload = {
            "model": args.model, "isl": args.isl, "osl": args.osl, "targets": args.target,
            "pricing": args.pricing, "pricing_version": args.pricing_version, "price_overrides": overrides,
            "token_basis": args.token_basis, "utilization": args.utilization, "interpolation": args.interpolation,
            "pooling": args.pooling, "extrapolate": args.extrapolate, "hardware": args.hardware,
            "as_of": args.as_of.isoformat() if args.as_of else None, "top": args.top,
            "demand": next(({"kind": k, "value": getattr(args, f"demand_{k}")} for k in _DEMAND_KINDS
                            if getattr(args, f"demand_{k}") is not None), None),
            "api_price": args.api_price, "offer_kinds": args.offer_kind, "providers": args.provider,
            "regions": args.region, "max_price_age_days": args.max_price_age_days,
            "exclude_placeholder_prices": args.exclude_placeholder_prices,
            "min_commitment_months": args.min_commitment_months, "max_commitment_months": args.max_commitment_months,
            "view": args.view,
        }  # fmt: skip
        request = _decode(QuoteRequest, payload, "quote")
        _print_quote(_service(args.database).answer(request), args.format)
        return 0
    if args.command == "compare":
        request = CompareRequest(
            model=args.model, isl=args.isl, osl=args.osl,
            baseline=_selector(args.baseline), candidate=_selector(args.candidate),
            at_concurrency=args.at_concurrency, at_throughput=args.at_throughput,
            at_interactivity=args.at_interactivity, interpolation=args.interpolation, extrapolate=args.extrapolate,
        )  # fmt: skip
        _print_compare(_service(args.database).compare(request), args.format)
        return 0
    if args.command == "sync":
        from tco.cli_sync import run_sync_command

        return run_sync_command(args)
    if args.command == "changes":
        from tco.cli_sync import run_changes_command

        return run_changes_command(args)
    from tco.cli_lists import LIST_COMMANDS, run_list

    if args.command in LIST_COMMANDS:
        return run_list(args)
    from tco.cli_admin import run_admin

    if args.command == "catalog":
        from tco.cli_catalog import run_catalog

        return run_catalog(args)

    return run_admin(args)


if __name__ == "__main__":
    raise SystemExit(main())
