"""The command line: readable tables by default, JSON identical to the service's answer, CSV."""

from __future__ import annotations

import csv
import io

import msgspec
import pytest

from tco.cli import main
from tco.domain.compare import CompareResponse
from tco.domain.quote import QuoteRequest, QuoteResponse
from tco.service import shipped_service

QUOTE_ARGS = [
    "quote",
    "--model",
    "kimi-k2.5",
    "--isl",
    "8192",
    "--osl",
    "1024",
    "--target",
    "50",
    "--target",
    "100",
]
COMPARE_ARGS = [
    "compare", "--model", "kimi-k2.5", "--isl", "8192", "--osl", "1024",
    "--baseline", "hardware=mi355x,framework=vllm,tp=8,date=2026-03-01",
    "--candidate", "hardware=mi355x,framework=vllm,tp=8,date=2026-03-26",
    "--at-concurrency", "4", "--at-throughput", "337", "--at-throughput", "380", "--extrapolate",
]  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_quote_json_is_the_service_answer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, [*QUOTE_ARGS, "--format", "json"])
    assert code == 0
    expected = shipped_service().quote(
        QuoteRequest(model="kimi-k2.5", isl=8192, osl=1024, targets=[50.0, 100.0])
    )
    assert out.encode() == msgspec.json.encode(expected) + b"\n"
    answer = msgspec.json.decode(out.encode(), type=QuoteResponse)
    best = answer.targets[0].cheapest
    assert best is not None and best.hardware == "b200"
    assert round(best.usd_per_million_tokens, 6) == 0.164854


def test_quote_table_names_the_winner_its_offer_and_dates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, QUOTE_ARGS)
    assert code == 0
    assert "pricing semianalysis-2026-09-hyperscaler v1" in out
    assert "#1 b200    $  0.1649/M" in out
    assert "measured 2026-03-27" in out
    assert "cannot reach it" in out


def test_quote_csv_has_unit_headers_and_one_row_per_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, [*QUOTE_ARGS, "--format", "csv", "--top", "2"])
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 4
    assert {
        "usd_per_million_tokens",
        "usd_per_gpu_hour",
        "tput_tok_s_gpu",
        "offer_source_date",
    } <= set(rows[0])
    assert rows[0]["hardware"] == "b200" and rows[0]["target_tok_s_user"] == "50.0"


def test_compare_reproduces_the_reference_case(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, [*COMPARE_ARGS, "--format", "json"])
    assert code == 0
    answer = msgspec.json.decode(out.encode(), type=CompareResponse)
    assert answer.at_concurrency[0].interactivity_gain is not None
    assert round(answer.at_concurrency[0].interactivity_gain, 1) == 12.0
    assert answer.at_throughput[1].baseline.method == "extrapolated"
    code, table, _ = run(capsys, COMPARE_ARGS)
    assert "gain 15.64x" in table


def test_bad_input_is_a_clear_message_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, ["quote", "--model", "nope", "--isl", "8192", "--osl", "1024", "--target", "50"]
    )
    assert code == 2
    assert "model: no benchmark data for model 'nope'" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["quote", "--model", "dsr1", "--isl", "8192", "--osl", "1024", "--target", "-5"])
    assert "Expected `float` > 0.0" in str(exit_info.value)


@pytest.mark.parametrize(
    ("price", "bound"), [("5e-324", ">= 1e-06"), ("0.0000009", ">= 1e-06"), ("1000.5", "<= 1000.0")]
)
def test_a_price_outside_the_money_bounds_is_refused(price: str, bound: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*QUOTE_ARGS, "--price", f"mi355x={price}"])
    message = str(exit_info.value)
    assert message.startswith("tco quote: invalid arguments: Expected `float` ")
    assert bound in message and "price_overrides" in message
