"""The frontier index: points -> as-of view -> per-workload frontiers in numpy, built once.

Built once per (dataset version, effective as-of date, pooling) and cached; a request only reads
it. The as-of date is normalized to the latest point date on or before it, so every as-of in the
same gap between two benchmark dates shares one index.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from tco.domain.frontier import Curves
from tco.domain.points import RECIPE_FIELDS, SERIES_FIELDS, recipe_key
from tco.lru import LRU

Pooling = Literal["recipe", "series"]
Workload = tuple[str, int, int]  # (model, isl, osl)

# Measures read at a target on every curve (NaN where the source did not publish them).
CURVE_COLUMNS: tuple[str, ...] = (
    "tput_per_gpu",
    "output_tput_per_gpu_all",
    "input_tput_per_gpu_all",
    "conc",
    "ttft_s",
    "tpot_s",
)
KNOT_FIELDS: tuple[str, ...] = (
    "interactivity",
    "tput_per_gpu",
    "conc",
    "date",
    "source",
    "recipe_id",
    "framework_version",
    "image",
    "date_stand_in",
    "inconsistent",
)
_INDEX_CACHE_SIZE = 32


def with_derived_columns(points: pl.DataFrame) -> pl.DataFrame:
    """Add recipe/series ids, GPUs per replica and deployment-wide output/input throughput.

    InferenceX divides a disaggregated row's output throughput by decode GPUs only and its input
    throughput by prefill GPUs only; the deployment pays for both pools, so both are rescaled to
    all GPUs here, once, and every cost downstream uses the ``*_all`` columns.
    """
    all_gpus = pl.col("num_prefill_gpu") + pl.col("num_decode_gpu")
    bad_pools = pl.col("inconsistent").fill_null("").str.contains("disagg_gpus")
    frame = points.with_columns(
        gpus_per_replica=pl.when(pl.col("disagg"))
        .then(all_gpus)
        .otherwise(pl.coalesce(pl.col("num_gpu"), pl.col("tp") * pl.col("pp"))),
        # a disaggregated row whose pool counts contradict its per-pool rates (accepted with a
        # disagg_gpus warning) has no trustworthy deployment-wide split: unknown, not rescaled
        output_tput_per_gpu_all=pl.when(pl.col("disagg") & bad_pools)
        .then(None)
        .when(pl.col("disagg"))
        .then(pl.col("output_tput_per_gpu") * pl.col("num_decode_gpu") / all_gpus)
        .otherwise(pl.col("output_tput_per_gpu")),
        input_tput_per_gpu_all=pl.when(pl.col("disagg") & bad_pools)
        .then(None)
        .when(pl.col("disagg"))
        .then(pl.col("input_tput_per_gpu") * pl.col("num_prefill_gpu") / all_gpus)
        .otherwise(pl.col("input_tput_per_gpu")),
    )
    return frame.with_columns(
        recipe_id=_stable_ids(frame, RECIPE_FIELDS, "r-"),
        series_id=_stable_ids(frame, SERIES_FIELDS, "s-"),
    )


def _stable_ids(frame: pl.DataFrame, fields: tuple[str, ...], prefix: str) -> pl.Series:
    # Hash only the distinct combinations (few), in Python, so ids are stable across polars
    # versions and processes: they appear in answers and URLs.
    if frame.height == 0:
        return pl.Series(dtype=pl.Utf8)
    # num_gpu (added later) joins the key only when stated, so older recipes keep their ids
    named = [f for f in fields if f != "num_gpu"]
    joined = pl.concat_str([pl.col(f).cast(pl.Utf8).fill_null("") for f in named], separator="|")
    if "num_gpu" in fields:
        joined = (
            pl.when(pl.col("num_gpu").is_null())
            .then(joined)
            .otherwise(pl.concat_str([joined, pl.col("num_gpu").cast(pl.Utf8)], separator="|gpus="))
        )
    keys = frame.select(joined.alias("k"))["k"]
    uniques = keys.unique()
    mapping = {k: prefix + recipe_key([k]) for k in uniques.to_list()}
    return keys.replace_strict(mapping, return_dtype=pl.Utf8)


# The as-of view keeps, per recipe and concurrency, the last point in this order: the latest
# date, then (same day) the later source name, then the higher throughput.
_AS_OF_ORDER = ["date", "source", "tput_per_gpu"]


@dataclass(frozen=True)
class WorkloadIndex:
    """Frontiers of one (model, isl, osl): ``curves`` row i is ``groups`` row i; ``knots`` holds
    the frontier points (all columns) in the order of the curves' flat arrays."""

    workload: Workload
    pooling: Pooling
    groups: pl.DataFrame  # one row per curve: identity, counts, max interactivity
    knots: pl.DataFrame
    curves: Curves

    # Python-side views, built once per index on first use, so a request touches no polars.
    @cached_property
    def group_rows(self) -> list[dict[str, Any]]:
        return self.groups.to_dicts()

    @cached_property
    def knot_rows(self) -> list[dict[str, Any]]:
        return self.knots.select(KNOT_FIELDS).to_dicts()

    @cached_property
    def hardware(self) -> npt.NDArray[np.str_]:
        return self.groups["hardware"].to_numpy().astype(str)

    @cached_property
    def hardware_names(self) -> list[str]:
        return sorted(set(self.hardware.tolist()))

    @cached_property
    def hardware_code(self) -> npt.NDArray[np.int64]:
        """Per curve, the index of its hardware in ``hardware_names``."""
        return np.searchsorted(np.array(self.hardware_names), self.hardware).astype(np.int64)

    @cached_property
    def latest_date(self) -> dt.date:
        """The newest benchmark date among this workload's frontier knots in this view."""
        return self.groups["latest_date"].max()  # type: ignore[return-value]

    @cached_property
    def memo(self) -> dict[str, Any]:
        """Answer fragments (recipe info, knots as answer structs) that never change for this
        index, kept by the code that makes them."""
        return {}

    @cached_property
    def max_interactivity(self) -> npt.NDArray[np.float64]:
        return self.groups["max_interactivity"].to_numpy().astype(np.float64)


