"""Answers flattened to rows, for CSV (spreadsheets) and the CLI table. Units in column names."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence

from tco.domain.compare import CompareResponse, SideValue
from tco.domain.quote import QuoteOption, QuoteResponse, TargetQuote
from tco.domain.quote_summary import QuoteSummaryResponse

Row = dict[str, object]

# Quote answers as CSV and CLI tables are for people: every float is rounded to this many
# significant digits and each row says so (the ``rounding`` column; JSON keeps full precision).
# Significant digits, not decimals: $/M tokens run from 0.05 to 50 and monthly bills to 10^7.
SIGNIFICANT_DIGITS = 4
ROUNDING_NOTE = (
    f"floats rounded to {SIGNIFICANT_DIGITS} significant digits; JSON has full precision"
)


def round_sig(value: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    """``value`` to ``digits`` significant digits (0, inf and NaN unchanged), via the decimal
    text so 1.8600000000000003 becomes 1.86, not a binary neighbour of it."""
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{digits}g}")


def format_sig(value: float, digits: int = SIGNIFICANT_DIGITS) -> str:
    """``value`` rounded to ``digits`` significant digits as people write it: thousands
    separators, no exponent, the digits shown (1.86 -> "1.860", 123456.7 -> "123,500")."""
    if not math.isfinite(value):
        return str(value)
    r = round_sig(value, digits)
    if r == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(r))))
    return f"{r:,.{decimals}f}"


def rounded(row: Row) -> Row:
    """``row`` with its floats rounded (ints, texts and dates as they are) and ROUNDING_NOTE."""
    out: Row = {k: round_sig(v) if isinstance(v, float) else v for k, v in row.items()}
    out["rounding"] = ROUNDING_NOTE
    return out


# OWASP "CSV Injection": a spreadsheet runs a text cell that starts with one of these as a
# formula (=, +, -, @, and tab or CR, which some strip before looking). Every CSV tco writes
# goes through rows_to_csv, which makes such a cell text: a leading "'" and the cell quoted.
# Only text is escaped, by type: a number (a float or int field, e.g. -5 or -0.3) is written as
# the number it is. A text that already starts with "'"s before such a character gets one more,
# so unescape_cell (what every CSV import applies) gives back exactly the text exported.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile(r"'*[=+\-@\t\r]")
_UNESCAPE = re.compile(r"'+[=+\-@\t\r]")
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def escape_cell(value: object) -> str:
    """One CSV field: quoted when it holds a comma, quote or line break (as the csv module
    does, and for CR too, so it reads back); a text a spreadsheet would run as a formula gets a
    leading "'" and quotes."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if isinstance(value, str) and _ESCAPED.match(text):
        return "\"'" + text.replace('"', '""') + '"'
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def unescape_cell(cell: str) -> str:
    """A cell as escape_cell wrote it, back to the text: one leading "'" off a cell that is
    "'"s then a formula character (an import of an export keeps the text it exported)."""
    return cell[1:] if _UNESCAPE.match(cell) else cell


def rows_to_csv(rows: Sequence[Mapping[str, object]], columns: Iterable[str] | None = None) -> str:
    """The one CSV writer of the API and the CLI: a header row, then one line per row, cells
    escaped by escape_cell (columns a row lacks are empty; keys not in ``columns`` are left
    out)."""
    header = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    lines = [",".join(escape_cell(c) for c in header)]
    lines += [",".join(escape_cell(row.get(c)) for c in header) for row in rows]
    if len(header) == 1:  # a lone empty field would read back as a blank line
        lines = [line or '""' for line in lines]
    return "\n".join(lines) + "\n"


def option_row(target: float, o: QuoteOption) -> Row:
    op = o.operating_point
    return {
        "target_tok_s_user": target,
        "rank": o.rank,
        "hardware": o.hardware,
        "recipe": o.recipe.label,
        "recipe_id": o.recipe.recipe_id,
        "gpus_per_replica": o.recipe.gpus_per_replica,
        "usd_per_million_tokens": o.usd_per_million_tokens,
        "usd_per_1k_requests": o.usd_per_1k_requests,
        "ratio_to_cheapest": o.ratio_to_cheapest,
        "break_even_usd_per_gpu_hour": o.break_even_usd_per_gpu_hour,
        "method": op.method,
        "interactivity_tok_s_user": op.interactivity,
        "tput_tok_s_gpu": op.tput_per_gpu,
        "conc": op.conc,
        "ttft_s": op.ttft_s,
        "offer_provider": o.offer.provider,
        "offer_kind": o.offer.kind,
        "usd_per_gpu_hour": o.offer.usd_per_gpu_hour,
        "offer_source": o.offer.source,
        "offer_source_date": o.offer.source_date,
        "offer_status": o.offer.status,
        "caveats": " | ".join(o.caveats),
        "benchmark_dates": " ".join(sorted({k.date.isoformat() for k in op.knots})),
        "benchmark_sources": " ".join(sorted({k.source for k in op.knots})),
        **_procurement_columns(o),
    }


