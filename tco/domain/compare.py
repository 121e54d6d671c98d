"""Compare two measured series (baseline vs candidate): how much a release moved a curve.

Three views, as the reference article (MI355X Kimi K2.5, vLLM 0.16 vs 0.18) reads them:
matched concurrency, iso-throughput (interactivity at given tok/s/GPU) and iso-interactivity
(throughput at given tok/s/user). Every value carries its method flag.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal

import msgspec
import numpy as np
import polars as pl
from msgspec import Meta

from tco.domain.errors import InvalidRequest
from tco.domain.frontier import Curves, Method, pareto_indices, read_at
from tco.domain.index import FrontierIndex
from tco.domain.quote import RecipeInfo, SequenceTokens, recipe_info

MethodLabel = Literal["measured", "interpolated", "clamped_low", "extrapolated", "unreachable"]
_SELECTOR_FIELDS = (
    "hardware",
    "framework",
    "precision",
    "spec_method",
    "disagg",
    "tp",
    "ep",
    "dp_attention",
    "num_prefill_gpu",
    "num_decode_gpu",
)


class SeriesSelector(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A partial recipe plus the exact run date; it must match exactly one recipe."""

    # Examples: the reference case (shared/data/seed_article.md), for docs and the fuzzer.
    date: Annotated[dt.date, Meta(examples=["2026-03-26"])]
    recipe_id: str | None = None
    hardware: Annotated[str, Meta(examples=["mi355x"])] | None = None
    framework: Annotated[str, Meta(examples=["vllm"])] | None = None
    precision: str | None = None
    spec_method: str | None = None
    disagg: bool | None = None
    tp: Annotated[int, Meta(ge=1, le=100_000, examples=[8])] | None = None
    ep: Annotated[int, Meta(ge=1, le=100_000)] | None = None
    dp_attention: bool | None = None
    num_prefill_gpu: Annotated[int, Meta(ge=1, le=100_000)] | None = None
    num_decode_gpu: Annotated[int, Meta(ge=1, le=100_000)] | None = None