def build_workload_indexes(view: pl.DataFrame, pooling: Pooling) -> dict[Workload, WorkloadIndex]:
    group_col = "recipe_id" if pooling == "recipe" else "series_id"
    counted = view.with_columns(pl.len().over(group_col).alias("n_points"))
    # Frontier per group, vectorized: walk from the most interactive point down; a point
    # survives iff it beats the best throughput of every point at least as interactive.
    ordered = counted.sort(
        [group_col, "interactivity", "tput_per_gpu"], descending=[False, True, True]
    )
    best_before = pl.col("tput_per_gpu").shift(1).cum_max().over(group_col)
    knots = ordered.filter(best_before.is_null() | (pl.col("tput_per_gpu") > best_before)).sort(
        ["model", "isl", "osl", group_col, "interactivity"]
    )
    identity = RECIPE_FIELDS if pooling == "recipe" else SERIES_FIELDS
    extra = ["gpus_per_replica"] if pooling == "recipe" else []
    groups_all = (
        knots.group_by(group_col, maintain_order=True)
        .agg(
            *[pl.col(f).first() for f in (*identity, *extra)],
            pl.col("n_points").first(),
            pl.len().alias("n_knots"),
            pl.col("interactivity").max().alias("max_interactivity"),
            pl.col("interactivity").min().alias("min_interactivity"),
            pl.col("tput_per_gpu").max().alias("max_tput_per_gpu"),
            pl.col("date").max().alias("latest_date"),
        )
        .rename({group_col: "curve_id"})
    )
    indexes: dict[Workload, WorkloadIndex] = {}
    wl_cols = ["model", "isl", "osl"]
    groups_by_wl = groups_all.partition_by(wl_cols, as_dict=True, maintain_order=True)
    for key, wl_knots in knots.partition_by(wl_cols, as_dict=True, maintain_order=True).items():
        workload = (str(key[0]), int(str(key[1])), int(str(key[2])))
        wl_groups = groups_by_wl[key]
        lengths = wl_groups["n_knots"].to_numpy().astype(np.int64)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
        columns = {
            c: wl_knots[c].cast(pl.Float64).fill_null(np.nan).to_numpy() for c in CURVE_COLUMNS
        }
        x = wl_knots["interactivity"].to_numpy().astype(np.float64)
        indexes[workload] = WorkloadIndex(
            workload, pooling, wl_groups, wl_knots, Curves.build(starts, lengths, x, columns)
        )
    return indexes


