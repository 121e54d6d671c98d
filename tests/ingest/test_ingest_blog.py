"""The blog-points CSV: free-text topology, printed rounding, 'as of' dates."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from tco.domain.points import Point, gpus_per_replica
from tco.ingest import IngestError, RowError, parse_blog_csv
from tco.ingest.blog import Topology, parse_topology
from tco.ingest.rows import interactivity_matches_tpot

BLOG_BYTES = (
    Path(__file__).resolve().parents[2] / "benchmarks" / "inferencex_blog_points.csv"
).read_bytes()
TODAY = dt.date(2026, 11, 26)


def blog(payload: bytes = BLOG_BYTES) -> list[Point]:
    return parse_blog_csv(payload, source="blog.csv", today=TODAY)


def blog_errors(payload: bytes) -> list[RowError]:
    with pytest.raises(IngestError) as caught:
        blog(payload)
    return caught.value.errors


def csv_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(BLOG_BYTES.decode())))


def to_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture(scope="module")
def points() -> list[Point]:
    return blog()


def only(points: list[Point], **match: object) -> Point:
    found = [p for p in points if all(getattr(p, k) == v for k, v in match.items())]
    assert len(found) == 1, found
    return found[0]


def test_all_220_rows_load(points: list[Point]) -> None:
    assert len(points) == 220
    assert {p.model for p in points} == {
        "kimi-k2.5", "kimi-k2.5-or-k2.6", "dsr1", "dsv4-pro",
        "glm-5", "minimax-m2.5", "qwen3.5-397b-a17b",
    }  # fmt: skip
    assert sum(p.model == "kimi-k2.5-or-k2.6" for p in points) == 16
    assert sum(p.spec_method == "unknown" for p in points) == 137
    # only the total is published: the input/output split is unknown, never estimated
    assert all(p.output_tput_per_gpu is None and p.input_tput_per_gpu is None for p in points)


def test_seed_case_row(points: list[Point]) -> None:
    point = only(
        points, model="kimi-k2.5", hardware="mi355x", date=dt.date(2026, 3, 26), conc=4, tp=8
    )
    assert point.tput_per_gpu == 337
    assert point.interactivity == 78.9
    assert point.tpot_s == 0.013
    assert (point.precision, point.precision_raw) == ("fp4", "fp4 (MXFP4)")
    assert (point.model_raw, point.framework, point.disagg, point.isl, point.osl) == (
        "Kimi-K2.5",
        "vllm",
        False,
        8192,
        1024,
    )
    assert point.source == (
        "packages/app/content/blog/mi355x-kimi-k2-5-vllm-aiter-7x-speedup.mdx#L39"
        "@c8d5efd4b14682f7eabfe32994ec9dcbea23e2c2"
    )
    # 78.9 x 0.013 = 1.026: consistent only once the printed rounding is allowed for
    assert interactivity_matches_tpot(
        78.9, 0.013, interactivity_half_ulp=0.05, tpot_s_half_ulp=0.0005
    )
    assert not interactivity_matches_tpot(
        78.9, 0.013, interactivity_half_ulp=0.0, tpot_s_half_ulp=0.0
    )


def test_tp4_row_from_bare_number(points: list[Point]) -> None:
    point = only(
        points, model="kimi-k2.5", hardware="mi355x", date=dt.date(2026, 3, 26), conc=64, tp=4
    )
    assert (point.tput_per_gpu, point.interactivity, point.tpot_s) == (2687, 19.0, 0.053)
    baseline = only(points, model="kimi-k2.5", hardware="mi355x", date=dt.date(2026, 3, 1), conc=64)
    assert (baseline.tput_per_gpu, baseline.tp) == (348.5, 8)


def test_same_prefill_and_decode_desc_on_aggregated_row(points: list[Point]) -> None:
    point = only(points, model="kimi-k2.5", hardware="b200", conc=64)
    assert (point.tp, point.ep, point.disagg, point.tput_per_gpu) == (4, 4, False, 4021)
    assert point.prefill_tp is None and point.num_prefill_gpu is None


def test_disagg_gpu_counts_come_from_the_descs(points: list[Point]) -> None:
    point = only(points, model="dsr1", hardware="gb200", conc=2253)
    assert (point.num_prefill_gpu, point.num_decode_gpu) == (12, 32)
    assert (point.prefill_tp, point.prefill_ep, point.decode_tp, point.decode_ep) == (
        12,
        None,
        None,
        32,
    )
    assert (point.tp, point.ep) == (None, 32)  # the decode pool's, as InferenceX does
    assert gpus_per_replica(point) == 44


def test_unstated_disagg_gpu_counts_stay_none(points: list[Point]) -> None:
    point = only(points, model="kimi-k2.5", hardware="gb200", conc=512)
    assert (point.prefill_tp, point.prefill_ep, point.decode_tp, point.decode_ep) == (4, 4, 16, 16)
    assert point.num_prefill_gpu is None and point.num_decode_gpu is None
    assert sum(p.disagg and p.num_decode_gpu is None for p in points) == 9


def test_topology_from_notes_when_no_column_states_it(points: list[Point]) -> None:
    sglang = only(
        points, model="dsr1", hardware="b200", framework="sglang", conc=4, framework_version="0.5.6"
    )
    assert (sglang.tp, sglang.ep, sglang.tput_per_gpu) == (4, 4, 907)
    dsv4 = only(points, model="dsv4-pro", hardware="mi355x", date=dt.date(2026, 5, 21), conc=256)
    assert (dsv4.tp, dsv4.ep, dsv4.tput_per_gpu) == (8, None, 2256.1)


def test_as_of_date_and_framework_version(points: list[Point]) -> None:
    glm = [p for p in points if p.model == "glm-5" and p.date == dt.date(2026, 5, 25)]
    assert len(glm) == 20
    assert {p.framework_version for p in points} == {None, "0.5.5", "0.5.6"}


def test_statistic_allowance_is_needed_by_exactly_the_documented_rows(points: list[Point]) -> None:
    rows = csv_rows()
    beyond_rounding = [
        i
        for i, row in enumerate(rows)
        if not interactivity_matches_tpot(
            float(row["interactivity_tok_s_user"]),
            float(row["tpot_ms"]) / 1000,
            interactivity_half_ulp=0.5
            * 10 ** -len(row["interactivity_tok_s_user"].partition(".")[2]),
            tpot_s_half_ulp=0.5 * 10 ** -len(row["tpot_ms"].partition(".")[2]) / 1000,
        )
    ]
    assert len(beyond_rounding) == 35
    assert {points[i].model for i in beyond_rounding} == {"dsv4-pro", "qwen3.5-397b-a17b"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TP=8 / 8 GPUs", Topology(tp=8, gpus=8)),
        ("TP=1 / 1 GPU", Topology(tp=1, gpus=1)),
        ("4 GPU, TP=4", Topology(tp=4, gpus=4)),
        ("TP 4, EP 4", Topology(tp=4, ep=4)),
        ("40 GPU, EP=8", Topology(ep=8, gpus=40)),
    ],
)
def test_parse_topology(text: str, expected: Topology) -> None:
    assert parse_topology(text) == expected


def test_parse_topology_rejects_what_it_cannot_read() -> None:
    assert parse_topology("4", bare_number_is_tp=True) == Topology(tp=4)
    for text in ("4", "TP=4 with DP", "TP 4, TP 8"):
        with pytest.raises(ValueError, match="in"):
            parse_topology(text)


def edited(index: int, **cells: str) -> bytes:
    rows = csv_rows()
    rows[index] |= cells
    return to_csv(rows)


@pytest.mark.parametrize(
    ("cells", "field", "reason"),
    [
        ({"tput_per_gpu": "nan"}, "tput_per_gpu", "finite"),
        ({"tput_per_gpu": "-337"}, "tput_per_gpu", "> 0"),
        ({"tput_per_gpu": "0"}, "tput_per_gpu", "> 0"),
        ({"tput_per_gpu": ""}, "tput_per_gpu", "missing"),
        ({"hardware": "a100"}, "hardware", "unknown hardware"),
        ({"framework": "tgi"}, "framework", "unknown framework"),
        ({"tpot_ms": "130"}, "interactivity", "inconsistent"),
        ({"tpot_ms": "0.013"}, "interactivity", "inconsistent"),  # seconds in the ms column
        ({"date": "2027-01-02"}, "date", "future"),
        ({"date": "March 26"}, "date", "YYYY-MM-DD"),
        ({"decode_tp_desc": "8 ranks"}, "decode_tp_desc", "cannot read"),
        ({"decode_tp_desc": "", "notes": ""}, "tp", "aggregated"),
    ],
)
def test_bad_cell_names_row_field_and_reason(
    cells: dict[str, str], field: str, reason: str
) -> None:
    seed = 35  # Kimi-K2.5 MI355X 2026-03-26 conc 4
    assert csv_rows()[seed]["tput_per_gpu"] == "337"
    errors = blog_errors(edited(seed, **cells))
    assert [(e.index, e.field) for e in errors] == [(seed, field)]
    assert reason in errors[0].reason


def test_every_bad_row_is_reported() -> None:
    rows = csv_rows()
    rows[3]["hardware"] = "a100"
    rows[100]["tput_per_gpu"] = "-1"
    rows[219]["disagg"] = "maybe"
    assert [(e.index, e.field) for e in blog_errors(to_csv(rows))] == [
        (3, "hardware"),
        (100, "tput_per_gpu"),
        (219, "disagg"),
    ]


def test_disagg_row_without_pool_descs_is_an_error() -> None:
    errors = blog_errors(edited(5, prefill_desc=""))
    assert (errors[0].index, errors[0].field) == (5, "prefill_desc")


def test_missing_column_fails_the_file() -> None:
    rows = [{k: v for k, v in row.items() if k != "tpot_ms"} for row in csv_rows()]
    errors = blog_errors(to_csv(rows))
    assert (errors[0].index, errors[0].field) == (-1, "tpot_ms")
    assert "missing column" in errors[0].reason


def test_ragged_row_is_an_error() -> None:
    text = BLOG_BYTES.decode().splitlines()
    text[2] = text[2] + ",extra"
    errors = blog_errors("\n".join(text).encode())
    assert (errors[0].index, errors[0].field) == (1, "row")