def _procurement_columns(o: QuoteOption) -> Row:
    """Capacity and build-vs-buy columns, present (maybe empty) only when the quote asked."""
    row: Row = {}
    if o.capacity is not None or o.capacity_unavailable is not None:
        c = o.capacity
        row |= {
            "replicas": c and c.replicas, "gpus": c and c.gpus, "nodes": c and c.nodes,
            "racks": c and c.racks, "load_factor": c and c.load_factor,
            "usd_per_month": c and c.usd_per_month, "all_in_kw": c and c.all_in_kw,
            "capacity_unavailable": o.capacity_unavailable,
        }  # fmt: skip
    a = o.api_comparison
    if a is not None:
        row |= {
            "api_usd_per_1k_requests": a.api_usd_per_1k_requests,
            "saving_usd_per_1k_requests": a.saving_usd_per_1k_requests,
            "break_even_utilization": a.break_even_utilization,
            "api_usd_per_month": a.api_usd_per_month,
            "saving_usd_per_month": a.saving_usd_per_month,
        }
    return row


def quote_rows(answer: QuoteResponse | QuoteSummaryResponse) -> list[Row]:
    """One row per listed option (view=summary: per target its cheapest option), rounded for
    people (``rounded``)."""
    a = answer.assumptions
    context = {
        "model": a.model, "isl": a.isl, "osl": a.osl, "benchmark_as_of": a.benchmark_as_of,
        "dataset_version": a.dataset_version, "pricing_table": a.pricing_table,
        "pricing_version": a.pricing_version, "token_basis": a.token_basis, "utilization": a.utilization,
    }  # fmt: skip
    return [
        rounded({**option_row(tq.target_interactivity, o), **_evidence_columns(o), **context})
        for tq in answer.targets
        for o in (
            tq.options if isinstance(tq, TargetQuote) else [tq.cheapest] if tq.cheapest else []
        )
    ]


def _evidence_columns(o: QuoteOption) -> Row:
    e = o.evidence
    if e is None:
        return {}
    return {
        "measured": " ".join(d.isoformat() for d in e.measured),
        "benchmark_age_days": e.benchmark_age_days,
        "price_source_date": e.price_source_date,
        "price_age_days": e.price_age_days,
        "stale": " ".join(w.kind for w in e.warnings),
    }


def _value(side: SideValue, view: str) -> float | None:
    return side.tput_per_gpu if view == "iso_interactivity" else side.interactivity


def compare_rows(answer: CompareResponse) -> list[Row]:
    rows: list[Row] = []
    for c in answer.at_concurrency:
        rows.append({"view": "matched_conc", "at": c.conc, "unit": "conc; value tok/s/user",
                     "baseline_value": c.baseline.interactivity, "baseline_method": c.baseline.method,
                     "candidate_value": c.candidate.interactivity, "candidate_method": c.candidate.method,
                     "gain": c.interactivity_gain})  # fmt: skip
    for t in answer.at_throughput:
        rows.append({"view": "iso_throughput", "at": t.tput_per_gpu, "unit": "tok/s/GPU; value tok/s/user",
                     "baseline_value": t.baseline.interactivity, "baseline_method": t.baseline.method,
                     "candidate_value": t.candidate.interactivity, "candidate_method": t.candidate.method,
                     "gain": t.interactivity_gain})  # fmt: skip
    for i in answer.at_interactivity:
        rows.append({"view": "iso_interactivity", "at": i.interactivity, "unit": "tok/s/user; value tok/s/GPU",
                     "baseline_value": i.baseline.tput_per_gpu, "baseline_method": i.baseline.method,
                     "candidate_value": i.candidate.tput_per_gpu, "candidate_method": i.candidate.method,
                     "gain": i.tput_ratio})  # fmt: skip
    return rows
