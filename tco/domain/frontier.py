"""Pareto frontiers and reading them at a target interactivity, vectorized over many curves.

Many frontiers are stored flat in one CSR layout (``Curves``): knot arrays concatenated, each
curve a contiguous run sorted by interactivity ascending. Reading every curve at a target is then
a handful of numpy operations, whatever the number of curves, which is what keeps a quote on a
million points in milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

Interpolation = Literal["linear", "monotone", "measured"]


class Method(IntEnum):
    """How an operating point was obtained (the flag every answer carries)."""

    MEASURED = 0  # the target falls on a knot, or interpolation="measured"
    INTERPOLATED = 1
    CLAMPED_LOW = 2  # target below the curve's lowest interactivity: its max-throughput knot
    EXTRAPOLATED = 3  # beyond the last knot, only when asked for; linear from the last two
    UNREACHABLE = 4

    @property
    def label(self) -> str:
        return self.name.lower()


# Plain ints for numpy: comparing an array with an IntEnum member takes a slow path.
_INTERPOLATED, _CLAMPED_LOW, _EXTRAPOLATED, _UNREACHABLE = (
    int(m)
    for m in (Method.INTERPOLATED, Method.CLAMPED_LOW, Method.EXTRAPOLATED, Method.UNREACHABLE)
)


def pareto_indices(interactivity: FloatArray, tput: FloatArray) -> IntArray:
    """Indices of the upper-left Pareto set, sorted by interactivity ascending.

    A point is dropped when another beats or equals it on both axes (of exact duplicates one
    survives). Along the result throughput is strictly decreasing.
    """
    if interactivity.size == 0:
        return np.empty(0, dtype=np.int64)
    # Sweep from the most interactive point down: a point survives iff its throughput beats
    # every point at least as interactive. Ties on interactivity: the highest throughput first.
    order = np.lexsort((-tput, -interactivity))
    sorted_tput = tput[order]
    best_before = np.maximum.accumulate(np.concatenate(([-np.inf], sorted_tput[:-1])))
    keep = order[sorted_tput > best_before]
    return keep[::-1].astype(np.int64)


def steffen_tangents(
    x: FloatArray, y: FloatArray, starts: IntArray, lengths: IntArray
) -> FloatArray:
    """Per-knot tangents of Steffen's monotone cubic, per curve, as d3.curveMonotoneX draws it.

    Interior knots: (sign(s0) + sign(s1)) * min(|s0|, |s1|, |p| / 2), p the weighted secant mean.
    End knots use d3's one-sided rule m = (3 s - m_neighbour) / 2. A two-knot curve is a line.
    """
    n = x.size
    m = np.zeros(n)
    if n == 0:
        return m
    h = np.diff(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.diff(y) / h  # secant slope of the interval starting at each knot
    ends = starts + lengths - 1
    is_first = np.zeros(n, dtype=bool)
    is_first[starts] = True
    is_last = np.zeros(n, dtype=bool)
    is_last[ends] = True
    interior = ~(is_first | is_last)
    i = np.nonzero(interior)[0]
    if i.size:
        s0, s1, h0, h1 = s[i - 1], s[i], h[i - 1], h[i]
        p = (s0 * h1 + s1 * h0) / (h0 + h1)
        m[i] = (np.sign(s0) + np.sign(s1)) * np.minimum(
            np.minimum(np.abs(s0), np.abs(s1)), 0.5 * np.abs(p)
        )
    two_plus = lengths >= 2
    first = starts[two_plus]
    last = ends[two_plus]
    line = lengths[two_plus] == 2
    s_first = s[first]
    s_last = s[last - 1]
    m[first] = np.where(line, s_first, (3 * s_first - m[np.minimum(first + 1, n - 1)]) / 2)
    m[last] = np.where(line, s_last, (3 * s_last - m[np.maximum(last - 1, 0)]) / 2)
    return m


@dataclass(frozen=True)
class Curves:
    """Frontier knots of many curves in CSR layout. ``columns`` holds the measures to read at a
    target (throughputs, concurrency, latencies); NaN marks a measure the source did not publish.
    """

    starts: IntArray
    lengths: IntArray
    x: FloatArray  # the axis read at (interactivity for frontiers), ascending within a curve
    columns: Mapping[str, FloatArray]
    _tangents: dict[str, FloatArray] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls, starts: IntArray, lengths: IntArray, x: FloatArray, columns: Mapping[str, FloatArray]
    ) -> Curves:
        return cls(starts, lengths, x, dict(columns))

    @property
    def count(self) -> int:
        return int(self.starts.size)

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(self.columns)

    @cached_property
    def stacked(self) -> FloatArray:
        """The columns as one (columns x knots) array, so one gather reads them all."""
        return (
            np.stack([self.columns[n] for n in self.names])
            if self.names
            else np.empty((0, self.x.size))
        )

    @cached_property
    def stacked_tangents(self) -> FloatArray:
        return (
            np.stack([self.tangents(n) for n in self.names])
            if self.names
            else np.empty((0, self.x.size))
        )

    def stacked_of(self, names: tuple[str, ...]) -> FloatArray:
        """``stacked`` of some columns only, kept per set of names: a quote ranks on one or two
        columns of six."""
        if names == self.names:
            return self.stacked
        kept = self._subsets.get(names)
        if kept is None:
            kept = self._subsets[names] = np.stack([self.columns[n] for n in names])
        return kept

    def stacked_tangents_of(self, names: tuple[str, ...]) -> FloatArray:
        if names == self.names:
            return self.stacked_tangents
        key = ("tangents", *names)
        kept = self._subsets.get(key)
        if kept is None:
            kept = self._subsets[key] = np.stack([self.tangents(n) for n in names])
        return kept

    @cached_property
    def _subsets(self) -> dict[tuple[str, ...], FloatArray]:
        return {}

    def tangents(self, column: str) -> FloatArray:
        if column not in self._tangents:
            self._tangents[column] = steffen_tangents(
                self.x, self.columns[column], self.starts, self.lengths
            )
        return self._tangents[column]

    def first_at_or_above(self, targets: FloatArray) -> IntArray:
        """Per target and curve (shape targets x curves), the index of the first knot with
        x >= target (one past the curve's end when there is none).

        Counted rather than searched: with the targets sorted, a knot's number of targets at or
        below its x says which targets it lies below; a histogram of that number per curve,
        summed up, is per (curve, target) the count of knots below the target, i.e. the
        offset of the first knot at or above it (x ascends within a curve). One pass over the
        knots, where a search per (target, curve) cost twice as much at 12,500 curves."""
        order = np.argsort(targets, kind="stable")
        ordered = targets[order]
        n = ordered.size
        at_or_below = np.searchsorted(ordered, self.x, side="right")
        hist = np.bincount(
            self._curve_of_knot * (n + 1) + at_or_below, minlength=self.count * (n + 1)
        ).reshape(self.count, n + 1)
        below = np.cumsum(hist, axis=1)[:, :n]  # knots with x < ordered[j], per curve
        first = np.empty((n, self.count), dtype=np.int64)
        first[order] = (self.starts[:, None] + below).T
        return first

    @cached_property
    def _curve_of_knot(self) -> IntArray:
        return np.repeat(np.arange(self.count, dtype=np.int64), self.lengths)


@dataclass(frozen=True)
class Reading:
    """Every curve read at one target: values per column, the method flag and the knots used."""

    target: float
    method: npt.NDArray[np.int8]
    values: dict[str, FloatArray]
    lo: IntArray  # knot indices bracketing the target (equal when one knot suffices; -1 unreachable)
    hi: IntArray
    weight: FloatArray  # position between lo and hi (0 at lo)


@dataclass(frozen=True)
class Grid:
    """Every curve read at every target: the arrays of :class:`Reading`, one row per target."""

    targets: list[float]
    method: npt.NDArray[np.int8]  # (targets, curves)
    values: dict[str, FloatArray]  # each (targets, curves): views into ``stacked``
    stacked: FloatArray  # (columns, targets, curves), columns in ``Curves.names`` order
    lo: IntArray
    hi: IntArray
    weight: FloatArray
    interpolation: Interpolation = "linear"

    def at_cells(self, curves: Curves, tt: IntArray, cc: IntArray) -> dict[str, FloatArray]:
        """Every column of ``curves`` at the (target, curve) cells ``tt``, ``cc``: the values a
        grid of all columns holds there (NaN where unreachable or unpublished)."""
        lo, hi, method = self.lo[tt, cc], self.hi[tt, cc], self.method[tt, cc]
        unreachable = lo < 0
        lo, hi = np.where(unreachable, 0, lo), np.where(unreachable, 0, hi)
        x0, x1 = curves.x[lo], curves.x[hi]
        value = _values(
            curves, curves.names, self.interpolation, method, lo, hi, self.weight[tt, cc], x1 - x0
        )
        value = np.where(unreachable, np.nan, value)
        return dict(zip(curves.names, value, strict=True))

    def row(self, i: int) -> Reading:
        return Reading(
            self.targets[i],
            self.method[i],
            {k: v[i] for k, v in self.values.items()},
            self.lo[i],
            self.hi[i],
            self.weight[i],
        )


def read_at(
    curves: Curves,
    target: float,
    interpolation: Interpolation = "linear",
    *,
    extrapolate: bool = False,
    positive: str | None = None,
) -> Reading:
    """Read every curve at one target (see :func:`read_grid`, which reads many at once)."""
    return read_grid(
        curves, [target], interpolation, extrapolate=extrapolate, positive=positive
    ).row(0)


def read_grid(
    curves: Curves,
    targets: Sequence[float],
    interpolation: Interpolation = "linear",
    *,
    extrapolate: bool = False,
    positive: str | None = None,
    columns: Sequence[str] | None = None,
) -> Grid:
    """Read every curve at every ``x = target``: each column's value there, never extrapolating
    unless asked (and then flagged). An extrapolation that drives column ``positive`` to zero or
    below is unreachable: a straight line past the last knot must not invent free throughput.
    ``columns``: read only these (with ``positive``) everywhere; :meth:`Grid.at_cells` reads
    every column at a few cells later, to the same values.

    All targets and all columns are read in one pass of (columns x targets x curves) arrays:
    numpy's per-call overhead, not arithmetic, dominates at the sizes of a quote, so the number of
    numpy calls here does not depend on the number of targets, curves or columns.
    """
    starts, lengths = curves.starts, curves.lengths
    ends = starts + lengths - 1
    x = curves.x
    tt = np.asarray(targets, dtype=np.float64)
    target = tt[:, None]
    first_ge = curves.first_at_or_above(tt)
    past_end = first_ge > ends
    at_knot = np.minimum(first_ge, ends)
    exact = ~past_end & (x[at_knot] == target)
    below = ~past_end & ~exact & (first_ge == starts)
    inside = ~past_end & ~exact & ~below
    # "measured" answers inside the curve with the first knot that meets the target.
    interpolated = inside if interpolation != "measured" else np.zeros_like(inside)
    # The flags are exclusive, so the method code is their weighted sum (bool views are free).
    method = (
        interpolated.view(np.int8) * _INTERPOLATED
        + below.view(np.int8) * _CLAMPED_LOW
        + past_end.view(np.int8) * _UNREACHABLE
    )
    lo = np.where(interpolated, first_ge - 1, at_knot)
    hi = at_knot
    if extrapolate:
        extrapolated = past_end & (lengths >= 2)
        method[extrapolated] = _EXTRAPOLATED
        lo = np.where(extrapolated, ends - 1, lo)
        hi = np.where(extrapolated, ends, hi)
    # lo/hi are valid knot indices everywhere here; unreachable cells are blanked at the end.
    x0, x1 = x[lo], x[hi]
    span = x1 - x0
    weight = np.divide(target - x0, span, out=np.zeros_like(x0), where=span != 0)
    names = curves.names
    if columns is not None:
        wanted = {*columns, *([positive] if positive is not None else [])}
        names = tuple(n for n in curves.names if n in wanted)
    value = _values(curves, names, interpolation, method, lo, hi, weight, span)
    if positive is not None:
        impossible = (method == _EXTRAPOLATED) & ~(value[names.index(positive)] > 0)
        method[impossible] = _UNREACHABLE
    unreachable = method == _UNREACHABLE
    value = np.where(unreachable, np.nan, value)
    lo = np.where(unreachable, -1, lo)
    hi = np.where(unreachable, -1, hi)
    return Grid(
        [float(t) for t in tt],
        method,
        dict(zip(names, value, strict=True)),
        value,
        lo,
        hi,
        weight,
        interpolation,
    )


def _values(
    curves: Curves,
    names: tuple[str, ...],
    interpolation: Interpolation,
    method: npt.NDArray[np.int8],
    lo: IntArray,
    hi: IntArray,
    weight: FloatArray,
    span: FloatArray,
) -> FloatArray:
    """Columns ``names`` between knots ``lo`` and ``hi`` at ``weight`` (any shape of cells):
    one formula for the whole grid and for a few cells, so both give the same floats."""
    stacked = curves.stacked_of(names)
    y0, y1 = stacked.take(lo, axis=1), stacked.take(hi, axis=1)  # take: faster than [:, lo]
    value: FloatArray = y0 + weight * (y1 - y0)
    if interpolation == "monotone":
        # Cubic Hermite inside an interval; extrapolation stays linear (no invented curvature).
        m = curves.stacked_tangents_of(names)
        t = weight
        h00 = (1 + 2 * t) * (1 - t) ** 2
        h10 = t * (1 - t) ** 2
        h01 = t * t * (3 - 2 * t)
        h11 = t * t * (t - 1)
        hermite = (
            h00 * y0 + h10 * span * m.take(lo, axis=1) + h01 * y1 + h11 * span * m.take(hi, axis=1)
        )
        value = np.where(method == _INTERPOLATED, hermite, value)
    return value
