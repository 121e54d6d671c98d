"""Listing commands: what is there (models, hardware, pricing tables, points) and the
owned-hardware cost of a GPU-hour.

``--format table`` (the default) is for people: aligned columns, units in the headers, numbers
rounded to what a reader compares. ``json`` is the HTTP answer's body, full precision
(``tco points --format json`` = ``GET /v1/points``, ``tco gpu-hour --format json`` = ``POST
/v1/tco/gpu-hour``); ``csv`` the same rows, full precision, for spreadsheets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from tco.tabular import Row, rows_to_csv

FORMATS = ["table", "json", "csv"]
_DATABASE_HELP = "read from this store (e.g. sqlite:///var/tco.db) instead of the shipped files"
LIST_COMMANDS = ("models", "hardware", "tables", "points", "gpu-hour")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=FORMATS, default="table", help="output (default: table)")
    p.add_argument("--database", help=_DATABASE_HELP)


def add_list_commands(sub: Any) -> None:
    models = sub.add_parser("models", help="models with their workloads, hardware and points")
    models.add_argument(
        "--as-of", type=dt.date.fromisoformat, metavar="DATE", help="only benchmarks up to DATE"
    )
    _common(models)
    _common(sub.add_parser("hardware", help="the hardware catalog: memory, node size, power"))
    tables = sub.add_parser("tables", help="pricing tables; with NAME, that table's offers")
    tables.add_argument("name", nargs="?", help="a table name: list its offers")
    tables.add_argument("--version", type=int, help="with NAME: this version (default: latest)")
    _common(tables)
    points = sub.add_parser("points", help="measured benchmark points, filtered")
    points.add_argument("--model", help="model key, e.g. kimi-k2.5")
    points.add_argument("--isl", type=int, help="input tokens per request, e.g. 8192")
    points.add_argument("--osl", type=int, help="output tokens per request, e.g. 1024")
    points.add_argument("--hardware", help="hardware key, e.g. mi355x")
    points.add_argument("--framework", help="framework key, e.g. vllm")
    points.add_argument("--precision", help="precision, e.g. fp4")
    for flag, words in (
        ("--date-from", "measured on or after DATE"),
        ("--date-to", "measured on or before DATE"),
        ("--as-of", "only the latest point per recipe and concurrency up to DATE"),
    ):
        points.add_argument(flag, type=dt.date.fromisoformat, metavar="DATE", help=words)
    points.add_argument("--limit", type=int, default=100, help="points to show, 1-1000 (100)")
    points.add_argument("--offset", type=int, default=0, help="points to skip (0)")
    _common(points)
    gpu = sub.add_parser(
        "gpu-hour",
        help="owned-hardware cost per GPU-hour with its breakdown (= POST /v1/tco/gpu-hour)",
    )
    for flag, words in (
        ("--capex-usd-per-gpu", "purchase price per GPU, USD (or the two below)"),
        ("--capex-usd-per-server", "purchase price per server, USD (with --gpus-per-server)"),
        ("--gpus-per-server", "GPUs in one server, e.g. 8"),
        ("--lifetime-years", "economic life, years (required)"),
        ("--residual-fraction", "resale value at the end, share of capex (default 0)"),
        ("--cost-of-capital", "yearly rate, e.g. 0.08 (default 0: straight line)"),
        ("--all-in-kw-per-gpu", "IT power per GPU incl. its share of the server, kW (required)"),
        ("--pue", "power usage effectiveness of the site (default 1)"),
        ("--usd-per-kwh", "electricity price, USD per kWh (required)"),
        ("--colocation-usd-per-kw-month", "colocation, USD per IT kW per month (default 0)"),
        ("--other-opex-usd-per-gpu-year", "other operating cost, USD per GPU-year (default 0)"),
    ):
        gpu.add_argument(flag, type=float, metavar="N", help=words)
    gpu.add_argument("--format", choices=FORMATS, default="table", help="output (default: table)")


def _num(value: object, digits: int = 3) -> str:
    """Rounded for people: 3 significant digits, thousands separated; '-' for unknown."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{float(f'{value:.{digits}g}'):g}"


