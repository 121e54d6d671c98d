"""The as-of view against a plain loop: per recipe and concurrency, the point with the latest
date, then the later source name, then the higher throughput, among those dated on or before
the as-of date."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from tco.domain.index import FrontierIndex
from tco.domain.points import Point, points_frame

DAY0 = dt.date(2026, 1, 1)


@st.composite
def measured(draw: st.DrawFn) -> list[Point]:
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(("h200", "b200")),  # hardware: two recipes
                st.sampled_from((4, 8, 16)),  # conc
                st.integers(0, 5),  # day
                st.sampled_from(("api", "blog")),  # source
            ),
            min_size=1,
            max_size=40,
        )
    )
    return [
        Point(
            model="m", isl=1000, osl=100, hardware=hw, framework="vllm", precision="fp8", spec_method="none",
            disagg=False, tp=8, conc=conc, date=DAY0 + dt.timedelta(days=day), source=source,
            tput_per_gpu=100.0 + i, interactivity=50.0 - i / 100, tpot_s=1 / (50.0 - i / 100),
        )  # distinct throughputs: no exact ties, so the expected point is unique
        for i, (hw, conc, day, source) in enumerate(rows)
    ]  # fmt: skip


@given(points=measured(), as_of_day=st.integers(0, 6))
@settings(max_examples=150, deadline=None)
def test_as_of_view_keeps_the_latest_point_per_recipe_and_conc(
    points: list[Point], as_of_day: int
) -> None:
    as_of = DAY0 + dt.timedelta(days=as_of_day)
    expected: dict[tuple[str, int], tuple[dt.date, str, float]] = {}
    for p in points:
        if p.date <= as_of:
            key = (p.hardware, p.conc)
            expected[key] = max(
                expected.get(key, p_key := (p.date, p.source, p.tput_per_gpu)), p_key
            )
    view = FrontierIndex(points_frame(points), "t").as_of_view(as_of)
    got = {
        (row["hardware"], row["conc"]): (row["date"], row["source"], row["tput_per_gpu"])
        for row in view.iter_rows(named=True)
    }
    assert view.height == len(got), "one point per recipe and concurrency"
    assert got == expected