class FrontierIndex:
    """All frontiers of one dataset version, per as-of date and pooling, built on first use and
    cached (LRU). Thread-safe: concurrent requests for the same view build it once."""

    def __init__(self, points: pl.DataFrame, dataset_version: str) -> None:
        self.dataset_version = dataset_version
        self.points = with_derived_columns(points)
        dates = self.points["date"].unique().sort()
        self._dates: list[dt.date] = dates.to_list()
        self._cache: LRU[tuple[dt.date | None, Pooling], dict[Workload, WorkloadIndex]] = LRU(
            _INDEX_CACHE_SIZE
        )
        self._lock = threading.Lock()

    @cached_property
    def _by_date(self) -> tuple[pl.Series, npt.NDArray[np.datetime64], pl.DataFrame]:
        """The points' positions in as-of order (an index, not a sorted copy), their dates, and
        their (recipe_id, conc) keys in that order."""
        order = self.points.select(pl.arg_sort_by(_AS_OF_ORDER).alias("i"))["i"]
        dates = self.points["date"].to_numpy()[order.to_numpy()]
        return order, dates, self.points.select("recipe_id", "conc")[order]

    def as_of_view(self, as_of: dt.date) -> pl.DataFrame:
        """For each recipe and concurrency, the latest point dated on or before ``as_of``.

        The points are ordered once; those dated up to ``as_of`` are a prefix of that order, so
        a view (a history takes one per benchmark date) de-duplicates the prefix's two key
        columns and gathers only the rows it keeps.
        """
        order, dates, keys = self._by_date
        n = int(np.searchsorted(dates, np.datetime64(as_of, "D"), side="right"))
        kept = (
            keys.head(n)
            .with_row_index("position")
            .unique(subset=["recipe_id", "conc"], keep="last", maintain_order=True)["position"]
        )
        return self.points[order.gather(kept)]

    def effective_as_of(self, as_of: dt.date | None) -> dt.date | None:
        """The latest benchmark date on or before ``as_of`` (None: no point is that old)."""
        if not self._dates:
            return None
        if as_of is None:
            return self._dates[-1]
        i = int(
            np.searchsorted(
                np.array(self._dates, dtype="datetime64[D]"),
                np.datetime64(as_of, "D"),
                side="right",
            )
        )
        return self._dates[i - 1] if i > 0 else None

    def workloads(
        self, as_of: dt.date | None = None, pooling: Pooling = "recipe"
    ) -> dict[Workload, WorkloadIndex]:
        key = (self.effective_as_of(as_of), pooling)
        with self._lock:
            # Built under the lock (unlike LRU.get_or_make): concurrent requests build it once.
            cached = self._cache.get(key)
            if cached is not None:
                return cached
            view = self.as_of_view(key[0]) if key[0] is not None else self.points.clear()
            built = build_workload_indexes(view, pooling)
            self._cache.put(key, built)
            return built

    def workload(
        self,
        model: str,
        isl: int,
        osl: int,
        as_of: dt.date | None = None,
        pooling: Pooling = "recipe",
    ) -> WorkloadIndex | None:
        return self.workloads(as_of, pooling).get((model, isl, osl))