def _print_table(columns: Sequence[tuple[str, str, bool]], rows: Sequence[Row]) -> None:
    """columns: (key, header with unit, right-aligned); values already formatted."""
    cells = [[str(r.get(k, "")) for k, _, _ in columns] for r in rows]
    widths = [max([len(h), *(len(c[i]) for c in cells)]) for i, (_, h, _) in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if right else v.ljust(w)
            for v, w, (_, _, right) in zip(values, widths, columns, strict=True)
        ).rstrip()

    print(line([h for _, h, _ in columns]))
    print(line(["-" * w for w in widths]))
    for c in cells:
        print(line(c))


def _emit(
    fmt: str,
    answer: object,
    rows: Callable[[], list[Row]],
    columns: Sequence[tuple[str, str, bool]],
    show: Callable[[Row], Row],
) -> None:
    if fmt == "json":
        sys.stdout.buffer.write(msgspec.json.encode(answer) + b"\n")
    elif fmt == "csv":
        sys.stdout.write(rows_to_csv(rows()))
    else:
        _print_table(columns, [show(r) for r in rows()])


def _service(database: str | None) -> Any:
    from tco.cli import _service as service

    return service(database)


def _models(args: argparse.Namespace) -> None:
    catalog = _service(args.database).catalog(args.as_of)
    rows = lambda: [  # noqa: E731
        {"model": m.key, "workloads_isl_osl": " ".join(m.workloads), "hardware": " ".join(m.hardware),
         "points": m.points, "latest_date": m.latest_date.isoformat()}
        for m in catalog.models
    ]  # fmt: skip
    columns = [("model", "model", False), ("workloads_isl_osl", "workloads (isl/osl tokens)", False),
               ("hardware", "hardware", False), ("points", "points", True), ("latest_date", "latest run", False)]  # fmt: skip
    _emit(args.format, catalog.models, rows, columns, lambda r: r)


def _hardware(args: argparse.Namespace) -> None:
    hardware = _service(args.database).catalog().hardware
    rows = lambda: [  # noqa: E731
        {"hardware": h.key, "name": h.display_name, "vendor": h.vendor, "memory_gb": h.memory_gb,
         "gpus_per_node": h.gpus_per_node, "scale_up_domain_gpus": h.scale_up_domain_gpus,
         "all_in_kw_per_gpu": h.all_in_kw_per_gpu}
        for h in hardware
    ]  # fmt: skip
    columns = [("hardware", "hardware", False), ("name", "name", False), ("vendor", "vendor", False),
               ("memory_gb", "memory GB", True), ("gpus_per_node", "GPUs/node", True),
               ("scale_up_domain_gpus", "scale-up GPUs", True), ("all_in_kw_per_gpu", "all-in kW/GPU", True)]  # fmt: skip
    _emit(args.format, hardware, rows, columns, lambda r: {k: _num(v) for k, v in r.items()})


def _table_list(service: Any) -> list[Any]:
    tables = service.tables
    if hasattr(tables, "list_tables"):
        return list(tables.list_tables())
    from tco.store.base import TableInfo

    infos = []
    for name in tables.names():
        t = tables.get_table(name)
        infos.append(
            TableInfo(name=t.name, version=t.version, description=t.description,
                      offer_count=len(t.offers), updated_at=dt.datetime.now(dt.UTC), updated_by="shipped")
        )  # fmt: skip
    return infos


def _tables(args: argparse.Namespace) -> None:
    service = _service(args.database)
    if args.name is None:
        infos = _table_list(service)
        rows = lambda: [  # noqa: E731
            {"table": t.name, "version": t.version, "offers": t.offer_count, "updated_by": t.updated_by,
             "description": t.description}
            for t in infos
        ]  # fmt: skip
        columns = [("table", "table", False), ("version", "version", True), ("offers", "offers", True),
                   ("updated_by", "by", False), ("description", "description", False)]  # fmt: skip

        def short(r: Row) -> Row:
            text = str(r["description"])
            return {**r, "description": text if len(text) <= 70 else text[:69] + "…"}

        _emit(args.format, infos, rows, columns, short)
        return
    table = service.table(args.name, args.version)  # NotFound: main names the field
    offers = lambda: [  # noqa: E731
        {"hardware": o.hardware, "provider": o.provider, "kind": o.kind, "usd_per_gpu_hour": o.usd_per_gpu_hour,
         "region": o.region or "", "source_date": o.source_date or ""}
        for o in table.offers
    ]  # fmt: skip
    columns = [("hardware", "hardware", False), ("provider", "provider", False), ("kind", "kind", False),
               ("usd_per_gpu_hour", "$/GPU-hour", True), ("region", "region", False), ("source_date", "price date", False)]  # fmt: skip
    if args.format == "table":
        print(f"{table.name} v{table.version}: {len(table.offers)} offers")

    def price(r: Row) -> Row:
        value = r["usd_per_gpu_hour"]
        return {**r, "usd_per_gpu_hour": "-" if value is None else f"{value:,.4g}"}

    _emit(args.format, table, offers, columns, price)


