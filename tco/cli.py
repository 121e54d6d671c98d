"""tco command line: serve | quote | compare | keys | import | openapi.

``tco quote --format json`` prints exactly the body ``POST /v1/quotes`` returns for the same
inputs: both encode ``Service.quote``'s answer with the same encoder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence

import msgspec

from tco.domain.compare import CompareRequest, CompareResponse, SeriesSelector
from tco.domain.errors import DomainError
from tco.domain.quote import QuoteRequest, QuoteResponse
from tco.tabular import compare_rows, quote_rows, rows_to_csv

DEFAULT_DATABASE_URL = "sqlite:///var/tco.db"


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


def _print_quote(answer: QuoteResponse, fmt: str) -> None:
    if fmt == "json":
        sys.stdout.buffer.write(encode_json(answer) + b"\n")
        return
    rows = quote_rows(answer)
    if fmt == "csv":
        sys.stdout.write(rows_to_csv(rows))
        return
    a = answer.assumptions
    print(f"{a.model} {a.isl}/{a.osl}  benchmarks as of {a.benchmark_as_of} (dataset {a.dataset_version})  "
          f"pricing {a.pricing_table} v{a.pricing_version}  basis {a.token_basis}  utilization {a.utilization:g}  {a.interpolation}")  # fmt: skip
    for tq in answer.targets:
        print(f"\n  target {tq.target_interactivity:g} tok/s/user")
        if not tq.options:
            print("    no option reaches this target with a priced offer")
        for o in tq.options:
            op = o.operating_point
            print(
                f"    #{o.rank} {o.hardware:<7} ${o.usd_per_million_tokens:8.4f}/M  x{o.ratio_to_cheapest:5.2f}  {o.recipe.label}"
            )
            print(f"        {op.method} at {op.interactivity:.1f} tok/s/user, {op.tput_per_gpu:.0f} tok/s/GPU, conc {op.conc:.0f}; "
                  f"{o.offer.provider} {o.offer.kind} ${o.offer.usd_per_gpu_hour:g}/GPU-h ({o.offer.source_date or 'undated'}); "
                  f"measured {', '.join(sorted({k.date.isoformat() for k in op.knots}))}")  # fmt: skip
        if tq.unreachable_total:
            best = ", ".join(f"{u.hardware} {u.max_interactivity:.1f}" for u in tq.unreachable[:5])
            print(f"    {tq.unreachable_total} recipe(s) cannot reach it (max tok/s/user: {best})")
        if tq.excluded_total:
            print(
                f"    {tq.excluded_total} recipe(s) excluded: "
                + "; ".join(sorted({f"{e.hardware}: {e.reason}" for e in tq.excluded}))
            )


def _print_compare(answer: CompareResponse, fmt: str) -> None:
    if fmt == "json":
        sys.stdout.buffer.write(encode_json(answer) + b"\n")
        return
    rows = compare_rows(answer)
    if fmt == "csv":
        sys.stdout.write(rows_to_csv(rows))
        return
    print(
        f"{answer.model} {answer.isl}/{answer.osl}: {answer.baseline.recipe.label} {answer.baseline.date} -> {answer.candidate.date}"
    )

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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tco", description="Cost per million tokens for LLM inference hardware."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default=os.environ.get("TCO_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("TCO_PORT", "8000")))
    serve.add_argument(
        "--database", default=os.environ.get("TCO_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--no-shipped-data", action="store_true", help="start with only the runs in the database"
    )

    q = sub.add_parser("quote", help="cheapest hardware + recipe + offer per target")
    q.add_argument("--model", required=True)
    q.add_argument("--isl", type=int, required=True)
    q.add_argument("--osl", type=int, required=True)
    q.add_argument(
        "--target",
        type=float,
        action="append",
        required=True,
        help="tok/s/user; repeat for several",
    )
    q.add_argument("--pricing")
    q.add_argument("--pricing-version", type=int)
    q.add_argument(
        "--price", action="append", default=[], metavar="HW=USD", help="price override, $/GPU-hour"
    )
    q.add_argument("--token-basis", choices=["total", "output", "input"], default="total")
    q.add_argument("--utilization", type=float, default=1.0)
    q.add_argument("--interpolation", choices=["linear", "monotone", "measured"], default="linear")
    q.add_argument("--pooling", choices=["recipe", "series"], default="recipe")
    q.add_argument("--extrapolate", action="store_true")
    q.add_argument("--hardware", action="append")
    q.add_argument("--as-of", type=dt.date.fromisoformat)
    q.add_argument("--top", type=int, default=5)
    q.add_argument(
        "--database", help="read prices and runs from this store instead of the shipped files"
    )
    q.add_argument("--format", choices=["table", "json", "csv"], default="table")

    c = sub.add_parser("compare", help="compare two measured series (baseline vs candidate)")
    c.add_argument("--model", required=True)
    c.add_argument("--isl", type=int, required=True)
    c.add_argument("--osl", type=int, required=True)
    c.add_argument(
        "--baseline",
        required=True,
        metavar="k=v,...",
        help="e.g. hardware=mi355x,tp=8,date=2026-03-01",
    )
    c.add_argument("--candidate", required=True, metavar="k=v,...")
    c.add_argument("--at-concurrency", type=int, action="append", default=[])
    c.add_argument("--at-throughput", type=float, action="append", default=[])
    c.add_argument("--at-interactivity", type=float, action="append", default=[])
    c.add_argument("--interpolation", choices=["linear", "monotone"], default="linear")
    c.add_argument("--extrapolate", action="store_true")
    c.add_argument("--database")
    c.add_argument("--format", choices=["table", "json", "csv"], default="table")

    o = sub.add_parser("openapi", help="print the OpenAPI document")
    o.add_argument("--output", help="write to this file instead of stdout")

    from tco.cli_admin import add_admin_commands

    add_admin_commands(sub)

    args = parser.parse_args(argv)
    try:
        return _run(args)
    except DomainError as exc:
        print(f"tco {args.command}: {exc.field}: {exc.reason}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        from tco.api.server import serve

        return serve(
            host=args.host,
            port=args.port,
            database=args.database,
            workers=args.workers,
            shipped_data=not args.no_shipped_data,
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
        }  # fmt: skip
        request = _decode(QuoteRequest, payload, "quote")
        _print_quote(_service(args.database).quote(request), args.format)
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
    from tco.cli_admin import run_admin

    return run_admin(args)


if __name__ == "__main__":
    raise SystemExit(main())
