"""The application service: data sources + frontier index + pure engines, shared by CLI and API.

The CLI's ``--format json`` and the HTTP body of the same request are both
``msgspec.json.encode(service.quote(request))``, so they cannot differ.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable
from typing import Annotated, Literal, Protocol

import msgspec
import numpy as np
import polars as pl
from msgspec import Meta

from tco.domain.buildbuy import ApiPrice
from tco.domain.catalog import Hardware
from tco.domain.compare import CompareRequest, CompareResponse, compare
from tco.domain.errors import InvalidRequest, NotFound
from tco.domain.freshness import STALE_BENCHMARK_DAYS, STALE_PRICE_DAYS, StalePolicy
from tco.domain.frontier import Interpolation
from tco.domain.history import HistoryResponse, history
from tco.domain.index import FrontierIndex, Pooling
from tco.domain.keys import MODEL_VARIANT_OF, variants_of
from tco.domain.offer_filters import OfferFilters
from tco.domain.points import Point
from tco.domain.pricing import PricingTable
from tco.domain.quote import (
    QuoteFilters,
    QuoteRequest,
    QuoteResponse,
    TokenBasis,
    quote,
    recipe_label,
)
from tco.domain.quote_curves import cheapest_per_hardware
from tco.domain.quote_summary import QuoteSummaryResponse, summarize
from tco.shipped_pricing import load_api_prices
from tco.store.base import NotFound as TableNotFound


class TableSource(Protocol):
    """Where pricing tables come from: the store, or the shipped files held in memory. An
    unknown name or version raises the store's NotFound (nothing else is caught: a store that
    fails is a 500, not a missing table)."""

    def get_table(self, name: str, version: int | None = None) -> PricingTable: ...


class MemoryTables:
    """Shipped tables, read-only, version 1 each (the CLI without a database)."""

    def __init__(self, tables: list[PricingTable]) -> None:
        self._tables = {t.name: t for t in tables}

    def get_table(self, name: str, version: int | None = None) -> PricingTable:
        table = self._tables.get(name)
        if table is None or (version is not None and version != table.version):
            raise TableNotFound(
                f"no pricing table {name!r}" + (f" version {version}" if version else "")
            )
        return table

    def names(self) -> list[str]:
        return sorted(self._tables)


class CatalogModel(msgspec.Struct, kw_only=True, frozen=True):
    key: str
    workloads: list[str]  # "isl/osl"
    hardware: list[str]
    points: int
    latest_date: dt.date
    variant_of: str | None = None  # never merged into that model's quotes (README)


class Catalog(msgspec.Struct, kw_only=True, frozen=True):
    dataset_version: str
    benchmark_as_of: dt.date | None
    points: int
    models: list[CatalogModel]
    hardware: list[Hardware]
    frameworks: list[str]
    precisions: list[str]
    spec_methods: list[str]
    default_pricing_table: str


class CurvePoint(msgspec.Struct, kw_only=True, frozen=True):
    interactivity: float
    usd_per_million_tokens: float
    tput_per_gpu: float
    method: str
    recipe_id: str
    recipe_label: str
    offer_provider: str
    usd_per_gpu_hour: float


class HardwareCurve(msgspec.Struct, kw_only=True, frozen=True):
    hardware: str
    points: list[CurvePoint]


class CurvesResponse(msgspec.Struct, kw_only=True, frozen=True):
    model: str
    isl: int
    osl: int
    dataset_version: str
    benchmark_as_of: dt.date | None
    pricing_table: str
    pricing_version: int
    token_basis: TokenBasis
    utilization: float
    interpolation: Interpolation
    curves: list[HardwareCurve]
    offer_filters: OfferFilters | None = None  # as a quote's assumptions state them
    excluded_offers: dict[str, int] = {}  # offers the filters left out, by first reason


class FrontierKnot(msgspec.Struct, kw_only=True, frozen=True):
    interactivity: float
    tput_per_gpu: float
    conc: int
    date: dt.date
    source: str


class Frontier(msgspec.Struct, kw_only=True, frozen=True):
    curve_id: str
    label: str
    hardware: str
    framework: str
    precision: str
    spec_method: str
    disagg: bool
    gpus_per_replica: int | None
    points: int
    dominated: int
    knots: list[FrontierKnot]


class FrontiersResponse(msgspec.Struct, kw_only=True, frozen=True):
    model: str
    isl: int
    osl: int
    dataset_version: str
    benchmark_as_of: dt.date | None
    pooling: Pooling
    frontiers: list[Frontier]


class ServedPoint(Point, kw_only=True, frozen=True):
    """A stored point as the API lists it: the point schema plus what the index derives."""

    recipe_id: str  # the recipe it belongs to, as quote answers name it
    gpus_per_replica: int | None  # both pools when disaggregated; None when the source gives none


class PointsPage(msgspec.Struct, kw_only=True, frozen=True):
    dataset_version: str
    total: int
    offset: int
    limit: int
    points: list[ServedPoint]


class PointsQuery(msgspec.Struct, kw_only=True, frozen=True):
    model: str | None = None
    isl: int | None = None
    osl: int | None = None
    hardware: str | None = None
    framework: str | None = None
    precision: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    as_of: dt.date | None = None  # only the as-of view: the latest point per recipe and conc
    offset: Annotated[int, Meta(ge=0)] = 0
    limit: Annotated[int, Meta(ge=1, le=1000)] = 100


def stale_policy_from_env() -> StalePolicy:
    """Staleness thresholds: TCO_STALE_BENCHMARK_DAYS (default 90), TCO_STALE_PRICE_DAYS (180)."""
    return StalePolicy(
        benchmark_days=int(os.environ.get("TCO_STALE_BENCHMARK_DAYS", STALE_BENCHMARK_DAYS)),
        price_days=int(os.environ.get("TCO_STALE_PRICE_DAYS", STALE_PRICE_DAYS)),
    )


class Service:
    """Holds the current dataset's frontier index; swapping in a new dataset is atomic.

    ``clock`` gives "today" for evidence ages when a request has no as_of (injected, so tests
    are deterministic); ``synced_at`` is when the data last synced from a public source."""

    def __init__(
        self,
        *,
        points: pl.DataFrame,
        dataset_version: str,
        tables: TableSource,
        catalog: dict[str, Hardware],
        default_table: str,
        clock: Callable[[], dt.date] = dt.date.today,
        stale_policy: StalePolicy | None = None,
    ) -> None:
        self.clock = clock
        self.stale_policy = stale_policy or stale_policy_from_env()
        self.synced_at: dt.datetime | None = None
        self.tables = tables
        self.hardware_catalog = catalog
        self.api_prices: dict[str, ApiPrice] = {p.id: p for p in load_api_prices()}
        self.default_table = default_table
        self._swap_lock = threading.Lock()
        self._index = self._build(points, dataset_version)

    @staticmethod
    def _build(points: pl.DataFrame, dataset_version: str) -> FrontierIndex:
        index = FrontierIndex(points, dataset_version)
        index.workloads()  # warm the default (latest) view off the request path
        return index

    @property
    def index(self) -> FrontierIndex:
        return self._index

    def set_points(self, points: pl.DataFrame, dataset_version: str) -> None:
        """Build the new index fully, then swap: readers see the old or the new, never half."""
        built = self._build(points, dataset_version)
        with self._swap_lock:
            self._index = built

    def table(self, name: str | None, version: int | None) -> PricingTable:
        table_name = name or self.default_table
        try:
            return self.tables.get_table(table_name, version)
        except TableNotFound as exc:  # the store's, or MemoryTables' (the same exception)
            if version is not None:
                raise NotFound(
                    "pricing_version", f"pricing table {table_name!r} has no version {version}"
                ) from exc
            raise NotFound("pricing", f"no pricing table named {table_name!r}") from exc

    def freshness_key(self) -> tuple[object, ...]:
        """What a quote depends on besides its request, dataset and pricing versions (answer
        caches include it): the date ages are judged at, the last sync, the thresholds."""
        return (self.clock(), self.synced_at, self.stale_policy)

    def quote(self, request: QuoteRequest, *, table: PricingTable | None = None) -> QuoteResponse:
        """``table``: the resolved pricing table when the caller already has it."""
        self.check_keys(request)
        answer = quote(
            self.index,
            table or self.table(request.pricing, request.pricing_version),
            request,
            catalog=self.hardware_catalog,
            api_prices=self.api_prices,
            today=request.as_of or self.clock(),
            stale_policy=self.stale_policy,
            synced_at=self.synced_at,
        )
        variants = [
            v
            for v in variants_of(request.model)
            if self.index.workload(v, request.isl, request.osl, request.as_of) is not None
        ]
        if not variants:
            return answer
        assumptions = msgspec.structs.replace(answer.assumptions, model_variants=variants)
        return msgspec.structs.replace(answer, assumptions=assumptions)

    def answer(
        self, request: QuoteRequest, *, table: PricingTable | None = None
    ) -> QuoteResponse | QuoteSummaryResponse:
        """The quote in the request's view: full, or per target the cheapest option only."""
        answer = self.quote(request, table=table)
        return summarize(answer) if request.view == "summary" else answer

    def compare(self, request: CompareRequest) -> CompareResponse:
        return compare(self.index, request)

    def check_keys(self, f: QuoteFilters) -> None:
        """Hardware filters name catalog hardware (400 naming the field and the known keys)."""
        known = set(self.hardware_catalog)
        for field in ("hardware", "exclude_hardware"):
            for hw in getattr(f, field) or []:
                if hw not in known:
                    raise InvalidRequest(
                        field, f"unknown hardware {hw!r} (known: {', '.join(sorted(known))})"
                    )

    def catalog(self, as_of: dt.date | None = None) -> Catalog:
        pts = self.index.points if as_of is None else self.index.as_of_view(as_of)
        models = []
        if pts.height:
            summary = (
                pts.group_by("model")
                .agg(
                    pl.concat_str(
                        [pl.col("isl").cast(pl.Utf8), pl.col("osl").cast(pl.Utf8)], separator="/"
                    )
                    .unique()
                    .sort()
                    .alias("workloads"),
                    pl.col("hardware").unique().sort(),
                    pl.len().alias("points"),
                    pl.col("date").max().alias("latest_date"),
                )
                .sort("model")
            )
            models = [
                CatalogModel(
                    key=r["model"],
                    workloads=r["workloads"],
                    hardware=r["hardware"],
                    points=r["points"],
                    latest_date=r["latest_date"],
                    variant_of=MODEL_VARIANT_OF.get(r["model"]),
                )
                for r in summary.to_dicts()
            ]

        def distinct(col: str) -> list[str]:
            return sorted(str(v) for v in pts[col].unique().to_list() if v is not None)

        return Catalog(
            dataset_version=self.index.dataset_version,
            benchmark_as_of=self.index.effective_as_of(as_of),
            points=pts.height,
            models=models,
            hardware=[self.hardware_catalog[k] for k in sorted(self.hardware_catalog)],
            frameworks=distinct("framework"),
            precisions=distinct("precision"),
            spec_methods=distinct("spec_method"),
            default_pricing_table=self.default_table,
        )

    def curves(
        self, base: QuoteRequest, steps: int = 60, *, table: PricingTable | None = None
    ) -> CurvesResponse:
        """$/M tokens against interactivity per hardware: at each grid interactivity the best
        recipe and offer of each hardware (what a chart draws). The grid is log-spaced over the
        workload's measured range (interactivity spans two decades); 60 points draw it smoothly
        at a tenth of the bytes that every knot of every recipe would take."""
        self.check_keys(base)
        table = table or self.table(base.pricing, base.pricing_version)
        wl = self.index.workload(base.model, base.isl, base.osl, base.as_of, base.pooling)
        if wl is None:
            quote(self.index, table, base)  # raises the same helpful error as a quote
            raise AssertionError("unreachable")
        x = wl.curves.x
        lo, hi = float(x.min()), float(x.max())
        grid = np.geomspace(lo, hi, steps)
        request = msgspec.structs.replace(base, targets=[float(t) for t in grid], top=1)
        # The quote's cheapest_per_hardware at each grid point, without listing full options.
        answer = cheapest_per_hardware(self.index, table, request, today=base.as_of or self.clock())
        by_hw: dict[str, list[CurvePoint]] = {}
        for target, points in zip(answer.targets, answer.points, strict=True):
            for p in points:
                by_hw.setdefault(p.hardware, []).append(
                    CurvePoint(
                        interactivity=target,
                        usd_per_million_tokens=p.usd_per_million_tokens,
                        tput_per_gpu=p.tput_per_gpu,
                        method=p.method,
                        recipe_id=p.recipe_id,
                        recipe_label=p.recipe_label,
                        offer_provider=p.offer_provider,
                        usd_per_gpu_hour=p.usd_per_gpu_hour,
                    )
                )
        return CurvesResponse(
            model=base.model, isl=base.isl, osl=base.osl,
            dataset_version=self.index.dataset_version,
            benchmark_as_of=answer.benchmark_as_of,  # of the points the curves used
            pricing_table=table.name, pricing_version=table.version,
            token_basis=base.token_basis, utilization=base.utilization, interpolation=base.interpolation,
            curves=[HardwareCurve(hardware=hw, points=pts) for hw, pts in sorted(by_hw.items())],
            offer_filters=answer.offer_filters, excluded_offers=answer.excluded_offers,
        )  # fmt: skip

    def history(self, request: QuoteRequest, table: PricingTable) -> HistoryResponse:
        """Per hardware, the cheapest $/M tokens at the request's one target as of each
        benchmark date, priced with ``table`` throughout (the curve moves only with the
        benchmarks). Price ages (max_price_age_days) count to the request's as_of, else this
        service's today (which the answer caches' freshness_key holds)."""
        self.check_keys(request)
        return history(self.index, table, request, today=request.as_of or self.clock())

    def frontiers(
        self,
        model: str,
        isl: int,
        osl: int,
        as_of: dt.date | None,
        pooling: Pooling,
        hardware: str | None = None,
    ) -> FrontiersResponse:
        wl = self.index.workload(model, isl, osl, as_of, pooling)
        if wl is None:
            raise InvalidRequest(
                "model",
                f"no benchmark data for {model} at isl/osl {isl}/{osl} as of {as_of or 'latest'}",
            )
        frontiers = []
        for i, row in enumerate(wl.groups.to_dicts()):
            if hardware is not None and row["hardware"] != hardware:
                continue
            start, n = int(wl.curves.starts[i]), int(wl.curves.lengths[i])
            knots = wl.knots.slice(start, n)
            frontiers.append(
                Frontier(
                    curve_id=row["curve_id"], label=recipe_label(row), hardware=row["hardware"], framework=row["framework"],
                    precision=row["precision"], spec_method=row["spec_method"], disagg=row["disagg"],
                    gpus_per_replica=row.get("gpus_per_replica"), points=row["n_points"], dominated=row["n_points"] - n,
                    knots=[FrontierKnot(interactivity=k["interactivity"], tput_per_gpu=k["tput_per_gpu"], conc=k["conc"], date=k["date"], source=k["source"]) for k in knots.to_dicts()],
                )
            )  # fmt: skip
        return FrontiersResponse(
            model=model,
            isl=isl,
            osl=osl,
            dataset_version=self.index.dataset_version,
            benchmark_as_of=wl.latest_date,
            pooling=pooling,
            frontiers=frontiers,
        )

    def points(self, q: PointsQuery) -> PointsPage:
        pts = self.index.points if q.as_of is None else self.index.as_of_view(q.as_of)
        for name in ("model", "isl", "osl", "hardware", "framework", "precision"):
            value = getattr(q, name)
            if value is not None:
                pts = pts.filter(pl.col(name) == value)
        if q.date_from is not None:
            pts = pts.filter(pl.col("date") >= q.date_from)
        if q.date_to is not None:
            pts = pts.filter(pl.col("date") <= q.date_to)
        page = pts.sort(["model", "isl", "osl", "hardware", "recipe_id", "date", "conc"]).slice(
            q.offset, q.limit
        )
        return PointsPage(
            dataset_version=self.index.dataset_version,
            total=pts.height,
            offset=q.offset,
            limit=q.limit,
            points=msgspec.convert(
                page.select(ServedPoint.__struct_fields__).to_dicts(), list[ServedPoint]
            ),
        )


def shipped_service() -> Service:
    """The service on the shipped benchmarks and price tables, no database (CLI default)."""
    from tco.ingest.shipped import dataset_version, load_shipped_points
    from tco.shipped_pricing import DEFAULT_PRICING_TABLE, load_catalog, load_shipped_tables

    points = load_shipped_points()
    return Service(
        points=points,
        dataset_version=dataset_version(points),
        tables=MemoryTables(load_shipped_tables()),
        catalog=load_catalog(),
        default_table=DEFAULT_PRICING_TABLE,
    )


PointsFormat = Literal["json", "csv"]