def _points(args: argparse.Namespace) -> None:
    from tco.app.service import PointsQuery

    query = msgspec.convert(
        {k: getattr(args, k) for k in ("model", "isl", "osl", "hardware", "framework", "precision",
                                        "date_from", "date_to", "as_of", "offset", "limit")},
        PointsQuery,
    )  # fmt: skip
    page = _service(args.database).points(query)
    rows = lambda: [msgspec.structs.asdict(p) for p in page.points]  # noqa: E731
    columns = [("model", "model", False), ("workload", "isl/osl", False), ("hardware", "hardware", False),
               ("framework", "framework", False), ("precision", "precision", False), ("topology", "topology", False),
               ("conc", "conc", True), ("date", "date", False), ("tput_per_gpu", "tok/s/GPU", True),
               ("interactivity", "tok/s/user", True), ("ttft_s", "TTFT s", True)]  # fmt: skip

    def show(r: Row) -> Row:
        topology = f"TP{r.get('tp')}" + (f" EP{r['ep']}" if r.get("ep") else "")
        if r.get("disagg"):
            topology = (
                f"disagg {r.get('num_prefill_gpu') or '?'}+{r.get('num_decode_gpu') or '?'} GPUs"
            )
        return {**{k: _num(v) for k, v in r.items()}, "workload": f"{r['isl']}/{r['osl']}",
                "topology": topology, "date": str(r["date"]), "conc": str(r["conc"])}  # fmt: skip

    _emit(args.format, page, rows, columns, show)
    if args.format == "table":
        print(f"{len(page.points)} of {page.total} points (offset {page.offset})")


def _gpu_hour(args: argparse.Namespace) -> None:
    from tco.api.procurement import OwnedTcoAnswer
    from tco.domain.owned import OwnedTcoInputs, owned_usd_per_gpu_hour

    fields = [f.name for f in msgspec.structs.fields(OwnedTcoInputs)]
    given = {f: getattr(args, f) for f in fields if getattr(args, f) is not None}
    for integral in ("gpus_per_server",):
        if integral in given:
            given[integral] = int(given[integral])
    try:
        inputs = msgspec.convert(given, OwnedTcoInputs)
        breakdown = owned_usd_per_gpu_hour(inputs)
    except (msgspec.ValidationError, ValueError) as exc:
        raise SystemExit(f"tco gpu-hour: {exc}") from None
    answer = OwnedTcoAnswer(inputs=inputs, breakdown=breakdown)
    rows = lambda: [msgspec.structs.asdict(breakdown)]  # noqa: E731
    if args.format != "table":
        _emit(args.format, answer, rows, [], lambda r: r)
        return
    b = breakdown
    print(f"owned cost ${b.total_usd_per_gpu_hour:.4f} per GPU-hour")
    for label, value in (
        ("capital", b.capital_usd_per_gpu_hour),
        ("power", b.power_usd_per_gpu_hour),
        ("colocation", b.colocation_usd_per_gpu_hour),
        ("other opex", b.opex_usd_per_gpu_hour),
    ):
        print(f"  {label:<11} ${value:.4f}/GPU-h")
    print(
        f"  capex ${b.capex_usd_per_gpu:,.0f} per GPU; capital recovery factor {b.capital_recovery_factor:.4f}/year"
    )


def run_list(args: argparse.Namespace) -> int:
    {"models": _models, "hardware": _hardware, "tables": _tables, "points": _points,
     "gpu-hour": _gpu_hour}[args.command](args)  # fmt: skip
    return 0
