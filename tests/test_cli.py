"""The command line: readable tables by default, JSON identical to the service's answer, CSV."""

from __future__ import annotations

import argparse
import csv
import io
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator

import msgspec
import pytest

from tco.app.service import shipped_service
from tco.cli import EXIT_BROKEN_PIPE, build_parser, main
from tco.domain.compare import CompareResponse
from tco.domain.quote import QuoteRequest
from tco.domain.quote_full import FullQuoteResponse, compact

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
    # the body the API sends: the full view with every repeat a reference
    assert out.encode() == msgspec.json.encode(compact(expected)) + b"\n"
    answer = msgspec.json.decode(out.encode(), type=FullQuoteResponse)
    best = answer.targets[0].options[0]
    assert best.rank == 1 and best.hardware == "b200"
    assert answer.recipes[best.recipe].hardware == "b200"
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


# ------------------------------------------------------------------ help, port, pipes


def _parsers(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield parser.prog, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _parsers(child)


def test_every_option_of_every_command_has_help() -> None:
    walked = dict(_parsers(build_parser()))
    assert set(walked) >= {
        "tco", "tco serve", "tco quote", "tco compare", "tco import", "tco openapi",
        "tco keys", "tco keys create", "tco keys list", "tco keys revoke",
    }  # fmt: skip
    missing = [
        f"{prog} {'/'.join(action.option_strings) or action.dest}"
        for prog, parser in walked.items()
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction)
        and (not action.help or action.help == argparse.SUPPRESS)
    ]
    assert missing == []
    # and each subcommand has its one-line summary in its parent's --help
    for prog, parser in walked.items():
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                assert all(a.help for a in action._choices_actions), prog


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """What `tco serve` would hand the server (nothing is started)."""
    seen: dict[str, object] = {}

    def fake_serve(**kwargs: object) -> int:
        seen.update(kwargs)
        return 0

    monkeypatch.setattr("tco.api.server.serve", fake_serve)
    monkeypatch.delenv("TCO_PORT", raising=False)
    return seen


def test_serve_listens_on_tco_port_unless_port_is_given(
    served: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["serve"]) == 0
    assert served["port"] == 8000
    monkeypatch.setenv("TCO_PORT", "8123")
    assert main(["serve"]) == 0
    assert served["port"] == 8123
    assert main(["serve", "--port", "9001"]) == 0
    assert served["port"] == 9001


def test_a_bad_tco_port_is_a_clear_message(
    served: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TCO_PORT", "80x")
    with pytest.raises(SystemExit) as exc:
        main(["serve"])
    assert str(exc.value) == "tco serve: TCO_PORT: '80x' is not a port number (0-65535)"
    assert served == {}
    # Other commands do not care about the port.
    assert main(["openapi", "--output", os.devnull]) == 0


TCO = [sys.executable, "-m", "tco.cli"]


def test_a_reader_that_goes_away_ends_the_command_quietly() -> None:
    """The pipe's read end is closed before tco writes: every write fails with EPIPE."""
    with subprocess.Popen(
        [*TCO, *QUOTE_ARGS, "--format", "csv"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == EXIT_BROKEN_PIPE == 141
    assert err == ""  # no traceback, no "Exception ignored ... BrokenPipeError"


def test_quote_piped_into_head_prints_the_first_line_and_no_traceback() -> None:
    command = " ".join(shlex.quote(a) for a in [*TCO, *QUOTE_ARGS, "--format", "csv"])
    result = subprocess.run(
        ["bash", "-c", f"{command} | head -1"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("target_tok_s_user,rank,hardware,recipe,")
    assert result.stdout.count("\n") == 1
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("price", "bound"), [("5e-324", ">= 1e-06"), ("0.0000009", ">= 1e-06"), ("1000.5", "<= 1000.0")]
)
def test_a_price_outside_the_money_bounds_is_refused(price: str, bound: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*QUOTE_ARGS, "--price", f"mi355x={price}"])
    message = str(exit_info.value)
    assert message.startswith("tco quote: invalid arguments: Expected `float` ")
    assert bound in message and "price_overrides" in message


def test_an_unknown_pricing_table_or_version_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    # the shipped tables in memory answer a missing one like the store does
    code, out, err = run(capsys, [*QUOTE_ARGS, "--pricing", "nope"])
    assert (code, out) == (2, "")
    assert err.strip() == "tco quote: pricing: no pricing table named 'nope'"
    code, _, err = run(capsys, [*QUOTE_ARGS, "--pricing-version", "9"])
    assert code == 2 and err.startswith("tco quote: pricing_version: pricing table ")
    assert err.strip().endswith("has no version 9")


def test_tables_names_an_unknown_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, ["tables", "nope"])
    assert (code, out) == (2, "")
    assert err.strip() == "tco tables: pricing: no pricing table named 'nope'"
