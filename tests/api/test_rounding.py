"""Quote answers as CSV and as the CLI table are rounded for people, and say so; JSON keeps
full precision (issue #18). On the shipped data (DeepSeek R1 8k/1k with a demand and an API
price; a monthly bill of 57334.200000000004 USD is among them)."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import pytest
from litestar.testing import TestClient

from tco.cli import main as cli_main
from tco.domain.quote_full import expanded
from tco.tabular import ROUNDING_NOTE, format_sig, round_sig

Client = TestClient[Any]
QUOTE_URL = (
    "/v1/quotes?model=dsr1&isl=8192&osl=1024&targets=20,50"
    "&demand_kind=output_tokens_per_s&demand_value=50000&api_price=dsr1/deepinfra"
)


def test_round_sig_and_format_sig() -> None:
    assert round_sig(1.8600000000000003) == 1.86  # the example
    assert round_sig(123456.7) == 123500.0
    assert round_sig(0.000123456) == 0.0001235
    assert round_sig(-2.71828) == -2.718
    assert round_sig(0.0) == 0.0 and math.isnan(round_sig(math.nan))
    assert format_sig(1.8600000000000003) == "1.860"
    assert format_sig(123456.7) == "123,500"
    assert format_sig(9.99951) == "10.00"
    assert format_sig(0.000123456) == "0.0001235"


def test_quote_csv_rounds_to_4_significant_digits_and_says_so(client: Client) -> None:
    full = expanded(client.get(QUOTE_URL).json())
    text = client.get(QUOTE_URL, headers={"Accept": "text/csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    options = [o for t in full["targets"] for o in t["options"]]
    assert len(rows) == len(options) > 2
    unrounded = with_capacity = 0
    for row, option in zip(rows, options, strict=True):
        assert row["rounding"] == ROUNDING_NOTE
        exact = option["usd_per_million_tokens"]
        assert float(row["usd_per_million_tokens"]) == round_sig(exact)
        assert float(row["usd_per_million_tokens"]) == pytest.approx(exact, rel=5e-4)
        unrounded += float(row["usd_per_million_tokens"]) != exact
        assert float(row["tput_tok_s_gpu"]) == round_sig(option["operating_point"]["tput_per_gpu"])
        capacity = option["capacity"]
        if capacity is None:  # e.g. a row whose GPU count the source got wrong
            assert row["usd_per_month"] == "" and row["capacity_unavailable"]
        else:
            with_capacity += 1
            assert float(row["usd_per_month"]) == round_sig(capacity["usd_per_month"])
            assert int(row["gpus"]) == capacity["gpus"]  # ints are not rounded
        api = option["api_comparison"]
        if api["break_even_utilization"] is not None:
            assert float(row["break_even_utilization"]) == round_sig(api["break_even_utilization"])
    assert (
        with_capacity > 0 and unrounded > 0
    )  # the shipped $/M tokens have more than 4 significant digits
    # JSON keeps full precision: a value with more than 4 significant digits is in it
    assert any(
        round_sig(o["usd_per_million_tokens"]) != o["usd_per_million_tokens"] for o in options
    )


def test_cli_table_rounds_and_states_it(client: Client, capsys: Any) -> None:
    assert cli_main(["quote", "--model", "kimi-k2.5", "--isl", "8192", "--osl", "1024",
                     "--target", "20", "--hardware", "mi355x"]) == 0  # fmt: skip
    table = capsys.readouterr().out
    assert "numbers rounded to 4 significant digits (--format json: full precision)" in table
    answer = expanded(
        client.get("/v1/quotes?model=kimi-k2.5&isl=8192&osl=1024&targets=20&hardware=mi355x").json()
    )
    for option in answer["targets"][0]["options"]:
        assert f"${format_sig(option['usd_per_million_tokens']):>8}/M" in table
        assert f"{format_sig(option['operating_point']['tput_per_gpu'])} tok/s/GPU" in table


@pytest.mark.parametrize(
    ("path", "series", "points"),
    [("/v1/curves", "curves", "points"), ("/v1/history", "hardware", "points")],
)
def test_curves_and_history_csv_round_like_quotes(
    client: Client, path: str, series: str, points: str
) -> None:
    params = {"model": "dsr1", "isl": 8192, "osl": 1024, "pricing": "cloud-public-2026"}
    if path == "/v1/history":
        params["target"] = 50
    full = client.get(path, params=params).json()
    rows = list(csv.DictReader(io.StringIO(
        client.get(path, params=params, headers={"Accept": "text/csv"}).text
    )))  # fmt: skip
    values = [p for s in full[series] for p in s[points]]
    assert len(rows) == len(values) > 3
    for row, point in zip(rows, values, strict=True):
        assert row["rounding"] == ROUNDING_NOTE
        assert float(row["usd_per_million_tokens"]) == round_sig(point["usd_per_million_tokens"])
        assert float(row["tput_tok_s_gpu"]) == round_sig(point["tput_per_gpu"])
    assert any(
        round_sig(p["usd_per_million_tokens"]) != p["usd_per_million_tokens"] for p in values
    )
