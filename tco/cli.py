"""tco command line: serve | quote | compare | keys | import | sync | changes | openapi, and the
listings (models | hardware | tables | points | gpu-hour, in ``tco.cli_lists``). The options
are declared in ``tco.cli_parser``; this module runs a command and prints its answer.

``tco quote --format json`` prints exactly the body ``POST /v1/quotes`` returns for the same
inputs: both encode ``Service.quote``'s answer with the same encoder.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

import msgspec

from tco.cli_parser import DEMAND_KINDS, build_parser, port_number
from tco.domain.compare import CompareRequest, CompareResponse, SeriesSelector
from tco.domain.errors import DomainError
from tco.domain.quote import QuoteOption, QuoteRequest, QuoteResponse, TargetQuote
from tco.domain.quote_full import wire
from tco.domain.quote_summary import QuoteSummaryResponse
from tco.store.base import StoreError
from tco.tabular import SIGNIFICANT_DIGITS, Row, compare_rows, quote_rows, rows_to_csv
from tco.tabular import format_sig as sig


def encode_json(value: object) -> bytes:
    """The one JSON encoding of answers, shared by the CLI and the HTTP layer."""
    return msgspec.json.encode(value)


def _service(database: str | None):  # type: ignore[no-untyped-def]
    if database:
        from tco.app.live import service_from_store

        return service_from_store(database)
    from tco.app.service import shipped_service

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
    if _emit_machine_format(wire(answer), lambda: quote_rows(answer), fmt):
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


def _env_port() -> int:
    """``TCO_PORT``: what ``tco serve`` listens on without ``--port`` (8000 when unset)."""
    text = os.environ.get("TCO_PORT", "").strip() or "8000"
    try:
        return port_number(text)
    except ValueError:
        raise SystemExit(f"tco serve: TCO_PORT: {text!r} is not a port number (0-65535)") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = _run(args)
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
        return code
    except DomainError as exc:
        print(f"tco {args.command}: {exc.field}: {exc.reason}", file=sys.stderr)
        return 2
    except StoreError as exc:  # e.g. the database cannot be reached: its reason, no traceback
        print(f"tco {args.command}: {exc}", file=sys.stderr)
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
            "demand": next(({"kind": k, "value": getattr(args, f"demand_{k}")} for k in DEMAND_KINDS
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
