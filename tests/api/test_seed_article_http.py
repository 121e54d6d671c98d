"""The reference case through HTTP: POST /v1/compare reproduces shared/data/seed_article.md.

MI355X Kimi K2.5 MXFP4 8k/1k, vLLM 0.16 (2026-03-01) vs 0.18 (2026-03-26), SemiAnalysis
InferenceX blog "mi355x-kimi-k2-5-vllm-aiter-7x-speedup". Each test quotes the article's table
it checks. Values are compared at the article's precision (1 decimal) after a JSON round trip.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

Client = TestClient[Any]


def selector(tp: int, date: str) -> dict[str, Any]:
    return {"hardware": "mi355x", "framework": "vllm", "tp": tp, "date": date}


REQUEST: dict[str, Any] = {
    "model": "kimi-k2.5",
    "isl": 8192,
    "osl": 1024,
    "baseline": selector(8, "2026-03-01"),
    "candidate": selector(8, "2026-03-26"),
    "at_concurrency": [4, 8, 16, 32, 64],
    "at_throughput": [337, 380],
    "extrapolate": True,
}


def compare(client: Client, **changes: Any) -> dict[str, Any]:
    response = client.post("/v1/compare", json={**REQUEST, **changes})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def test_the_two_series_are_the_measured_tp8_runs(client: Client) -> None:
    """| date | conc | tok/s/GPU | tok/s/user |: Mar 1 TP8 28.7 .. 348.5 tok/s/GPU at 6.6 .. 5.0
    tok/s/user; Mar 26 TP8 337 .. 1,647 at 78.9 .. 23.3 (conc 4, 8, 16, 32, 64)."""
    body = compare(client)
    for side, tput, intvty in (
        ("baseline", [28.7, 55.0, 104.8, 191.2, 348.5], [6.6, 6.3, 6.1, 5.6, 5.0]),
        ("candidate", [337.0, 521.0, 870.0, 1255.0, 1647.0], [78.9, 60.8, 50.5, 36.4, 23.3]),
    ):
        series = body[side]
        assert series["recipe"]["hardware"] == "mi355x"
        assert series["recipe"]["tp"] == 8
        assert series["recipe"]["gpus_per_replica"] == 8
        assert [p["conc"] for p in series["points"]] == [4, 8, 16, 32, 64]
        assert [p["tput_per_gpu"] for p in series["points"]] == tput
        assert [p["interactivity"] for p in series["points"]] == intvty
    assert body["baseline"]["date"] == "2026-03-01"
    assert body["candidate"]["date"] == "2026-03-26"


def test_gain_at_matched_concurrency(client: Client) -> None:
    """Gain at matched conc = Mar 26 / Mar 1 tok/s/user: 12.0x 9.7x 8.3x 6.5x 4.7x at conc
    4 8 16 32 64 (78.9/6.6, 60.8/6.3, 50.5/6.1, 36.4/5.6, 23.3/5.0)."""
    rows = compare(client)["at_concurrency"]
    assert [r["conc"] for r in rows] == [4, 8, 16, 32, 64]
    assert [round(r["interactivity_gain"], 1) for r in rows] == [12.0, 9.7, 8.3, 6.5, 4.7]
    for r in rows:
        assert r["baseline"]["method"] == r["candidate"]["method"] == "measured"
        assert r["baseline"]["conc"] == r["candidate"]["conc"] == r["conc"]


def test_iso_throughput_337(client: Client) -> None:
    """| 337 | 5.1 (interpolated, conc ~62) | 78.9 (measured, conc 4) | 15.6x |. By hand: 337
    is (337-191.2)/(348.5-191.2) = 0.9269 of the way from conc 32 to 64 on Mar 1, so 5.6 -
    0.9269 x 0.6 = 5.044 tok/s/user (the article prints 5.0-5.1) at conc 61.7."""
    row = compare(client)["at_throughput"][0]
    assert row["tput_per_gpu"] == 337
    base, cand = row["baseline"], row["candidate"]
    assert base["method"] == "interpolated"
    assert base["interactivity"] == pytest.approx(5.0439, abs=1e-4)
    assert 5.0 <= base["interactivity"] <= 5.1
    assert round(base["conc"]) == 62
    assert (cand["method"], cand["interactivity"], cand["conc"]) == ("measured", 78.9, 4.0)
    assert round(row["interactivity_gain"], 1) == 15.6


def test_iso_throughput_380_is_extrapolated_and_flagged(client: Client) -> None:
    """| 380 | 4.9 (extrapolated beyond the last point) | 74.7 (interpolated, conc ~5) | 15.2x |.
    380 is beyond Mar 1's highest throughput (348.5): the line through (191.2, 5.6) and (348.5,
    5.0) gives 4.880. The article's 15.2x divides its rounded values (74.7 / 4.9 = 15.24); the
    unrounded ratio 74.670 / 4.880 = 15.30."""
    row = compare(client)["at_throughput"][1]
    base, cand = row["baseline"], row["candidate"]
    assert base["method"] == "extrapolated"
    assert round(base["interactivity"], 1) == 4.9
    assert cand["method"] == "interpolated"
    assert round(cand["interactivity"], 1) == 74.7
    assert round(cand["conc"]) == 5
    assert round(round(cand["interactivity"], 1) / round(base["interactivity"], 1), 1) == 15.2
    assert round(row["interactivity_gain"], 2) == 15.30


def test_iso_throughput_380_is_unreachable_without_extrapolation(client: Client) -> None:
    """Never extrapolate silently: refused unless asked, and no gain is claimed."""
    row = compare(client, extrapolate=False)["at_throughput"][1]
    assert row["baseline"] == {
        "method": "unreachable",
        "interactivity": None,
        "tput_per_gpu": None,
        "conc": None,
    }
    assert row["candidate"]["method"] == "interpolated"
    assert row["interactivity_gain"] is None


def test_peak_throughput_tp4_over_tp8(client: Client) -> None:
    """Peak throughput: 7.7x (2,687 TP=4 Mar 26 / 348.5 TP=8 Mar 1)."""
    body = compare(client, candidate=selector(4, "2026-03-26"))
    peak = body["peak_throughput"]
    assert (peak["baseline"], peak["candidate"]) == (348.5, 2687.0)
    assert round(peak["ratio"], 1) == 7.7
    assert body["candidate"]["recipe"]["tp"] == 4
    assert [p["tput_per_gpu"] for p in body["candidate"]["points"]] == [650.0, 2687.0]


def test_the_reference_case_as_csv(client: Client) -> None:
    """The same comparison, spreadsheet-ready: one row per view and point, units named."""
    response = client.post("/v1/compare", json=REQUEST, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    lines = response.text.splitlines()
    assert lines[0].split(",")[:4] == ["view", "at", "unit", "baseline_value"]
    assert len(lines) == 1 + 5 + 2
    assert lines[1].startswith("matched_conc,4,conc; value tok/s/user,6.6,measured,78.9,measured,")
    assert lines[7].startswith("iso_throughput,380.0,tok/s/GPU; value tok/s/user,")
    assert ",extrapolated," in lines[7]