class CompareRequest(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    model: Annotated[str, Meta(min_length=1, max_length=100, examples=["kimi-k2.5"])]
    isl: Annotated[SequenceTokens, Meta(examples=[8192])]
    osl: Annotated[SequenceTokens, Meta(examples=[1024])]
    baseline: SeriesSelector
    candidate: SeriesSelector
    at_concurrency: Annotated[
        list[Annotated[int, Meta(ge=1, le=1_000_000)]],
        Meta(max_length=50, examples=[[4, 8, 16, 32, 64]]),
    ] = []
    at_throughput: Annotated[
        list[Annotated[float, Meta(gt=0, le=1e7)]], Meta(max_length=50, examples=[[337, 380]])
    ] = []
    at_interactivity: Annotated[
        list[Annotated[float, Meta(gt=0, le=100_000)]], Meta(max_length=50)
    ] = []
    interpolation: Literal["linear", "monotone"] = "linear"
    extrapolate: bool = False


class SeriesPoint(msgspec.Struct, kw_only=True, frozen=True):
    conc: int
    tput_per_gpu: float
    interactivity: float
    tpot_s: float
    source: str


class Series(msgspec.Struct, kw_only=True, frozen=True):
    date: dt.date
    recipe: RecipeInfo
    points: list[SeriesPoint]


class SideValue(msgspec.Struct, kw_only=True, frozen=True):
    method: MethodLabel
    interactivity: float | None
    tput_per_gpu: float | None
    conc: float | None


class AtConcurrency(msgspec.Struct, kw_only=True, frozen=True):
    conc: int
    baseline: SideValue
    candidate: SideValue
    interactivity_gain: float | None
    tput_ratio: float | None


class AtThroughput(msgspec.Struct, kw_only=True, frozen=True):
    tput_per_gpu: float
    baseline: SideValue
    candidate: SideValue
    interactivity_gain: float | None


class AtInteractivity(msgspec.Struct, kw_only=True, frozen=True):
    interactivity: float
    baseline: SideValue
    candidate: SideValue
    tput_ratio: float | None


class Headline(msgspec.Struct, kw_only=True, frozen=True):
    baseline: float
    candidate: float
    ratio: float


class CompareResponse(msgspec.Struct, kw_only=True, frozen=True):
    model: str
    isl: int
    osl: int
    dataset_version: str
    interpolation: str
    extrapolate: bool
    baseline: Series
    candidate: Series
    at_concurrency: list[AtConcurrency]
    at_throughput: list[AtThroughput]
    at_interactivity: list[AtInteractivity]
    peak_throughput: Headline  # max tok/s/GPU measured on each series
    peak_interactivity: Headline  # max tok/s/user measured on each series


def select_series(
    index: FrontierIndex, model: str, isl: int, osl: int, selector: SeriesSelector, field: str
) -> pl.DataFrame:
    """The points of exactly one recipe on the selector's date, or an error listing the matches."""
    workload = index.points.filter(
        (pl.col("model") == model) & (pl.col("isl") == isl) & (pl.col("osl") == osl)
    )
    if workload.height == 0:
        raise InvalidRequest("model", f"no benchmark data for {model} at isl/osl {isl}/{osl}")
    matched = workload.filter(pl.col("date") == selector.date)
    if selector.recipe_id is not None:
        matched = matched.filter(pl.col("recipe_id") == selector.recipe_id)
    for name in _SELECTOR_FIELDS:
        value = getattr(selector, name)
        if value is not None:
            matched = matched.filter(pl.col(name) == value)
    recipes = matched.group_by("recipe_id", maintain_order=True).agg(pl.all().first())
    if recipes.height == 1:
        return matched.sort("conc")
    if recipes.height == 0:
        dates = sorted({d.isoformat() for d in workload["date"].to_list()})
        raise InvalidRequest(
            field,
            f"no series matches on {selector.date.isoformat()}; dates with data for this workload: {', '.join(dates)}",
        )
    labels = "; ".join(f"{r['recipe_id']}: {_describe(r)}" for r in recipes.to_dicts())
    raise InvalidRequest(
        field, f"matches {recipes.height} recipes, add fields to pick one: {labels}"
    )


def _describe(row: dict[str, object]) -> str:
    from tco.domain.quote import recipe_label

    return f"{row['hardware']} {recipe_label(row)}"


def _side(method: int, interactivity: float, tput: float, conc: float) -> SideValue:
    m = Method(method)
    if m == Method.UNREACHABLE:
        return SideValue(method="unreachable", interactivity=None, tput_per_gpu=None, conc=None)
    return SideValue(method=m.label, interactivity=interactivity, tput_per_gpu=tput, conc=conc)  # type: ignore[arg-type]


def _ratio(candidate: float | None, baseline: float | None) -> float | None:
    if candidate is None or baseline is None or baseline <= 0:
        return None
    return candidate / baseline


def _curve(x: np.ndarray, columns: dict[str, np.ndarray]) -> Curves:
    return Curves.build(
        np.array([0], dtype=np.int64),
        np.array([x.size], dtype=np.int64),
        x.astype(np.float64),
        columns,
    )


def _read(curve: Curves, at: float, req: CompareRequest, positive: str) -> SideValue:
    r = read_at(curve, at, req.interpolation, extrapolate=req.extrapolate, positive=positive)
    v = {k: float(a[0]) for k, a in r.values.items()}
    return _side(int(r.method[0]), v["interactivity"], v["tput_per_gpu"], v["conc"])


@dataclass(frozen=True)
class _MeasuredSeries:
    """One series' points and its curve read three ways: by concurrency, by throughput
    (its frontier, tput ascending) and by interactivity (its frontier)."""

    points: pl.DataFrame
    by_conc: Curves
    by_tput: Curves
    by_intvty: Curves


def _measured_series(points: pl.DataFrame) -> _MeasuredSeries:
    interactivity = points["interactivity"].to_numpy().astype(np.float64)
    tput = points["tput_per_gpu"].to_numpy().astype(np.float64)
    conc = points["conc"].to_numpy().astype(np.float64)
    front = pareto_indices(interactivity, tput)  # interactivity ascending, tput descending
    by_tput = front[::-1]

    def columns(order: np.ndarray) -> dict[str, np.ndarray]:
        return {
            "interactivity": interactivity[order],
            "tput_per_gpu": tput[order],
            "conc": conc[order],
        }

    every = np.arange(conc.size)  # select_series sorted the points by concurrency
    return _MeasuredSeries(
        points,
        _curve(conc, columns(every)),
        _curve(tput[by_tput], columns(by_tput)),
        _curve(interactivity[front], columns(front)),
    )


def compare(index: FrontierIndex, req: CompareRequest) -> CompareResponse:
    base = _measured_series(
        select_series(index, req.model, req.isl, req.osl, req.baseline, "baseline")
    )
    cand = _measured_series(
        select_series(index, req.model, req.isl, req.osl, req.candidate, "candidate")
    )

    at_conc = []
    for c in req.at_concurrency:
        b, k = (_read(s.by_conc, float(c), req, "tput_per_gpu") for s in (base, cand))
        at_conc.append(
            AtConcurrency(
                conc=c,
                baseline=b,
                candidate=k,
                interactivity_gain=_ratio(k.interactivity, b.interactivity),
                tput_ratio=_ratio(k.tput_per_gpu, b.tput_per_gpu),
            )
        )
    at_tput = []
    for t in req.at_throughput:
        b, k = (_read(s.by_tput, t, req, "interactivity") for s in (base, cand))
        at_tput.append(
            AtThroughput(
                tput_per_gpu=t,
                baseline=b,
                candidate=k,
                interactivity_gain=_ratio(k.interactivity, b.interactivity),
            )
        )
    at_intvty = []
    for t in req.at_interactivity:
        b, k = (_read(s.by_intvty, t, req, "tput_per_gpu") for s in (base, cand))
        at_intvty.append(
            AtInteractivity(
                interactivity=t,
                baseline=b,
                candidate=k,
                tput_ratio=_ratio(k.tput_per_gpu, b.tput_per_gpu),
            )
        )

    def series(side: _MeasuredSeries, selector: SeriesSelector) -> Series:
        points = side.points
        row = {
            **points.row(0, named=True),
            "curve_id": points["recipe_id"][0],
            "max_interactivity": float(side.by_intvty.x.max()),
            "latest_date": selector.date,
        }
        return Series(
            date=selector.date,
            recipe=recipe_info(row),
            points=[
                SeriesPoint(
                    conc=int(r["conc"]),
                    tput_per_gpu=float(r["tput_per_gpu"]),
                    interactivity=float(r["interactivity"]),
                    tpot_s=float(r["tpot_s"]),
                    source=str(r["source"]),
                )
                for r in points.to_dicts()
            ],
        )

    def headline(column: str) -> Headline:
        b = float(base.by_intvty.columns[column].max())
        k = float(cand.by_intvty.columns[column].max())
        return Headline(baseline=b, candidate=k, ratio=k / b)

    return CompareResponse(
        model=req.model,
        isl=req.isl,
        osl=req.osl,
        dataset_version=index.dataset_version,
        interpolation=req.interpolation,
        extrapolate=req.extrapolate,
        baseline=series(base, req.baseline),
        candidate=series(cand, req.candidate),
        at_concurrency=at_conc,
        at_throughput=at_tput,
        at_interactivity=at_intvty,
        peak_throughput=headline("tput_per_gpu"),
        peak_interactivity=headline("interactivity"),
    )
