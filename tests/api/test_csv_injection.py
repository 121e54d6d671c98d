"""CSV formula injection (OWASP "CSV Injection"): a text cell a spreadsheet would run as a
formula is exported as text ("'" prefixed, quoted), numbers stay numbers, and a CSV import
of an export gives back the text that was exported."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tco.ingest.rows import csv_table
from tco.tabular import FORMULA_LEADS, rows_to_csv
from tests.api.pricing_support import AWS_H100, NEBIUS_H200, TABLE, Api, make_api

URL = f"/v1/pricing/tables/{TABLE}"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with make_api(tmp_path, shipped_data=True) as api:
        yield api


def _cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("lead", FORMULA_LEADS)
def test_rows_to_csv_makes_a_formula_text_and_leaves_numbers(lead: str) -> None:
    text = f'{lead}HYPERLINK("http://evil.example","x")'
    written = rows_to_csv([{"cell": text, "int": -5, "float": -0.3, "plain": "a-b"}])
    escaped = "\"'" + text.replace('"', '""') + '"'
    assert written == f"cell,int,float,plain\n{escaped},-5,-0.3,a-b\n"
    assert _cells(written) == [{"cell": "'" + text, "int": "-5", "float": "-0.3", "plain": "a-b"}]


def test_a_text_that_already_starts_with_a_quote_keeps_it_through_a_round_trip() -> None:
    written = rows_to_csv([{"a": "'=x", "b": "'plain", "c": "=y"}])
    assert written == "a,b,c\n\"''=x\",'plain,\"'=y\"\n"
    assert csv_table(written) == (["a", "b", "c"], [{"a": "'=x", "b": "'plain", "c": "=y"}])


@pytest.mark.parametrize("lead", FORMULA_LEADS)
def test_pricing_csv_export_escapes_formulas_and_a_reimport_keeps_the_text(
    api: Api, lead: str
) -> None:
    notes = f"{lead}cmd|' /C calc'!A0"
    # A provider has no control characters: a tab or CR may lead the notes only.
    provider = "Nebius" if lead in "\t\r" else f"{lead}1+2"
    api.create(offers=[{**AWS_H100, "notes": notes}, {**NEBIUS_H200, "provider": provider}])
    exported = api.client.get(URL, headers={"Accept": "text/csv"})
    assert exported.status_code == 200, exported.text
    rows = _cells(exported.text)
    assert [r["notes"] for r in rows] == ["'" + notes, NEBIUS_H200["notes"]]
    assert [r["provider"] for r in rows] == [
        "AWS",
        provider if provider == "Nebius" else "'" + provider,
    ]
    assert [r["usd_per_gpu_hour"] for r in rows] == ["6.88", "4.5"]
    assert f"\"'{lead}cmd|' /C calc'!A0\"" in exported.text

    put = api.client.put(
        URL,
        content=exported.content,
        headers=api.headers(
            api.editor, **{"If-Match": exported.headers["etag"], "Content-Type": "text/csv"}
        ),
    )
    assert put.status_code == 200, put.text
    stored = api.store.get_table(TABLE)
    assert stored.version == 2
    assert stored.offers[0].notes == notes  # the "'" is gone: not one more per round trip
    assert stored.offers[1].provider == provider
    again = api.client.get(URL, headers={"Accept": "text/csv"})
    assert again.content == exported.content  # no quote added per round trip


def test_a_quote_csv_escapes_an_offer_provider_that_looks_like_a_formula(api: Api) -> None:
    provider = '=HYPERLINK("http://evil.example","cheap")'
    etag = api.create(offers=[{**AWS_H100, "provider": provider}])
    assert etag
    response = api.client.get(
        "/v1/quotes",
        params={
            "model": "dsr1", "isl": 8192, "osl": 1024, "targets": "20",
            "pricing": TABLE, "format": "csv",
        },
    )  # fmt: skip
    assert response.status_code == 200, response.text
    rows = _cells(response.text)
    assert rows and {r["offer_provider"] for r in rows} == {"'" + provider}
    assert {r["usd_per_gpu_hour"] for r in rows} == {"6.88"}
    float(rows[0]["usd_per_million_tokens"])  # a number, unescaped
