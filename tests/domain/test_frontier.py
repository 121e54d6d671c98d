"""Frontier and interpolation maths: hand-checked cases plus hypothesis properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tco.domain.frontier import Curves, Method, pareto_indices, read_at, steffen_tangents

# The reference article's Mar 1 TP=8 curve, as (interactivity tok/s/user, tok/s/GPU, conc).
MAR1 = np.array(
    [[6.6, 28.7, 4], [6.3, 55.0, 8], [6.1, 104.8, 16], [5.6, 191.2, 32], [5.0, 348.5, 64]]
)


def one_curve(x: np.ndarray, y: np.ndarray) -> Curves:
    order = np.argsort(x)
    return Curves.build(np.array([0]), np.array([x.size]), x[order], {"tput_per_gpu": y[order]})


def test_pareto_drops_dominated_and_duplicates() -> None:
    x = np.array([1.0, 2.0, 3.0, 2.0, 1.0, 0.5])
    y = np.array([5.0, 4.0, 1.0, 4.5, 5.0, 4.0])
    # (2,4) is beaten by (2,4.5); (1,5) twice keeps one; (0.5,4) is beaten by (1,5).
    assert pareto_indices(x, y).tolist() == [0, 3, 2]


def test_linear_reading_between_two_knots() -> None:
    curve = one_curve(MAR1[:, 0], MAR1[:, 1])
    r = read_at(curve, 5.3)
    # 5.3 lies 0.3/0.6 of the way from (5.0, 348.5) to (5.6, 191.2): 348.5 - 0.5 * 157.3.
    assert r.values["tput_per_gpu"][0] == pytest.approx(269.85)
    assert r.method[0] == Method.INTERPOLATED
    assert (r.lo[0], r.hi[0]) == (0, 1)


def test_below_lowest_is_clamped_to_max_throughput_and_above_is_unreachable() -> None:
    curve = one_curve(MAR1[:, 0], MAR1[:, 1])
    low = read_at(curve, 2.0)
    assert low.method[0] == Method.CLAMPED_LOW
    assert low.values["tput_per_gpu"][0] == 348.5
    high = read_at(curve, 7.0)
    assert high.method[0] == Method.UNREACHABLE
    assert np.isnan(high.values["tput_per_gpu"][0])


def test_extrapolation_is_flagged_and_never_goes_negative() -> None:
    curve = one_curve(MAR1[:, 0], MAR1[:, 1])
    near = read_at(curve, 6.7, extrapolate=True, positive="tput_per_gpu")
    # Straight line through (6.3, 55.0) and (6.6, 28.7), 0.1 further: 28.7 - 26.3 / 3.
    assert near.method[0] == Method.EXTRAPOLATED
    assert near.values["tput_per_gpu"][0] == pytest.approx(28.7 - 26.3 / 3)
    far = read_at(curve, 20.0, extrapolate=True, positive="tput_per_gpu")
    assert far.method[0] == Method.UNREACHABLE


def test_measured_method_takes_first_knot_meeting_target() -> None:
    curve = one_curve(MAR1[:, 0], MAR1[:, 1])
    r = read_at(curve, 5.3, "measured")
    assert r.method[0] == Method.MEASURED
    assert r.values["tput_per_gpu"][0] == 191.2  # the 5.6 tok/s/user knot, the first >= 5.3


def test_steffen_two_knots_is_a_line_and_matches_d3_endpoints() -> None:
    x = np.array([0.0, 1.0, 2.0])
    y = np.array([0.0, 1.0, 4.0])
    m = steffen_tangents(x, y, np.array([0]), np.array([3]))
    # Interior: s0=1, s1=3, p=2 -> (1+1)*min(1, 3, 1) = 2; ends: (3s - m_neighbour)/2.
    assert m.tolist() == [0.5, 2.0, 3.5]
    line = steffen_tangents(
        np.array([0.0, 2.0]), np.array([1.0, 5.0]), np.array([0]), np.array([2])
    )
    assert line.tolist() == [2.0, 2.0]


def test_many_curves_read_at_once_match_one_by_one() -> None:
    rng = np.random.default_rng(7)
    curves_x, curves_y = [], []
    for _ in range(50):
        n = int(rng.integers(1, 8))
        x = np.sort(rng.uniform(1, 100, n))
        y = np.sort(rng.uniform(1, 1000, n))[::-1]
        curves_x.append(x)
        curves_y.append(y)
    lengths = np.array([x.size for x in curves_x])
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    together = Curves.build(
        starts, lengths, np.concatenate(curves_x), {"tput_per_gpu": np.concatenate(curves_y)}
    )
    for target in (5.0, 50.0, 95.0):
        for method in ("linear", "monotone", "measured"):
            r = read_at(together, target, method)  # type: ignore[arg-type]
            for i, (x, y) in enumerate(zip(curves_x, curves_y, strict=True)):
                alone = read_at(one_curve(x, y), target, method)  # type: ignore[arg-type]
                assert r.method[i] == alone.method[0]
                np.testing.assert_allclose(
                    r.values["tput_per_gpu"][i], alone.values["tput_per_gpu"][0], equal_nan=True
                )


finite = st.floats(min_value=0.1, max_value=1e4, allow_nan=False, allow_infinity=False)
clouds = st.lists(st.tuples(finite, finite), min_size=1, max_size=40)


@given(clouds)
@settings(max_examples=200, deadline=None)
def test_frontier_is_idempotent_and_dominance_free(points: list[tuple[float, float]]) -> None:
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    keep = pareto_indices(x, y)
    fx, fy = x[keep], y[keep]
    assert np.all(np.diff(fx) > 0)  # sorted by interactivity, no ties
    assert np.all(np.diff(fy) < 0)  # throughput strictly decreasing
    again = pareto_indices(fx, fy)
    assert again.tolist() == list(range(keep.size))
    for i in range(x.size):  # every dropped point is beaten or equalled by a kept one
        if i not in keep:
            assert np.any((fx >= x[i]) & (fy >= y[i]))


@given(
    clouds,
    st.sampled_from(["linear", "monotone", "measured"]),
    st.lists(finite, min_size=2, max_size=10),
)
@settings(max_examples=200, deadline=None)
def test_interpolated_throughput_is_bounded_and_monotone(
    points: list[tuple[float, float]], method: str, targets: list[float]
) -> None:
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    keep = pareto_indices(x, y)
    curve = one_curve(x[keep], y[keep])
    readings = [(t, read_at(curve, t, method)) for t in sorted(targets)]  # type: ignore[arg-type]
    previous = np.inf
    for _, r in readings:
        if r.method[0] == Method.UNREACHABLE:
            continue
        value = r.values["tput_per_gpu"][0]
        lo, hi = int(r.lo[0]), int(r.hi[0])
        knots = curve.columns["tput_per_gpu"][[lo, hi]]
        assert knots.min() - 1e-9 <= value <= knots.max() + 1e-9
        assert value <= previous + 1e-9  # higher target, never more throughput
        previous = value
