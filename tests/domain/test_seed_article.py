"""The reference case (MI355X Kimi K2.5 MXFP4 8k/1k, vLLM 0.16 vs 0.18), number by number,
through the public engine functions on the shipped dataset.

Source: SemiAnalysis InferenceX blog "mi355x-kimi-k2-5-vllm-aiter-7x-speedup" (March 2026); the
article's tables are copied in the module docstrings of each test.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tco.domain.compare import CompareRequest, CompareResponse, SeriesSelector, compare
from tco.domain.errors import InvalidRequest
from tco.domain.index import FrontierIndex

MAR1 = dt.date(2026, 3, 1)
MAR26 = dt.date(2026, 3, 26)


def tp(n: int, date: dt.date) -> SeriesSelector:
    return SeriesSelector(hardware="mi355x", framework="vllm", tp=n, date=date)


def run(
    index: FrontierIndex,
    *,
    baseline: SeriesSelector,
    candidate: SeriesSelector,
    extrapolate: bool = True,
) -> CompareResponse:
    return compare(
        index,
        CompareRequest(
            model="kimi-k2.5",
            isl=8192,
            osl=1024,
            baseline=baseline,
            candidate=candidate,
            at_concurrency=[4, 8, 16, 32, 64],
            at_throughput=[337, 380],
            extrapolate=extrapolate,
        ),
    )


def test_matched_concurrency_gains(index: FrontierIndex) -> None:
    """| conc | Mar 1 tok/s/user | Mar 26 tok/s/user | gain |: 4: 6.6 -> 78.9 12.0x; 8: 6.3 -> 60.8
    9.7x; 16: 6.1 -> 50.5 8.3x; 32: 5.6 -> 36.4 6.5x; 64: 5.0 -> 23.3 4.7x."""
    answer = run(index, baseline=tp(8, MAR1), candidate=tp(8, MAR26))
    rows = {r.conc: r for r in answer.at_concurrency}
    expected = {
        4: (6.6, 78.9, 12.0),
        8: (6.3, 60.8, 9.7),
        16: (6.1, 50.5, 8.3),
        32: (5.6, 36.4, 6.5),
        64: (5.0, 23.3, 4.7),
    }
    for conc, (before, after, gain) in expected.items():
        row = rows[conc]
        assert row.baseline.method == row.candidate.method == "measured"
        assert row.baseline.interactivity == before
        assert row.candidate.interactivity == after
        assert row.interactivity_gain is not None
        assert round(row.interactivity_gain, 1) == gain


def test_iso_throughput_337(index: FrontierIndex) -> None:
    """At 337 tok/s/GPU: Mar 1 5.1 tok/s/user (interpolated, conc ~62), Mar 26 78.9 (measured, conc
    4), gain 15.6x. By hand: 337 lies (337-191.2)/(348.5-191.2) = 0.9269 of the way from conc 32
    to 64, so 5.6 - 0.9269 x 0.6 = 5.044 tok/s/user at conc 32 + 0.9269 x 32 = 61.7."""
    answer = run(index, baseline=tp(8, MAR1), candidate=tp(8, MAR26))
    at = answer.at_throughput[0]
    assert at.tput_per_gpu == 337
    assert at.baseline.method == "interpolated"
    assert at.baseline.interactivity == pytest.approx(5.0439, abs=1e-4)
    assert 5.0 <= at.baseline.interactivity <= 5.1
    assert at.baseline.conc is not None
    assert round(at.baseline.conc) == 62
    assert at.candidate.method == "measured"
    assert at.candidate.interactivity == 78.9
    assert at.candidate.conc == 4
    assert at.interactivity_gain is not None
    assert round(at.interactivity_gain, 1) == 15.6


def test_iso_throughput_380_extrapolated_only_when_asked(index: FrontierIndex) -> None:
    """At 380 tok/s/GPU: Mar 26 74.7 (interpolated, conc ~5); Mar 1's highest throughput is 348.5,
    so 380 is beyond its curve: the article extrapolates to 4.9. By hand: the line through
    (191.2, 5.6) and (348.5, 5.0) at 380 gives 5.0 - 31.5 x 0.6/157.3 = 4.880."""
    answer = run(index, baseline=tp(8, MAR1), candidate=tp(8, MAR26))
    at = answer.at_throughput[1]
    assert at.candidate.method == "interpolated"
    assert at.candidate.interactivity is not None
    assert round(at.candidate.interactivity, 1) == 74.7
    assert at.candidate.conc is not None
    assert round(at.candidate.conc) == 5
    assert at.baseline.method == "extrapolated"
    assert at.baseline.interactivity is not None
    assert round(at.baseline.interactivity, 1) == 4.9

    strict = run(index, baseline=tp(8, MAR1), candidate=tp(8, MAR26), extrapolate=False)
    refused = strict.at_throughput[1]
    assert refused.baseline.method == "unreachable"
    assert refused.baseline.interactivity is None
    assert refused.interactivity_gain is None


def test_peak_throughput_gain_tp4_over_tp8(index: FrontierIndex) -> None:
    """Peak throughput 7.7x: 2,687 tok/s/GPU (TP=4, Mar 26) over 348.5 (TP=8, Mar 1)."""
    answer = run(index, baseline=tp(8, MAR1), candidate=tp(4, MAR26))
    assert answer.peak_throughput.baseline == 348.5
    assert answer.peak_throughput.candidate == 2687
    assert round(answer.peak_throughput.ratio, 1) == 7.7


def test_mi355x_peak_is_about_two_thirds_of_b200(index: FrontierIndex) -> None:
    """MI355X peak 2,687 tok/s/GPU is about 67% of B200 single-node vLLM FP4 at 4,021."""
    b200 = index.points.filter(
        (index.points["model"] == "kimi-k2.5")
        & (index.points["hardware"] == "b200")
        & (index.points["isl"] == 8192)
    )
    assert b200["tput_per_gpu"].max() == 4021
    assert round(2687 / 4021, 2) == 0.67


def test_selector_must_match_exactly_one_recipe(index: FrontierIndex) -> None:
    with pytest.raises(InvalidRequest) as ambiguous:
        run(index, baseline=SeriesSelector(hardware="mi355x", date=MAR26), candidate=tp(8, MAR26))
    assert ambiguous.value.field == "baseline"
    assert "matches 2 recipes" in ambiguous.value.reason
    with pytest.raises(InvalidRequest) as none:
        run(index, baseline=tp(8, dt.date(2026, 3, 2)), candidate=tp(8, MAR26))
    assert "2026-03-01" in none.value.reason  # lists the dates that do have data
