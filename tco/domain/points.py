"""The normalized benchmark point: the one schema every ingest adapter produces.

A point is one measured operating point of a benchmark run (DESIGN section 1). Points live in a
polars frame with exactly the columns of ``POINT_SCHEMA``; adapters build ``Point`` structs and
``points_frame`` turns them into that frame, so the schema is written down once.

Throughput semantics follow InferenceX, including its disaggregation trap: ``tput_per_gpu`` is
divided by ALL GPUs of the deployment, while for disaggregated rows ``output_tput_per_gpu`` is
divided by decode GPUs only and ``input_tput_per_gpu`` by prefill GPUs only. The deployment-wide
figures are derived by :func:`deployment_output_tput_per_gpu` / ``..._input_...``; never charge
a disaggregated deployment for one pool.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence

import msgspec
import polars as pl


class Point(msgspec.Struct, kw_only=True, frozen=True):
    """One measured operating point. Units are in the names; optional measures are None when
    the source did not publish them (never estimated)."""

    # identity
    model: str
    isl: int
    osl: int
    hardware: str
    framework: str
    precision: str
    spec_method: str
    disagg: bool
    # aggregated topology (for disagg rows these describe the decode pool, as InferenceX does).
    # None when the source does not state it (blog tables often give only "TP=8").
    tp: int | None
    ep: int | None = None
    dp_attention: bool | None = None
    pp: int = 1
    # disaggregated topology (None for aggregated rows)
    prefill_tp: int | None = None
    prefill_ep: int | None = None
    prefill_dp_attention: bool | None = None
    prefill_num_workers: int | None = None
    decode_tp: int | None = None
    decode_ep: int | None = None
    decode_dp_attention: bool | None = None
    decode_num_workers: int | None = None
    num_prefill_gpu: int | None = None
    num_decode_gpu: int | None = None
    conc: int
    date: dt.date
    framework_version: str | None = None
    image: str | None = None
    source: str
    # the source's own spellings, kept for audit
    model_raw: str | None = None
    hardware_raw: str | None = None
    framework_raw: str | None = None
    precision_raw: str | None = None
    # measures
    tput_per_gpu: float
    output_tput_per_gpu: float | None = None
    input_tput_per_gpu: float | None = None
    interactivity: float
    tpot_s: float
    ttft_s: float | None = None
    ttft_p90_s: float | None = None
    ttft_p99_s: float | None = None
    e2el_s: float | None = None
    # caveats of the data, carried into every answer that uses the point
    date_stand_in: bool | None = None  # True: the source has no date; ``date`` is a stand-in
    # accelerators of an aggregated deployment when the source states it and it is not tp x pp
    # (data-parallel replicas; TPU v7: TP counts TensorCores, two per chip, tco counts chips)
    num_gpu: int | None = None
    inconsistent: str | None = None  # a sanity check the row failed but was accepted with


# Column order and dtypes of the points frame, derived from the struct so they cannot drift.
_PY_TO_PL: dict[str, pl.DataType] = {
    "str": pl.Utf8(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "bool": pl.Boolean(),
    "dt.date": pl.Date(),
}


def _dtype_of(annotation: str) -> pl.DataType:
    base = annotation.replace(" | None", "")
    return _PY_TO_PL[base]


POINT_FIELDS: tuple[str, ...] = Point.__struct_fields__
POINT_SCHEMA: dict[str, pl.DataType] = {
    name: _dtype_of(Point.__annotations__[name]) for name in POINT_FIELDS
}

# Topology of the two pools of a disaggregated deployment (None on aggregated rows).
POOL_FIELDS: tuple[str, ...] = (
    "prefill_tp",
    "prefill_ep",
    "prefill_dp_attention",
    "prefill_num_workers",
    "decode_tp",
    "decode_ep",
    "decode_dp_attention",
    "decode_num_workers",
    "num_prefill_gpu",
    "num_decode_gpu",
)

# Identity fields that define a recipe (DESIGN section 1): everything but conc, date,
# version/image, provenance and the raw spellings.
RECIPE_FIELDS: tuple[str, ...] = (
    "model",
    "isl",
    "osl",
    "hardware",
    "framework",
    "precision",
    "spec_method",
    "disagg",
    "tp",
    "ep",
    "dp_attention",
    "pp",
    *POOL_FIELDS,
    "num_gpu",
)

# A "series" pools every topology of one hardware + framework + precision (+ spec method), as
# the InferenceX dashboard draws one envelope per series (pooling=series).
SERIES_FIELDS: tuple[str, ...] = (
    "model",
    "isl",
    "osl",
    "hardware",
    "framework",
    "precision",
    "spec_method",
    "disagg",
)


def empty_points_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=POINT_SCHEMA)


def points_frame(points: Iterable[Point]) -> pl.DataFrame:
    """Build the canonical frame from points (column order and dtypes fixed)."""
    rows = [msgspec.structs.astuple(p) for p in points]
    if not rows:
        return empty_points_frame()
    return pl.DataFrame(rows, schema=POINT_SCHEMA, orient="row")


def gpus_per_replica(point: Point) -> int:
    """GPUs one deployable replica takes: tp x pp aggregated, both pools disaggregated."""
    if point.disagg:
        if point.num_prefill_gpu is None or point.num_decode_gpu is None:
            raise ValueError("a disaggregated point needs num_prefill_gpu and num_decode_gpu")
        return point.num_prefill_gpu + point.num_decode_gpu
    if point.num_gpu is not None:
        return point.num_gpu
    if point.tp is None:
        raise ValueError("an aggregated point needs tp")
    return point.tp * point.pp


def recipe_key(values: Sequence[object]) -> str:
    """A short stable id for a recipe from its RECIPE_FIELDS values (same order)."""
    text = "|".join("" if v is None else str(v) for v in values)
    return hashlib.blake2s(text.encode(), digest_size=6).hexdigest()
